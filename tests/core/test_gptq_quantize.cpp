// RTN quantization: shape validation, the GPTQ quantizer rule on hand-computed values, and
// per-element error bounds of quantize -> dequantize.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

// Random weights in [-1, 1) with a different spread per column, like real layers.
std::vector<float> randomWeights(std::int64_t k, std::int64_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> spread(static_cast<std::size_t>(n));
    for (auto& s : spread) s = 0.05f + float(rng() % 1000) / 1000.0f;
    std::vector<float> w(std::size_t(k * n));
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c)
            w[std::size_t(r * n + c)] = (float(rng() % 65536) / 32768.0f - 1.0f) * spread[std::size_t(c)];
    return w;
}

// |w - deq| <= scale / 2, plus slack for the scale's fp16 rounding (about 16 * 2^-11 of it).
void expectWithinBounds(const GptqLayer& layer, const std::vector<float>& w) {
    const std::vector<float> deq = dequantize(layer);
    ASSERT_EQ(deq.size(), w.size());
    int failures = 0;
    for (std::int64_t r = 0; r < layer.k && failures < 5; ++r)
        for (std::int64_t c = 0; c < layer.n; ++c) {
            const std::int64_t g = layer.gIdx[std::size_t(r)];
            const float scale = halfToFloat(layer.scales[std::size_t(g * layer.n + c)]);
            const auto at = std::size_t(r * layer.n + c);
            const float bound = scale * (0.5f + 1.0f / 64.0f) + 1e-7f;
            if (!(std::fabs(w[at] - deq[at]) <= bound)) {
                ADD_FAILURE() << "r=" << r << " c=" << c << " w=" << w[at] << " deq=" << deq[at] << " scale=" << scale;
                ++failures;
            }
        }
}

TEST(GptqShape, AcceptsValidShapes) {
    EXPECT_TRUE(validateLayerShape(4096, 4096, 128));
    EXPECT_TRUE(validateLayerShape(64, 8, -1));
    EXPECT_TRUE(validateLayerShape(96, 16, 32));
    EXPECT_TRUE(validateLayerShape(48, 16, 24));  // any positive divisor of k
    EXPECT_TRUE(validateLayerShape(128, 8, 128));
}

TEST(GptqShape, MessagesNameFieldAndRule) {
    EXPECT_EQ(validateLayerShape(100, 64, 128).message, "k=100 is not a multiple of group size 128");
    EXPECT_EQ(validateLayerShape(128, 100, 128).message, "n=100 is not a multiple of 8");
    EXPECT_EQ(validateLayerShape(128, 64, 0).message, "group size 0 is invalid: use a positive size or -1");
    EXPECT_EQ(validateLayerShape(128, 64, -2).message, "group size -2 is invalid: use a positive size or -1");
    EXPECT_EQ(validateLayerShape(12, 64, -1).message, "k=12 is not a multiple of 8");
    EXPECT_EQ(validateLayerShape(0, 64, 128).message, "k=0 must be positive");
    EXPECT_EQ(validateLayerShape(128, -8, 128).message, "n=-8 must be positive");
    EXPECT_EQ(validateLayerShape(64, 8, 128).message, "k=64 is not a multiple of group size 128");
}

TEST(GptqQuantize, RejectsBadInput) {
    QuantConfig config;
    config.groupSize = 128;
    auto badShape = quantizeRtn(std::vector<float>(100 * 64, 0.5f), 100, 64, config);
    ASSERT_FALSE(badShape);
    EXPECT_NE(badShape.error().find("k=100"), std::string::npos);
    EXPECT_NE(badShape.error().find("group size 128"), std::string::npos);

    const std::vector<float> w = randomWeights(256, 16, 1);
    auto wrongSize = quantizeRtn(std::vector<float>(w.begin(), w.end() - 1), 256, 16, config);
    ASSERT_FALSE(wrongSize);
    EXPECT_NE(wrongSize.error().find("k*n=4096"), std::string::npos);

    auto shortGIdx = quantizeRtn(w, 256, 16, config, std::vector<std::int32_t>(255, 0));
    ASSERT_FALSE(shortGIdx);
    EXPECT_NE(shortGIdx.error().find("g_idx"), std::string::npos);
    EXPECT_NE(shortGIdx.error().find("k=256"), std::string::npos);

    std::vector<std::int32_t> outOfRange = naturalGroupIndex(256, 128);
    outOfRange[7] = 2;
    auto badGroup = quantizeRtn(w, 256, 16, config, outOfRange);
    ASSERT_FALSE(badGroup);
    EXPECT_NE(badGroup.error().find("g_idx[7]=2"), std::string::npos);
    outOfRange[7] = -1;
    EXPECT_FALSE(quantizeRtn(w, 256, 16, config, outOfRange));

    std::vector<float> withNan = w;
    withNan[3] = NAN;
    auto nanInput = quantizeRtn(withNan, 256, 16, config);
    ASSERT_FALSE(nanInput);
    EXPECT_NE(nanInput.error().find("w[3]"), std::string::npos);
}

