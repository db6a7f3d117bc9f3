#pragma once
// Runs a sweep on a backend: for each point, generate inputs, compute the reference, measure
// every selected kernel, and stream records out (and into the journal) as they land.
#include <cstddef>
#include <functional>
#include <string>

#include "backend/backend.h"
#include "io/json_io.h"
#include "run/cancel_token.h"

namespace q4 {

struct RunCallbacks {
    std::function<void(const RunInfo&)> onStart;                  // run metadata, before the first point
    std::function<void(const Record&)> onRecord;                  // each record as it lands
    std::function<void(std::size_t done, std::size_t total)> onProgress;
    std::function<void(const std::string&)> onLog;                // human-readable progress notes
};

struct RunOptions {
    std::string journalPath;  // empty: no journal
    std::string commandLine;  // stored in RunInfo
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
