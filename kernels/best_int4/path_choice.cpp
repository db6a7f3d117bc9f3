#include "best_int4/path_choice.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

namespace q4 {
namespace {

std::mutex& cacheMutex() {
    static std::mutex mutex;
    return mutex;
}

std::map<PathChoiceKey, BestInt4Path>& cache() {
    static std::map<PathChoiceKey, BestInt4Path> choices;
    return choices;
}

}  // namespace

const char* pathName(BestInt4Path path) {
    switch (path) {
        case BestInt4Path::Gemv: return "gemv_int4";
        case BestInt4Path::Mma: return "tc_int4";
        case BestInt4Path::Wgmma: return "wgmma_int4";
        case BestInt4Path::DequantCublas: return "dequant+cublas";
        case BestInt4Path::Fp16Cublas: return "fp16 weights+cublas";
    }
    return "?";
}

bool PathChoiceKey::operator<(const PathChoiceKey& o) const {
    return std::tie(computeCapability, multiprocessors, n, k, groupSize, actOrder, compactWeights, m) <
           std::tie(o.computeCapability, o.multiprocessors, o.n, o.k, o.groupSize, o.actOrder, o.compactWeights, o.m);
}

std::optional<BestInt4Path> cachedPathChoice(const PathChoiceKey& key) {
    std::lock_guard lock(cacheMutex());
    const auto it = cache().find(key);
    if (it == cache().end()) return std::nullopt;
    return it->second;
}

void cachePathChoice(const PathChoiceKey& key, BestInt4Path path) {
    std::lock_guard lock(cacheMutex());
    cache()[key] = path;
}

std::vector<std::int64_t> pathChoiceBuckets(std::int64_t maxM) {
    std::vector<std::int64_t> buckets;
    for (std::int64_t m = 1; m < maxM; m *= 2) buckets.push_back(m);
    buckets.push_back(std::max<std::int64_t>(maxM, 1));
    return buckets;
}

}  // namespace q4
