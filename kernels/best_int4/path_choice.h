#pragma once
// best_int4's paths and the cache of its measured choices. A choice is made once per device,
// layer shape, quantization and m bucket, then reused: by later points of a sweep and by a
// model's layers that share a shape.
#include <cstdint>
#include <optional>
#include <vector>

namespace q4 {

enum class BestInt4Path {
    Gemv,           // gemv_int4, m <= 8, Hopper
    Mma,            // tc_int4 (mma.sync)
    Wgmma,          // wgmma_int4, Hopper
    DequantCublas,  // W^T expanded to fp16 a block of features at a time, then cuBLAS, every run
    Fp16Cublas,     // W^T expanded to fp16 once at prepare, then cuBLAS (not in a model decoder)
};
const char* pathName(BestInt4Path path);

struct PathChoiceKey {
    int computeCapability = 0, multiprocessors = 0;
    std::int64_t n = 0, k = 0;
    int groupSize = 0;
    bool actOrder = false, compactWeights = false;
    std::int64_t m = 0;  // the bucket
    bool operator<(const PathChoiceKey& other) const;
};

std::optional<BestInt4Path> cachedPathChoice(const PathChoiceKey& key);
void cachePathChoice(const PathChoiceKey& key, BestInt4Path path);

// The m values a choice is made for, up to maxM: the powers of two below it, and maxM itself. A
// run at m takes the choice of the smallest bucket >= m.
std::vector<std::int64_t> pathChoiceBuckets(std::int64_t maxM);

}  // namespace q4
