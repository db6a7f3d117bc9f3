#pragma once
// Before a kernel's model times count, its output on the model's first block is checked: every
// linear layer of block 0 at each m the run gives it (each batch size at decode, the largest
// prefill chunk) against the backend's reference, with the sweep's tolerance and protocol. A
// kernel that cannot run a layer shape is found before anything is loaded.
#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "model/model_weights.h"
#include "sweep/sweep_spec.h"
#include "run/cancel_token.h"

namespace q4 {

struct LinearValidation {
    RecordStatus status = RecordStatus::Ok;  // unsupported, incorrect or error: the first failure's
    double worstRelError = 0;
    std::string message;  // the first failure: layer, m and why
};

// The sweep point a linear layer of the model is at m.
SweepPoint linearPoint(const DecoderLinear& linear, std::int64_t m);

// Unsupported with the backend's reason when the kernel cannot run one of the layers at one of ms.
LinearValidation checkSupport(const Backend& backend, const std::vector<DecoderLinear>& block,
                              const std::string& kernelId, const std::vector<std::int64_t>& ms);

LinearValidation validateBlock(Backend& backend, const std::vector<DecoderLinear>& block, const std::string& kernelId,
                               const std::vector<std::int64_t>& ms, const CancelToken& cancel);

}  // namespace q4
