#pragma once
// The large-m path of sparse_int4: the pruned weights expanded into a dense fp16 W^T for cuBLAS,
// straight from the 2:4 fragment layout (sparse_layout.h).
#include <cuda_runtime.h>

#include <cstdint>

#include "common/expected.h"

namespace q4 {

// Device pointers to the streams of a SparseFragmentLayout.
struct SparseWeightsView {
    const void* words;          // [k/64][n/16][32 lanes][2 blocks] uint32
    const void* metadata;       // [k/64][n/16][32 lanes] uint32
    const void* scales;         // half2 pairs [G][n/16][8]
    const void* zeros;          // half2 pairs of 1024 + z
    const std::int32_t* gIdx;   // [k], read only when groupSize == 0
    std::int64_t n = 0, k = 0;  // n % 16 == 0, k % 64 == 0
    int groupSize = 0;          // rows per group (a multiple of 8), or 0: each row's group from gIdx
};

// Rows [firstFeature, firstFeature + features) of W^T [n][k] (both multiples of 16) into wt, which
// holds just those rows: features x k halves, 16-byte aligned. Dropped weights are exactly 0, kept
// ones scale * (q - z) in fp32 rounded once to fp16: the bits of the pruned layer's dense fp16
// weights (cublas_fp16/fp16_weights.h).
Status expandSparseTransposed(const SparseWeightsView& w, std::int64_t firstFeature, std::int64_t features, void* wt,
                              cudaStream_t stream);

}  // namespace q4
