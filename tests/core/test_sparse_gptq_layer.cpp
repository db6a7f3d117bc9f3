// Quantizing the kept weights, the compressed layer's contents, compress -> expand round trips and
// validation of compressed layers as a file could hold them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sparse_test_data.h"
#include "sparsity/prune.h"
#include "sparsity/sparse_gptq_layer.h"

namespace q4 {
namespace {

std::int32_t bits(std::uint32_t word) {
    return std::int32_t(word);
}

QuantConfig configOf(int groupSize, bool symmetric, ZeroFormat format) {
    QuantConfig config;
    config.groupSize = groupSize;
    config.symmetric = symmetric;
    config.zeroFormat = format;
    return config;
}

struct Pruned {
    std::vector<float> w;
    KeepMask mask;
    GptqLayer layer;
};

Pruned prunedLayer(std::int64_t k, std::int64_t n, Sparsity sparsity, const QuantConfig& config, std::uint32_t seed) {
    Pruned p;
    p.w = q4test::randomMatrix(k, n, seed);
    p.mask = *magnitudeMask(p.w, k, n, sparsity);
    const std::vector<std::int32_t> gIdx =
        config.actOrder ? actOrderGroupIndex(k, config.groupSize, seed) : std::vector<std::int32_t>{};
    auto layer = quantizePruned(p.w, k, n, config, p.mask, sparsity, gIdx);
    EXPECT_TRUE(layer) << layer.error();
    if (layer) p.layer = *layer;
    return p;
}

SparseGptqLayer validSparseLayer(Sparsity sparsity) {
    const Pruned p = prunedLayer(64, 8, sparsity, configOf(32, false, ZeroFormat::V1), 31);
    auto sparse = compressPruned(p.layer, p.mask, sparsity);
    EXPECT_TRUE(sparse) << sparse.error();
    return *sparse;
}

TEST(SparsityLayer, CompressedContentsHandComputed) {
    // k = 32, n = 8, one group, q[r][c] = (r + c) % 16, symmetric zero 8 (stored 7 in v1).
    const std::int64_t k = 32, n = 8;
    std::vector<std::uint8_t> q(std::size_t(k * n));
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c) q[std::size_t(r * n + c)] = std::uint8_t((r + c) % 16);
    GptqLayer dense;
    dense.k = k;
    dense.n = n;
    dense.groupSize = -1;
    dense.zeroFormat = ZeroFormat::V1;
    dense.qweight = packWeights(q, k, n);
    dense.qzeros = {bits(0x77777777u)};
    dense.scales = std::vector<HalfBits>(std::size_t(n), 0x3C00);  // 1.0

    // Column 0 keeps offsets {0,1} {2,3} {0,3} {1,2} {0,2} {1,3} {0,1} {2,3}; the others {0,1} everywhere.
    const std::vector<int> column0 = {0, 1, 6, 7, 8, 11, 13, 14, 16, 18, 21, 23, 24, 25, 30, 31};
    KeepMask mask(std::size_t(k * n), 0);
    for (int r : column0) mask[std::size_t(r * n)] = 1;
    for (std::int64_t c = 1; c < n; ++c)
        for (std::int64_t r = 0; r < k; r += 4) mask[std::size_t(r * n + c)] = mask[std::size_t((r + 1) * n + c)] = 1;

    auto sparse = compressPruned(dense, mask, Sparsity::Sparse2of4);
    ASSERT_TRUE(sparse) << sparse.error();
    ASSERT_EQ(sparse->keptQweight.size(), std::size_t(2 * n));
    // Column 0 keeps q = 0, 1, 6, 7, 8, 11, 13, 14 then 0, 2, 5, 7, 8, 9, 14, 15.
    EXPECT_EQ(sparse->keptQweight[0], bits(0xEDB87610u));
    EXPECT_EQ(sparse->keptQweight[std::size_t(n)], bits(0xFE987520u));
    // Column 1 keeps rows 0, 1, 4, 5, ...: q = 1, 2, 5, 6, 9, 10, 13, 14 in both words.
    EXPECT_EQ(sparse->keptQweight[1], bits(0xEDA96521u));
    EXPECT_EQ(sparse->keptQweight[std::size_t(n + 1)], bits(0xEDA96521u));
    ASSERT_EQ(sparse->metadata.size(), std::size_t(n));
    EXPECT_EQ(sparse->metadata[0], 0xE4D89CE4u);
    EXPECT_EQ(sparse->metadata[1], 0x44444444u);
    EXPECT_EQ(sparse->gIdx, naturalGroupIndex(k, -1));  // filled in for an empty dense g_idx

