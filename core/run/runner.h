#pragma once
// Runs a sweep on a backend: for each point, generate inputs, compute the reference, measure
// every selected kernel, and hand records to the observers as they land.
#include <string>
#include <vector>

#include "backend/backend.h"
#include "results/run_result.h"
#include "run/cancel_token.h"
#include "run/run_callbacks.h"

namespace q4 {

struct RunOptions {
    std::string commandLine;  // stored in RunInfo
    // Records an interrupted run of the same spec already measured (from its journal): their
    // (point, kernel) pairs are not measured again; they join the result as they were, in order,
    // without being reported to onRecord.
    std::vector<Record> completed;
};

// Validates and expands the spec; errors name the field and rule. A failing point is recorded
// and the sweep goes on; measured records are never dropped, also on cancel.
Expected<RunResult> runSweep(Backend& backend, const SweepSpec& spec, const RunOptions& options,
                             const RunCallbacks& callbacks, const CancelToken& cancel);

// Builds the RunInfo of a run about to start (device, versions, host, time, spec).
RunInfo makeRunInfo(Backend& backend, const SweepSpec& spec, const RunOptions& options);

// ISO 8601 UTC, e.g. 2026-11-22T05:24:37Z.
std::string utcNow();

}  // namespace q4
