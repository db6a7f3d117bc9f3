#pragma once
// The fragment-layout words (fragment_layout.h) built on the device from checkpoint qweight that
// is already there (generated random weights), so a model's int4 weights need no host pass.
#include <cuda_runtime.h>

#include <cstdint>

#include "common/expected.h"

namespace q4 {

// qweight: int32 [k/8, n] on the device; sortedToRow: the layout's permutation (sorted row ->
// original row, k entries) on the device, or null for the natural order; words: n k / 8 words.
// Requires n % 16 == 0 and k % 64 == 0. Launches only.
Status launchFragmentWords(const void* qweight, const std::int32_t* sortedToRow, std::int64_t n, std::int64_t k,
                           void* words, cudaStream_t stream);

}  // namespace q4