TEST(GptqQuantize, LayerLayout) {
    QuantConfig config;
    config.groupSize = 64;
    auto layer = quantizeRtn(randomWeights(256, 24, 2), 256, 24, config);
    ASSERT_TRUE(layer) << layer.error();
    EXPECT_EQ(layer->k, 256);
    EXPECT_EQ(layer->n, 24);
    EXPECT_EQ(layer->groupSize, 64);
    EXPECT_EQ(layer->numGroups(), 4);
    EXPECT_EQ(layer->qweight.size(), std::size_t(32 * 24));
    EXPECT_EQ(layer->qzeros.size(), std::size_t(4 * 3));
    EXPECT_EQ(layer->scales.size(), std::size_t(4 * 24));
    EXPECT_EQ(layer->gIdx, naturalGroupIndex(256, 64));
}

// One column with hand-computed results; the other columns repeat it.
std::vector<float> handColumn() {
    const std::vector<float> values = {-1.5f, -0.5f, 0.0f, 0.25f, 0.5f, 1.0f, 1.5f, 3.0f};
    std::vector<float> w;
    for (float v : values) w.insert(w.end(), 8, v);
    return w;
}

TEST(GptqQuantize, AsymmetricRuleHandComputed) {
    QuantConfig config;
    config.groupSize = -1;
    config.symmetric = false;
    config.zeroFormat = ZeroFormat::V2;
    auto layer = quantizeRtn(handColumn(), 8, 8, config);
    ASSERT_TRUE(layer) << layer.error();
    // scale = (3 - -1.5) / 15 = 0.3 -> fp16 0x34CD (0.30005); zero = round(1.5 / 0.30005) = 5.
    EXPECT_EQ(layer->scales[0], 0x34CD);
    EXPECT_EQ(zeroPoint(*layer, 0, 0), 5);
    const std::vector<std::uint8_t> q = unpackWeights(layer->qweight, 8, 8);
    const std::vector<int> expected = {0, 3, 5, 6, 7, 8, 10, 15};
    for (int r = 0; r < 8; ++r) EXPECT_EQ(q[std::size_t(r * 8)], expected[std::size_t(r)]) << r;
}

TEST(GptqQuantize, SymmetricRuleHandComputed) {
    QuantConfig config;
    config.groupSize = -1;
    config.symmetric = true;
    config.zeroFormat = ZeroFormat::V1;
    auto layer = quantizeRtn(handColumn(), 8, 8, config);
    ASSERT_TRUE(layer) << layer.error();
    // Range [-3, 3]: scale = 6 / 15 = 0.4 -> fp16 0x3666 (0.39990); zero 8, stored in v1 as 7.
    EXPECT_EQ(layer->scales[0], 0x3666);
    EXPECT_EQ(layer->qzeros, std::vector<std::int32_t>{0x77777777});
    const std::vector<std::uint8_t> q = unpackWeights(layer->qweight, 8, 8);
    const std::vector<int> expected = {4, 7, 8, 9, 9, 11, 12, 15};  // 3.0 / 0.3999 = 7.5+ clamps at 15
    for (int r = 0; r < 8; ++r) EXPECT_EQ(q[std::size_t(r * 8)], expected[std::size_t(r)]) << r;
}

TEST(GptqQuantize, SymmetricZerosAreEightInBothFormats) {
    QuantConfig config;
    config.groupSize = 32;
    config.symmetric = true;
    for (ZeroFormat format : {ZeroFormat::V1, ZeroFormat::V2}) {
        config.zeroFormat = format;
        auto layer = quantizeRtn(randomWeights(128, 16, 3), 128, 16, config);
        ASSERT_TRUE(layer) << layer.error();
        const std::int32_t word = format == ZeroFormat::V1 ? 0x77777777 : std::int32_t(0x88888888u);
        for (std::int32_t z : layer->qzeros) EXPECT_EQ(z, word);
        for (std::int64_t g = 0; g < 4; ++g) EXPECT_EQ(zeroPoint(*layer, g, 5), 8);
    }
}

