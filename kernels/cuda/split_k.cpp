#include "cuda/split_k.h"

#include <algorithm>

namespace q4 {

SplitK waveFillingSplit(std::int64_t k, std::int64_t tiles, std::int64_t slots, std::int64_t minSlices,
                        std::int64_t maxSlices) {
    SplitK split;
    double bestEfficiency = -1;
    for (std::int64_t wanted = minSlices; wanted <= std::min(maxSlices, k / 64); ++wanted) {
        const std::int64_t sliceK = ((k + wanted - 1) / wanted + 63) / 64 * 64;
        const std::int64_t slices = (k + sliceK - 1) / sliceK;
        const std::int64_t blocks = tiles * slices;
        const double efficiency = double(blocks) / double((blocks + slots - 1) / slots * slots);
        if (efficiency > bestEfficiency + 1e-9) {
            bestEfficiency = efficiency;
            split.slices = int(slices);
            split.sliceK = int(sliceK);
        }
        if (efficiency >= 0.9) break;
    }
    return split;
}

}  // namespace q4
