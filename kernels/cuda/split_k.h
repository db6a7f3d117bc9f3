#pragma once
// The k split shared by our split-k kernels: slices of whole k64 steps, as few as fill the
// chip's resident blocks in whole waves.
#include <cstdint>

namespace q4 {

struct SplitK {
    int slices = 1;
    int sliceK = 0;  // a multiple of 64
};

// The fewest slices from minSlices up to maxSlices (capped at k / 64) whose blocks (tiles per
// slice times slices) fill at least 90 % of their last wave of `slots` resident blocks; if none
// does, the best-filled split.
SplitK waveFillingSplit(std::int64_t k, std::int64_t tiles, std::int64_t slots, std::int64_t minSlices,
                        std::int64_t maxSlices);

}  // namespace q4
