#pragma once
// Device pointers to the streams of a 2:4 SparseFragmentLayout (sparse_int4/sparse_layout.h), as
// the kernels that read them take it: sparse_int4's expansion and wgmma_int4's sparse form.
#include <cstdint>

namespace q4 {

struct SparseWeightsView {
    const void* words;          // [k/64][n/16][32 lanes][2 blocks] uint32
    const void* metadata;       // [k/64][n/16][32 lanes] uint32
    const void* scales;         // half2 pairs [G][n/16][8]
    const void* zeros;          // half2 pairs of 1024 + z
    const std::int32_t* gIdx;   // [k], read only when groupSize == 0
    std::int64_t n = 0, k = 0;  // n % 16 == 0, k % 64 == 0
    int groupSize = 0;          // rows per group (a multiple of 8), or 0: each row's group from gIdx
};

}  // namespace q4