TEST(GptqQuantize, PositiveDataHasZeroPointZeroStoredAsFifteenInV1) {
    // GPTQ keeps 0 inside the range, so all-positive groups get zero point 0, which v1 wraps to 15.
    std::vector<float> w = randomWeights(64, 8, 4);
    for (auto& v : w) v = std::fabs(v) + 0.01f;
    QuantConfig config;
    config.groupSize = 32;
    config.symmetric = false;
    config.zeroFormat = ZeroFormat::V1;
    auto layer = quantizeRtn(w, 64, 8, config);
    ASSERT_TRUE(layer) << layer.error();
    for (std::int32_t z : layer->qzeros) EXPECT_EQ(z, -1);  // 0xFFFFFFFF
    EXPECT_EQ(zeroPoint(*layer, 1, 3), 0);
    expectWithinBounds(*layer, w);
}

TEST(GptqQuantize, ErrorBoundsForEveryGroupSizeAndFormat) {
    const std::int64_t k = 256, n = 64;
    const std::vector<float> w = randomWeights(k, n, 6);
    for (int groupSize : {32, 64, 128, -1})
        for (bool symmetric : {false, true})
            for (ZeroFormat format : {ZeroFormat::V1, ZeroFormat::V2}) {
                SCOPED_TRACE("group " + std::to_string(groupSize) + (symmetric ? " sym" : " asym") +
                             (format == ZeroFormat::V1 ? " v1" : " v2"));
                QuantConfig config;
                config.groupSize = groupSize;
                config.symmetric = symmetric;
                config.zeroFormat = format;
                auto layer = quantizeRtn(w, k, n, config);
                ASSERT_TRUE(layer) << layer.error();
                EXPECT_EQ(layer->zeroFormat, format);
                expectWithinBounds(*layer, w);
            }
}

TEST(GptqQuantize, ZeroFormatDoesNotChangeDequantizedValues) {
    const std::vector<float> w = randomWeights(128, 32, 7);
    QuantConfig config;
    config.groupSize = 32;
    config.symmetric = false;
    config.zeroFormat = ZeroFormat::V1;
    auto v1 = quantizeRtn(w, 128, 32, config);
    config.zeroFormat = ZeroFormat::V2;
    auto v2 = quantizeRtn(w, 128, 32, config);
    ASSERT_TRUE(v1 && v2);
    EXPECT_NE(v1->qzeros, v2->qzeros);
    EXPECT_EQ(dequantize(*v1), dequantize(*v2));

    GptqLayer converted = *v1;
    convertZeroFormat(converted, ZeroFormat::V2);
    EXPECT_EQ(converted.qzeros, v2->qzeros);
    EXPECT_EQ(dequantize(converted), dequantize(*v1));
}

TEST(GptqQuantize, ConstantAndZeroGroupsStayFinite) {
    // Group 0 constant, group 1 exactly zero (scale would be 0 without the guard), group 2 tiny, group 3 random.
    const std::int64_t k = 128, n = 16;
    std::vector<float> w = randomWeights(k, n, 8);
    for (std::int64_t r = 0; r < 32; ++r)
        for (std::int64_t c = 0; c < n; ++c) w[std::size_t(r * n + c)] = 0.5f;
    for (std::int64_t r = 32; r < 64; ++r)
        for (std::int64_t c = 0; c < n; ++c) w[std::size_t(r * n + c)] = 0.0f;
    for (std::int64_t r = 64; r < 96; ++r)
        for (std::int64_t c = 0; c < n; ++c) w[std::size_t(r * n + c)] *= 1e-9f;

    for (bool symmetric : {false, true}) {
        QuantConfig config;
        config.groupSize = 32;
        config.symmetric = symmetric;
        auto layer = quantizeRtn(w, k, n, config);
        ASSERT_TRUE(layer) << layer.error();
        for (HalfBits s : layer->scales) EXPECT_GT(halfToFloat(s), 0.0f);
        const std::vector<float> deq = dequantize(*layer);
        for (float v : deq) ASSERT_TRUE(std::isfinite(v));
        for (std::int64_t r = 32; r < 64; ++r) EXPECT_EQ(deq[std::size_t(r * n + 3)], 0.0f);
        expectWithinBounds(*layer, w);
    }
}

}  // namespace
}  // namespace q4
