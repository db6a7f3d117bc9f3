#pragma once
// gemv_int4: our m <= 8 specialist (see gemv_int4_kernel.cuh). It runs on tc_int4's prepared
// weights, so best_int4 and the gemv_int4 entry share them.
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "common/expected.h"
#include "int4_layout/fragment_dequant.h"

namespace q4 {

constexpr std::int64_t kGemvInt4MaxM = 8;

// One block per n tile of 16 features; its warps split k. The plan takes as many warps per block
// as still let every block be resident at once (one wave), so the split fills the chip.
struct GemvInt4Plan {
    int blocks = 0;
    int warps = 1;
    int sharedBytes = 0;
};
GemvInt4Plan planGemvInt4(std::int64_t n, std::int64_t k, int multiprocessors);

// a: activations in the weights' sorted row order, m <= kGemvInt4MaxM. dependent: launched right
// after the act-order reordering that writes a, as its programmatic dependent.
Status runGemvInt4(const FragmentWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
                   int multiprocessors, cudaStream_t stream);
std::string gemvInt4Path(std::int64_t n, std::int64_t k, int multiprocessors);

}  // namespace q4
