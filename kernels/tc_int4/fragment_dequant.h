#pragma once
// Helpers for the large-m path of best_int4: expand fragment-layout weights into a dense fp16
// W^T [n][k_sorted] for cuBLAS, and put activation columns into that sorted order.
#include <cuda_runtime.h>

#include <cstdint>

#include "common/expected.h"

namespace q4 {

struct FragmentWeightsView {
    const void* words;    // fragment layout (fragment_layout.h)
    const void* scales;   // half2 pairs [G][n/16][8]
    const void* zeros;    // half2 pairs of 1024 + z
    std::int64_t n = 0, k = 0;
    int groupSize = 0;
};

Status dequantizeFragmentsTransposed(const FragmentWeightsView& w, void* wt, cudaStream_t stream);
// Activation columns into the weights' sorted row order: out[r][i] = a[r][source[i]], i.e.
// out[r][sortedPosition[c]] = a[r][c], for r < m and c < k (fp16; k a multiple of 8). Small m
// scatters (one memory round trip); larger m gathers, writing whole sectors.
struct SortOrder {
    const std::int32_t* sortedPosition;  // original column -> sorted position
    const std::int32_t* source;          // sorted position -> original column
};
constexpr std::int64_t kScatterMaxM = 64;
Status sortColumns(const void* a, const SortOrder& order, void* out, std::int64_t m, std::int64_t k,
                   cudaStream_t stream);

}  // namespace q4
