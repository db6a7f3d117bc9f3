#pragma once
// Helpers for the large-m paths of best_int4: expand fragment-layout weights into a dense fp16
// W^T for cuBLAS (in the weights' sorted k order, or the layer's own), and put activation
// columns into that sorted order.
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

// The large-m path expands and multiplies a block of output features at a time, so its workspace
// holds at most this many bytes of W^T (measured on the H100 at n = k = 8192: as fast as one
// block at m = 1024 and 2048, 4 % faster at m = 4096, and half the workspace).
constexpr std::int64_t kDequantChunkBytes = std::int64_t(64) << 20;
// Features per block: equal blocks, multiples of 16, within kDequantChunkBytes (one row at least).
std::int64_t dequantChunkFeatures(std::int64_t n, std::int64_t k);

// Rows [firstFeature, firstFeature + features) of W^T (both multiples of 16) into wt, which holds
// just those rows: features x k halves.
Status dequantizeFragmentsTransposed(const FragmentWeightsView& w, std::int64_t firstFeature, std::int64_t features,
                                     void* wt, cudaStream_t stream);
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

// All of W^T [n][k] into wt with its columns in the layer's own k order, so a product with it
// needs no activation sort: without act-order (order null) expanded straight into wt; with it,
// a block of features at a time into a temporary of its own, each row's columns then put back
// from sorted order (sortColumns' inverse), and the stream synchronized before it is freed.
Status expandFragmentsInSourceOrder(const FragmentWeightsView& w, const SortOrder* order, void* wt,
                                    cudaStream_t stream);

}  // namespace q4