    // Expanding writes the zero point 8 into dropped rows and so they dequantize to 0.
    auto expanded = expandToDense(*sparse);
    ASSERT_TRUE(expanded) << expanded.error();
    const std::vector<std::uint8_t> back = unpackWeights(expanded->qweight, k, n);
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c) {
            const auto at = std::size_t(r * n + c);
            EXPECT_EQ(back[at], mask[at] ? q[at] : 8) << "r=" << r << " c=" << c;
        }
    const std::vector<float> w = dequantizePruned(*sparse);
    ASSERT_EQ(w.size(), q.size());
    EXPECT_EQ(w[0], -8.0f);                   // row 0, column 0: q 0 - 8
    EXPECT_EQ(w[std::size_t(2 * n)], 0.0f);   // row 2, column 0: dropped
    EXPECT_EQ(w[std::size_t(31 * n)], 7.0f);  // row 31, column 0: q 15 - 8
}

TEST(SparsityLayer, ScalesComeFromTheKeptWeightsOnly) {
    // In each 4-row run of every column, two large positive weights in [2, 3] and two smaller
    // negative ones in [-1.5, -1] that 2:4 drops. GPTQ's range always holds 0, so the kept-only
    // asymmetric range is [0, max kept]: zero point 0, scale max / 15. The dropped negatives,
    // had they counted, would have moved the zero point up to about 5.
    const std::int64_t k = 32, n = 8;
    std::vector<float> w = q4test::randomMatrix(k, n, 41);
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c) {
            float& v = w[std::size_t(r * n + c)];
            v = r % 4 < 2 ? 2.0f + std::fabs(v) : -1.0f - 0.5f * std::fabs(v);
        }
    const KeepMask mask = *magnitudeMask(w, k, n, Sparsity::Sparse2of4);
    const QuantConfig config = configOf(32, false, ZeroFormat::V2);
    auto layer = quantizePruned(w, k, n, config, mask, Sparsity::Sparse2of4);
    ASSERT_TRUE(layer) << layer.error();
    auto denseStats = quantizeRtn(w, k, n, config);
    ASSERT_TRUE(denseStats) << denseStats.error();

    const std::vector<float> deq = dequantize(*layer);
    for (std::int64_t c = 0; c < n; ++c) {
        float largest = 0.0f;
        for (std::int64_t r = 0; r < k; ++r)
            if (mask[std::size_t(r * n + c)]) largest = std::max(largest, w[std::size_t(r * n + c)]);
        EXPECT_EQ(zeroPoint(*layer, 0, c), 0) << c;
        EXPECT_EQ(layer->scales[std::size_t(c)], floatToHalf(largest / 15.0f)) << c;
        EXPECT_GE(zeroPoint(*denseStats, 0, c), 4) << c;  // the test data does separate the two
        const float scale = halfToFloat(layer->scales[std::size_t(c)]);
        for (std::int64_t r = 0; r < k; ++r) {
            const auto at = std::size_t(r * n + c);
            if (mask[at])
                EXPECT_LE(std::fabs(deq[at] - w[at]), scale * (0.5f + 1.0f / 64.0f)) << r << ", " << c;
            else
                EXPECT_EQ(deq[at], 0.0f) << r << ", " << c;
        }
    }
}

