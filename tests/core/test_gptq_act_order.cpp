// Group indices: natural order and the seeded act-order permutation, and quantizing with the latter.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

bool isMonotonic(const std::vector<std::int32_t>& gIdx) {
    for (std::size_t r = 1; r < gIdx.size(); ++r)
        if (gIdx[r] < gIdx[r - 1]) return false;
    return true;
}

TEST(GptqActOrder, NaturalGroupIndex) {
    EXPECT_EQ(naturalGroupIndex(16, 4), (std::vector<std::int32_t>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
    EXPECT_EQ(naturalGroupIndex(16, -1), std::vector<std::int32_t>(16, 0));
    EXPECT_EQ(naturalGroupIndex(256, 128)[127], 0);
    EXPECT_EQ(naturalGroupIndex(256, 128)[128], 1);
}

TEST(GptqActOrder, EachGroupHasExactlyGroupSizeRows) {
    for (int groupSize : {8, 32, 64, 128}) {
        const std::int64_t k = 1024;
        const std::vector<std::int32_t> gIdx = actOrderGroupIndex(k, groupSize, 42);
        ASSERT_EQ(gIdx.size(), std::size_t(k));
        const std::int64_t groups = k / groupSize;
        std::vector<int> count(std::size_t(groups), 0);
        for (std::int32_t g : gIdx) {
            ASSERT_GE(g, 0);
            ASSERT_LT(g, groups);
            ++count[std::size_t(g)];
        }
        for (int c : count) EXPECT_EQ(c, groupSize);
        EXPECT_FALSE(isMonotonic(gIdx)) << groupSize;
    }
}

TEST(GptqActOrder, SeedDeterminesTheOrder) {
    EXPECT_EQ(actOrderGroupIndex(512, 32, 7), actOrderGroupIndex(512, 32, 7));
    EXPECT_NE(actOrderGroupIndex(512, 32, 7), actOrderGroupIndex(512, 32, 8));
}

TEST(GptqActOrder, StableAcrossPlatforms) {
    // Pinned: only mt19937_64 (fully specified) and our own shuffle are involved.
    EXPECT_EQ(actOrderGroupIndex(16, 4, 42),
              (std::vector<std::int32_t>{0, 1, 1, 1, 2, 2, 3, 0, 1, 2, 0, 0, 3, 2, 3, 3}));
}

TEST(GptqActOrder, OneGroupIsAllZeros) {
    EXPECT_EQ(actOrderGroupIndex(64, -1, 3), std::vector<std::int32_t>(64, 0));
    EXPECT_EQ(actOrderGroupIndex(64, 64, 3), std::vector<std::int32_t>(64, 0));
}

TEST(GptqActOrder, QuantizeWithActOrderStaysWithinBounds) {
    const std::int64_t k = 512, n = 32;
    std::mt19937 rng(9);
    std::vector<float> w(std::size_t(k * n));
    for (auto& v : w) v = float(rng() % 65536) / 32768.0f - 1.0f;

    for (int groupSize : {32, 128})
        for (bool symmetric : {false, true}) {
            QuantConfig config;
            config.groupSize = groupSize;
            config.symmetric = symmetric;
            config.actOrder = true;
            const std::vector<std::int32_t> gIdx = actOrderGroupIndex(k, groupSize, 1234);
            auto layer = quantizeRtn(w, k, n, config, gIdx);
            ASSERT_TRUE(layer) << layer.error();
            EXPECT_EQ(layer->gIdx, gIdx);

            const std::vector<float> deq = dequantize(*layer);
            for (std::int64_t r = 0; r < k; ++r)
                for (std::int64_t c = 0; c < n; ++c) {
                    const float scale = halfToFloat(layer->scales[std::size_t(gIdx[std::size_t(r)] * n + c)]);
                    const auto at = std::size_t(r * n + c);
                    ASSERT_LE(std::fabs(w[at] - deq[at]), scale * (0.5f + 1.0f / 64.0f) + 1e-7f)
                        << "group " << groupSize << " r=" << r << " c=" << c;
                }
        }
}

TEST(GptqActOrder, ScalesFollowTheAssignedGroups) {
    // Rows of group 0 are small and rows of group 1 large: the scales must follow g_idx, not row order.
    const std::int64_t k = 64, n = 8;
    const std::vector<std::int32_t> gIdx = actOrderGroupIndex(k, 32, 5);
    std::vector<float> w(std::size_t(k * n));
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c)
            w[std::size_t(r * n + c)] = (gIdx[std::size_t(r)] == 0 ? 0.01f : 1.0f) * float((r + c) % 7 - 3);
    QuantConfig config;
    config.groupSize = 32;
    auto layer = quantizeRtn(w, k, n, config, gIdx);
    ASSERT_TRUE(layer) << layer.error();
    EXPECT_NEAR(halfToFloat(layer->scales[0]), 0.06f / 15.0f, 1e-5f);
    EXPECT_NEAR(halfToFloat(layer->scales[std::size_t(n)]), 6.0f / 15.0f, 1e-3f);
}

}  // namespace
}  // namespace q4
