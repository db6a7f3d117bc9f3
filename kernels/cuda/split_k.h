#pragma once
// The k split shared by our split-k kernels: slices of whole k64 steps, as few as fill the
// chip's resident blocks in whole waves.
#include <cstddef>
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

// The fp32 partials a plan (slices, mPerLaunch) writes: [slices][mPerLaunch][n], none unsplit.
template <class Plan>
std::size_t splitKPartialFloats(const Plan& plan, std::int64_t n) {
    return plan.slices > 1 ? std::size_t(plan.slices) * std::size_t(plan.mPerLaunch) * std::size_t(n) : 0;
}

// The partials every m from 1 to maxM needs, for kernels whose plan depends on m only through its
// tiles of 8 rows (1, 2 or 4 of them): the most rows of each tile count write the most.
template <class PlanFor>
std::size_t splitKPartialFloatsUpTo(std::int64_t maxM, std::int64_t n, PlanFor planFor) {
    std::size_t floats = 0;
    for (std::int64_t tileRows : {8, 16, 32}) {
        const std::size_t need = splitKPartialFloats(planFor(tileRows < maxM ? tileRows : maxM), n);
        if (need > floats) floats = need;
    }
    return floats;
}

}  // namespace q4