TEST(SparsityLayer, RoundTripEveryGroupSizeOrderAndFormat) {
    const std::int64_t k = 256, n = 24;
    std::uint32_t seed = 100;
    for (Sparsity sparsity : {Sparsity::Sparse16of32, Sparsity::Sparse2of4})
        for (int groupSize : {32, 64, 128, -1})
            for (bool actOrder : {false, true})
                for (ZeroFormat format : {ZeroFormat::V1, ZeroFormat::V2})
                    for (bool symmetric : {false, true}) {
                        SCOPED_TRACE(std::string(nameOf(sparsity)) + " group " + std::to_string(groupSize) +
                                     (actOrder ? " act-order " : " natural ") + nameOf(format) +
                                     (symmetric ? " sym" : " asym"));
                        QuantConfig config = configOf(groupSize, symmetric, format);
                        config.actOrder = actOrder;
                        const Pruned p = prunedLayer(k, n, sparsity, config, seed++);

                        auto sparse = compressPruned(p.layer, p.mask, sparsity);
                        ASSERT_TRUE(sparse) << sparse.error();
                        EXPECT_TRUE(validateSparseLayer(*sparse));
                        EXPECT_EQ(std::int64_t(sparse->keptQweight.size()) * 4, compressedWeightBytes(k, n, sparsity));
                        EXPECT_EQ(std::int64_t(sparse->metadata.size()) * 4, metadataBytes(k, n, sparsity));
                        EXPECT_EQ(*keepMaskOf(*sparse), p.mask);

                        // quantizePruned already holds zero points in dropped rows: expanding gives it back.
                        auto dense = expandToDense(*sparse);
                        ASSERT_TRUE(dense) << dense.error();
                        EXPECT_EQ(dense->qweight, p.layer.qweight);
                        EXPECT_EQ(dense->qzeros, p.layer.qzeros);
                        EXPECT_EQ(dense->scales, p.layer.scales);
                        EXPECT_EQ(dense->gIdx, p.layer.gIdx);
                        EXPECT_EQ(dense->groupSize, groupSize);
                        EXPECT_EQ(dense->zeroFormat, format);

                        const std::vector<float> w = dequantizePruned(*sparse);
                        EXPECT_EQ(w, dequantize(p.layer));
                        EXPECT_EQ(w, applyMask(w, p.mask));  // exact zeros where dropped
                    }
}

TEST(SparsityLayer, CompressingAnUnprunedLayerDropsItsNibbles) {
    // A dense layer quantized without pruning: the kept nibbles survive, dropped ones become zero points.
    const std::int64_t k = 128, n = 16;
    const std::vector<float> w = q4test::randomMatrix(k, n, 51);
    QuantConfig config = configOf(64, false, ZeroFormat::V1);
    const std::vector<std::int32_t> gIdx = actOrderGroupIndex(k, 64, 52);
    auto dense = quantizeRtn(w, k, n, config, gIdx);
    ASSERT_TRUE(dense) << dense.error();
    for (Sparsity sparsity : {Sparsity::Sparse16of32, Sparsity::Sparse2of4}) {
        SCOPED_TRACE(nameOf(sparsity));
        const KeepMask mask = *magnitudeMask(w, k, n, sparsity);
        auto sparse = compressPruned(*dense, mask, sparsity);
        ASSERT_TRUE(sparse) << sparse.error();
        EXPECT_EQ(dequantizePruned(*sparse), applyMask(dequantize(*dense), mask));

        auto expanded = expandToDense(*sparse);
        ASSERT_TRUE(expanded) << expanded.error();
        const std::vector<std::uint8_t> before = unpackWeights(dense->qweight, k, n);
        const std::vector<std::uint8_t> after = unpackWeights(expanded->qweight, k, n);
        int changed = 0;
        for (std::int64_t r = 0; r < k; ++r)
            for (std::int64_t c = 0; c < n; ++c) {
                const auto at = std::size_t(r * n + c);
                const int zero = zeroPoint(*dense, gIdx[std::size_t(r)], c);
                EXPECT_EQ(after[at], mask[at] ? before[at] : zero);
                changed += after[at] != before[at];
            }
        EXPECT_GT(changed, 0);  // the data is not so kind as to have zero points everywhere already
    }
}

