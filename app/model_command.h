#pragma once
// `q4bench-cli model`: runs the model view headless and writes its table and files.
#include "cli_options.h"
#include "run/cancel_token.h"

namespace q4 {

// Returns the process exit code (exit_codes.h).
int runModelCommand(const CliRequest& request, CancelToken& cancel);

}  // namespace q4
