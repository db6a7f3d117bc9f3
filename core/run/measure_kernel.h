#pragma once
// The measurement protocol for one (point x kernel): supports, prepare, validate against the
// reference, warm up, sample until the stop criterion, summarize.
#include <string>
#include <vector>

#include "backend/backend.h"
#include "run/cancel_token.h"

namespace q4 {

struct MeasureRequest {
    std::string kernelId;
    const Problem* problem = nullptr;
    const std::vector<float>* reference = nullptr;  // C [m, n]
    TimingOptions timing;
    double tolerance = 1e-2;
};

// Fills the outcome fields of a record (status, message, statistics, error, memory, path).
// Never throws for kernel failures: they become the record's status and message.
void measureKernel(Backend& backend, const MeasureRequest& request, const CancelToken& cancel, Record& record);

}  // namespace q4
