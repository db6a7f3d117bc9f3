#pragma once
// Writing result files so that a measured result is never lost to a half-written file: outputs are
// checked before a run starts, and each is written to a temporary file beside it and renamed over
// the target only once complete, so a failed write (a full disk, say) leaves the previous file.
#include <string>

#include "common/expected.h"

namespace q4 {

// Can a file be created at path? Checks the folder exists and takes a new file, without leaving
// one behind and without touching an existing file at path. The error names the path and says why.
Status checkOutputPath(const std::string& path);

// Writes content to path through a temporary file in the same folder and a rename. On failure the
// temporary file is removed, a previous file at path is left as it was, and the error gives the
// system's reason.
Status writeFileAtomically(const std::string& path, const std::string& content);

}  // namespace q4