TEST(SparsityLayer, CompressRejectsBadInput) {
    const Pruned p = prunedLayer(64, 8, Sparsity::Sparse2of4, configOf(32, true, ZeroFormat::V2), 61);

    auto none = compressPruned(p.layer, p.mask, Sparsity::None);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), "a compressed layer needs 16:32 or 2:4 sparsity, not none");

    KeepMask threeKept = p.mask;
    for (std::int64_t r = 0; r < 4; ++r) threeKept[std::size_t(r * 8)] = r < 3;
    auto badMask = compressPruned(p.layer, threeKept, Sparsity::Sparse2of4);
    ASSERT_FALSE(badMask);
    EXPECT_EQ(badMask.error(), "keep mask column 0 keeps 3 of rows 0..3: 2:4 keeps exactly 2 of 4");

    GptqLayer shortQweight = p.layer;
    shortQweight.qweight.pop_back();
    auto badSize = compressPruned(shortQweight, p.mask, Sparsity::Sparse2of4);
    ASSERT_FALSE(badSize);
    EXPECT_EQ(badSize.error(), "qweight has 63 values: it must have k/8*n=64");

    GptqLayer badGroup = p.layer;
    badGroup.gIdx[5] = 2;
    auto outOfRange = compressPruned(badGroup, p.mask, Sparsity::Sparse2of4);
    ASSERT_FALSE(outOfRange);
    EXPECT_EQ(outOfRange.error(), "g_idx[5]=2 is out of range: groups are 0..1");
}

// Every reader of a compressed layer reports the same error, and none crashes.
void expectRejected(const SparseGptqLayer& layer, const std::string& message) {
    EXPECT_EQ(validateSparseLayer(layer).message, message);
    auto dense = expandToDense(layer);
    ASSERT_FALSE(dense);
    EXPECT_EQ(dense.error(), message);
    EXPECT_TRUE(dequantizePruned(layer).empty());
    const std::vector<float> a = q4test::randomMatrix(2, layer.k, 71);
    EXPECT_TRUE(sparseReferenceProduct(a, 2, layer).empty());
}

TEST(SparsityLayer, ValidationOfCompressedInput) {
    const SparseGptqLayer sixteen = validSparseLayer(Sparsity::Sparse16of32);
    const SparseGptqLayer twoOfFour = validSparseLayer(Sparsity::Sparse2of4);
    ASSERT_TRUE(validateSparseLayer(sixteen));
    ASSERT_TRUE(validateSparseLayer(twoOfFour));

    SparseGptqLayer badPopcount = sixteen;
    badPopcount.metadata[1 * 8 + 6] = 0xFFFF0001u;
    expectRejected(
        badPopcount,
        "metadata word [1, 6] (rows 32..63 of column 6) = 0xFFFF0001 keeps 17 rows: 16:32 keeps exactly 16 of 32");

    SparseGptqLayer decreasing = twoOfFour;
    decreasing.metadata[3] = 0x44444414u;  // group 1: offsets 1 then 0; the others 0 then 1
    expectRejected(decreasing,
                   "metadata word [0, 3] (rows 0..31 of column 3) = 0x44444414, group 1 holds offsets 1, 0: "
                   "2:4 offsets must be strictly increasing, lower first");

    SparseGptqLayer shortKept = twoOfFour;
    shortKept.keptQweight.resize(31);
    expectRejected(shortKept, "keptQweight has 31 values: it must have k/16*n=32");

    SparseGptqLayer longMetadata = sixteen;
    longMetadata.metadata.push_back(0x0000FFFFu);
    expectRejected(longMetadata, "metadata has 17 words: it must have k/32*n=16");

    SparseGptqLayer shortScales = twoOfFour;
    shortScales.scales.pop_back();
    expectRejected(shortScales, "scales has 15 values: it must have G*n=16");

    SparseGptqLayer noGIdx = twoOfFour;
    noGIdx.gIdx.clear();
    expectRejected(noGIdx, "g_idx has 0 entries: it must have k=64");

    SparseGptqLayer groupOutOfRange = sixteen;
    groupOutOfRange.gIdx[9] = -1;
    expectRejected(groupOutOfRange, "g_idx[9]=-1 is out of range: groups are 0..1");

    SparseGptqLayer notSparse = sixteen;
    notSparse.sparsity = Sparsity::None;
    expectRejected(notSparse, "a compressed layer needs 16:32 or 2:4 sparsity, not none");

    SparseGptqLayer badK = twoOfFour;
    badK.k = 48;
    badK.groupSize = 16;
    expectRejected(badK, "k=48 is not a multiple of 32, which 2:4 sparsity needs");
}

}  // namespace
}  // namespace q4
