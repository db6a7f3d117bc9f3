#pragma once
// Dequantizes GPTQ tensors on the device into a dense fp16 W [k, n] (row-major), the first half of
// every "dequantize, then multiply with cuBLAS" kernel. W[r][c] = scale[g][c] * (q[r][c] - z[g][c])
// with g = g_idx[r] (any order, act-order included) or, without g_idx, g = r / groupRows.
#include <cuda_runtime.h>

#include <cstdint>

#include "common/expected.h"
#include "gptq/gptq_layer.h"

namespace q4 {

// Device pointers to GPTQ tensors in checkpoint layout.
struct GptqDeviceTensors {
    const void* qweight = nullptr;  // int32 [k/8, n], 8 rows per word, lowest nibble = lowest row
    const void* qzeros = nullptr;   // int32 [groups, n/8], 8 columns per word
    const void* scales = nullptr;   // fp16 [groups, n]
    const void* gIdx = nullptr;     // int32 [k]; null: row r is in group r / groupRows
    std::int64_t k = 0, n = 0;      // both multiples of 8
    std::int64_t groupRows = 0;     // used when gIdx is null; a multiple of 8
    ZeroFormat zeroFormat = ZeroFormat::V1;
};

// What a kernel adds to a stored zero nibble (mod 16) to get the true zero point.
constexpr unsigned zeroOffset(ZeroFormat format) { return format == ZeroFormat::V1 ? 1u : 0u; }

// Writes W fp16 [k, n] into out (2*k*n bytes, 16-byte aligned). Launches only.
Status launchGptqDequant(const GptqDeviceTensors& w, void* out, cudaStream_t stream);

}  // namespace q4
