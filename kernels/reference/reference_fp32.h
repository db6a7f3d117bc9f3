#pragma once
// The fp32 validation reference on the device: C = A * W with A fp16 [m, k], W fp32 [k, n]
// (dequantized on the host by q4::dequantize), fp32 accumulation. Deliberately plain: a
// shared-memory tiled product that is easy to trust.
#include <cuda_runtime.h>

#include <cstdint>

#include "common/expected.h"

namespace q4 {

Status launchReferenceFp32(const void* a, const float* w, float* c, std::int64_t m, std::int64_t n, std::int64_t k,
                           cudaStream_t stream);
Status launchReferenceFp32ToHalf(const void* a, const float* w, void* c, std::int64_t m, std::int64_t n,
                                 std::int64_t k, cudaStream_t stream);

}  // namespace q4
