#pragma once
// Random weights' packed words made where they are used: a layer's qweight [k/8, n] int32 written
// on the device from its generated parts (model_weights.h), the same words random_weights.cpp
// makes on the host, so a large model's int4 weights never pass through host memory.
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "model/model_weights.h"

namespace q4 {

// Writes qweight [k/8, n] (4 k n / 8 bytes) from parts that tile [0, n). Launches only.
Status launchGenerateQweight(const std::vector<GeneratedQweightPart>& parts, std::int64_t k, std::int64_t n,
                             void* qweight, cudaStream_t stream);

}  // namespace q4
