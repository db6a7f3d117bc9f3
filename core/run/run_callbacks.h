#pragma once
// What a run tells its observers as it goes: the console table, the journal, the workbench.
// The runner knows no format; each observer is a set of these callbacks.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "results/record.h"
#include "results/run_info.h"

namespace q4 {

struct RunCallbacks {
    // Before the first point. A failure (an output that cannot be opened) ends the run at once.
    std::function<Status(const RunInfo&)> onStart;
    std::function<void(const Record&)> onRecord;  // each record as it lands
    std::function<void(std::size_t done, std::size_t total)> onProgress;
    std::function<void(const std::string&)> onLog;  // human-readable progress notes
    // After the last record, also when cancelled (finished_utc is then empty).
    std::function<void(const RunInfo&)> onFinish;
};

// Observers called in order; the first onStart failure is the run's.
RunCallbacks chainCallbacks(std::vector<RunCallbacks> observers);

}  // namespace q4
