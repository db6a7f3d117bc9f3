#include "run/run_callbacks.h"

#include <memory>

namespace q4 {

RunCallbacks chainCallbacks(std::vector<RunCallbacks> observers) {
    auto all = std::make_shared<std::vector<RunCallbacks>>(std::move(observers));
    RunCallbacks chained;
    chained.onStart = [all](const RunInfo& info) {
        for (const RunCallbacks& o : *all)
            if (o.onStart)
                if (Status s = o.onStart(info); !s) return s;
        return Status::success();
    };
    chained.onRecord = [all](const Record& record) {
        for (const RunCallbacks& o : *all)
            if (o.onRecord) o.onRecord(record);
    };
    chained.onProgress = [all](std::size_t done, std::size_t total) {
        for (const RunCallbacks& o : *all)
            if (o.onProgress) o.onProgress(done, total);
    };
    chained.onLog = [all](const std::string& line) {
        for (const RunCallbacks& o : *all)
            if (o.onLog) o.onLog(line);
    };
    chained.onFinish = [all](const RunInfo& info) {
        for (const RunCallbacks& o : *all)
            if (o.onFinish) o.onFinish(info);
    };
    return chained;
}

}  // namespace q4
