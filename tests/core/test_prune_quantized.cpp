// pruneQuantized against the long way round it replaces: magnitudeMask over dequantize(layer),
// then each dropped nibble set to its group's zero point. Quantized weights take few values, so
// runs hold many equal magnitudes and the tie rule is exercised on every layer.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gptq/gptq_layer.h"
#include "gptq/half.h"
#include "sparse_test_data.h"
#include "sparsity/prune.h"

namespace q4 {
namespace {

GptqLayer quantizedLayer(std::int64_t k, std::int64_t n, int groupSize, bool actOrder, ZeroFormat format,
                         std::uint32_t seed) {
    QuantConfig config;
    config.groupSize = groupSize;
    config.symmetric = false;
    config.actOrder = actOrder;
    config.zeroFormat = format;
    const std::vector<std::int32_t> gIdx =
        actOrder ? actOrderGroupIndex(k, groupSize, seed) : std::vector<std::int32_t>{};
    auto layer = quantizeRtn(q4test::randomMatrix(k, n, seed), k, n, config, gIdx);
    EXPECT_TRUE(layer) << layer.error();
    return layer.value();
}

// The mask and words the long way: the fp32 matrix, its magnitude mask, the zero points.
std::pair<KeepMask, std::vector<std::int32_t>> prunedTheLongWay(const GptqLayer& layer, Sparsity sparsity) {
    const KeepMask mask = magnitudeMask(dequantize(layer), layer.k, layer.n, sparsity).value();
    std::vector<std::uint8_t> q = unpackWeights(layer.qweight, layer.k, layer.n);
    const std::vector<std::int32_t> gIdx = layer.gIdx.empty() ? naturalGroupIndex(layer.k, layer.groupSize) : layer.gIdx;
    for (std::int64_t r = 0; r < layer.k; ++r)
        for (std::int64_t c = 0; c < layer.n; ++c)
            if (!mask[std::size_t(r * layer.n + c)])
                q[std::size_t(r * layer.n + c)] = std::uint8_t(zeroPoint(layer, gIdx[std::size_t(r)], c));
    return {mask, packWeights(q, layer.k, layer.n)};
}

TEST(PruneQuantized, EqualsMagnitudeMaskOverTheDequantizedLayer) {
    std::uint32_t seed = 1;
    for (const Sparsity sparsity : {Sparsity::Sparse2of4, Sparsity::Sparse16of32})
        for (const std::int64_t k : {64, 256})
            for (const std::int64_t n : {8, 40})
                for (const int groupSize : {32, 64, -1})
                    for (const bool actOrder : {false, true})
                        for (const ZeroFormat format : {ZeroFormat::V1, ZeroFormat::V2}) {
                            if (actOrder && groupSize == -1) continue;
                            SCOPED_TRACE(std::string(nameOf(sparsity)) + " k=" + std::to_string(k) +
                                         " n=" + std::to_string(n) + " group " + std::to_string(groupSize) +
                                         (actOrder ? " act-order" : "") + (format == ZeroFormat::V2 ? " v2" : " v1"));
                            const GptqLayer layer = quantizedLayer(k, n, groupSize, actOrder, format, seed++);
                            const auto [wantMask, wantWords] = prunedTheLongWay(layer, sparsity);
                            GptqLayer pruned = layer;
                            const Expected<KeepMask> mask = pruneQuantized(pruned, sparsity);
                            ASSERT_TRUE(mask) << mask.error();
                            EXPECT_EQ(*mask, wantMask);
                            EXPECT_EQ(pruned.qweight, wantWords);
                            EXPECT_EQ(pruned.scales, layer.scales);
                            EXPECT_EQ(pruned.qzeros, layer.qzeros);
                            EXPECT_NE(pruned.qweight, layer.qweight) << "nothing was pruned";
                        }
}

TEST(PruneQuantized, RefusesWhatItCannotPrune) {
    const GptqLayer layer = quantizedLayer(64, 8, 32, false, ZeroFormat::V1, 9);

    GptqLayer noWords = layer;
    noWords.qweight.clear();
    const auto words = pruneQuantized(noWords, Sparsity::Sparse2of4);
    ASSERT_FALSE(words);
    EXPECT_NE(words.error().find("qweight has 0 words"), std::string::npos) << words.error();

    GptqLayer infinite = layer;
    infinite.scales[5] = floatToHalf(INFINITY);
    const auto scales = pruneQuantized(infinite, Sparsity::Sparse2of4);
    ASSERT_FALSE(scales);
    EXPECT_NE(scales.error().find("scales[5] is not finite"), std::string::npos) << scales.error();

    const GptqLayer shortK = quantizedLayer(48, 8, 16, false, ZeroFormat::V1, 10);
    GptqLayer copy = shortK;
    const auto pattern = pruneQuantized(copy, Sparsity::Sparse16of32);
    ASSERT_FALSE(pattern);
    EXPECT_NE(pattern.error().find("k=48"), std::string::npos) << pattern.error();
    EXPECT_EQ(copy.qweight, shortK.qweight) << "a refused layer is left as it was";
}

}  // namespace
}  // namespace q4
