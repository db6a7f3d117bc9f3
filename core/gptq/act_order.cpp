#include <cstddef>
#include <numeric>
#include <random>
#include <utility>

#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

// Uniform in [0, bound) by rejection, so the result depends only on mt19937_64's
// fully specified output, not on a standard library's distribution.
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound) {
    const std::uint64_t rejectBelow = (0 - bound) % bound;  // 2^64 mod bound
    std::uint64_t x = rng();
    while (x < rejectBelow) x = rng();
    return x % bound;
}

}  // namespace

std::vector<std::int32_t> naturalGroupIndex(std::int64_t k, int groupSize) {
    std::vector<std::int32_t> gIdx(std::size_t(k > 0 ? k : 0), 0);
    if (groupSize <= 0) return gIdx;  // -1: one group over all of k
    for (std::int64_t r = 0; r < k; ++r) gIdx[std::size_t(r)] = std::int32_t(r / groupSize);
    return gIdx;
}

std::vector<std::int32_t> actOrderGroupIndex(std::int64_t k, int groupSize, std::uint64_t seed) {
    std::vector<std::int32_t> gIdx(std::size_t(k > 0 ? k : 0), 0);
    if (groupSize <= 0) return gIdx;

    // desc_act visits rows in a data-dependent order and groups consecutive visits;
    // a random permutation stands in for that order.
    std::vector<std::int64_t> perm(gIdx.size());
    std::iota(perm.begin(), perm.end(), std::int64_t{0});
    std::mt19937_64 rng(seed);
    for (std::size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[uniformBelow(rng, i)]);

    for (std::size_t i = 0; i < perm.size(); ++i)
        gIdx[std::size_t(perm[i])] = std::int32_t(std::int64_t(i) / groupSize);
    return gIdx;
}

}  // namespace q4
