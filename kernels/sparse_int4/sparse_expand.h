#pragma once
// The large-m path of sparse_int4: the pruned weights expanded into a dense fp16 W^T for cuBLAS,
// straight from the 2:4 fragment layout (sparse_layout.h).
#include <cuda_runtime.h>

#include <cstdint>

#include "common/expected.h"
#include "int4_layout/sparse_weights_view.h"

namespace q4 {

// Rows [firstFeature, firstFeature + features) of W^T [n][k] (both multiples of 16) into wt, which
// holds just those rows: features x k halves, 16-byte aligned. Dropped weights are exactly 0, kept
// ones scale * (q - z) in fp32 rounded once to fp16: the bits of the pruned layer's dense fp16
// weights (cublas_fp16/fp16_weights.h).
Status expandSparseTransposed(const SparseWeightsView& w, std::int64_t firstFeature, std::int64_t features, void* wt,
                              cudaStream_t stream);

}  // namespace q4
