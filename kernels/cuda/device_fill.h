#pragma once
// Fills device buffers with seeded pseudo-random fp16 values in [-1, 1): realistic, never zero,
// for measurements that do not need host data (ceilings, harness checks).
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "common/expected.h"

namespace q4 {

Status fillRandomHalf(void* data, std::size_t count, std::uint64_t seed, cudaStream_t stream);

}  // namespace q4
