#pragma once
// The model view's protocol: for each kernel, load the model once; for each batch size, a
// warm-up generation, then timed generations until the stop criterion; one profiled step; a
// record per (kernel, batch) handed to the observers as it lands. A failure in one kernel or
// batch is recorded and the run goes on.
#include <functional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "model/model_record.h"
#include "model/model_spec.h"
#include "run/cancel_token.h"

namespace q4 {

struct ModelRunResult {
    RunInfo info;  // specJson holds the model spec; architectureJson the architecture
    std::vector<ModelRecord> records;
};

struct ModelRunCallbacks {
    std::function<Status(const RunInfo&)> onStart;  // a failure ends the run before any load
    std::function<void(const ModelRecord&)> onRecord;
    std::function<void(std::size_t done, std::size_t total)> onProgress;  // (kernel, batch) pairs
    std::function<void(const std::string&)> onLog;
    std::function<void(const RunInfo&)> onFinish;
};

struct ModelRunOptions {
    std::string commandLine;
};

// Validates the spec (errors name the field), resolves the model and the kernels, and runs.
Expected<ModelRunResult> runModel(Backend& backend, const ModelSpec& spec, const ModelRunOptions& options,
                                  const ModelRunCallbacks& callbacks, const CancelToken& cancel);

}  // namespace q4
