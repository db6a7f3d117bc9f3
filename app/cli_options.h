#pragma once
// q4bench-cli's command line: flags that mirror the original benchmark, mapped onto a SweepSpec
// through the engine's one sweep-field reader.
#include <string>

#include "common/expected.h"
#include "model/model_spec.h"
#include "sweep/sweep_spec.h"

namespace q4 {

struct CliRequest {
    SweepSpec spec;
    int device = 0;
    std::string csvPath, jsonPath, journalPath;
    bool resume = false;        // continue the run in journalPath, skipping what it holds
    std::string recoverPath;    // `recover JOURNAL`: turn a journal into result files
    std::string inspectPath;    // `inspect DIR`: list a checkpoint's layers and architecture
    bool model = false;         // `model`: generation with whole models (the model view)
    ModelSpec modelSpec;
    bool listKernels = false, listDevices = false, listPresets = false;
    bool quiet = false;
    std::string commandLine;
};

// Parses argv. On --help/--version returns an Error whose message is the text to print and sets
// exitCode to 0; on bad input the message names the flag and the rule and exitCode is 2.
Expected<CliRequest> parseCommandLine(int argc, char** argv, int& exitCode);

}  // namespace q4
