// fp16 conversion, weight/zero packing and the v1/v2 zero-point formats, against hand-computed bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

std::int32_t bits(std::uint32_t word) { return std::int32_t(word); }

bool isHalfNan(HalfBits h) { return (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0; }

TEST(GptqHalf, ExactValues) {
    EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
    EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
    EXPECT_EQ(floatToHalf(0.5f), 0x3800);
    EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
    EXPECT_EQ(floatToHalf(0.0f), 0x0000);
    EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
    EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
    EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal

    EXPECT_FLOAT_EQ(halfToFloat(0x3C00), 1.0f);
    EXPECT_FLOAT_EQ(halfToFloat(0xC000), -2.0f);
    EXPECT_FLOAT_EQ(halfToFloat(0x7BFF), 65504.0f);
    EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
    EXPECT_NEAR(halfToFloat(0x0001), 5.96e-8, 1e-10);
    EXPECT_EQ(halfToFloat(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
    EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
}

TEST(GptqHalf, OverflowInfAndNan) {
    EXPECT_EQ(floatToHalf(65519.0f), 0x7BFF);  // below the midpoint to 65536
    EXPECT_EQ(floatToHalf(65520.0f), 0x7C00);  // midpoint: ties to the even side, which is inf
    EXPECT_EQ(floatToHalf(1e6f), 0x7C00);
    EXPECT_EQ(floatToHalf(-1e30f), 0xFC00);
    EXPECT_EQ(floatToHalf(INFINITY), 0x7C00);
    EXPECT_EQ(floatToHalf(-INFINITY), 0xFC00);
    EXPECT_TRUE(isHalfNan(floatToHalf(NAN)));
    EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
    EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
    EXPECT_TRUE(std::isnan(halfToFloat(0xFC01)));
}

TEST(GptqHalf, RoundsHalfToEven) {
    const float ulpAtOne = std::ldexp(1.0f, -10);
    EXPECT_EQ(floatToHalf(1.0f + ulpAtOne / 2), 0x3C00);                             // tie, down to even
    EXPECT_EQ(floatToHalf(1.0f + 3 * ulpAtOne / 2), 0x3C02);                         // tie, up to even
    EXPECT_EQ(floatToHalf(1.0f + ulpAtOne / 2 + std::ldexp(1.0f, -20)), 0x3C01);     // just above the tie
    EXPECT_EQ(floatToHalf(1.0f + 3 * ulpAtOne / 2 - std::ldexp(1.0f, -20)), 0x3C01);  // just below the tie

    EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000);                              // tie between 0 and 1
    EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25) + std::ldexp(1.0f, -35)), 0x0001);      // above it
    EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002);                              // tie between 1 and 2
    EXPECT_EQ(floatToHalf(std::ldexp(5.0f, -25)), 0x0002);                              // tie between 2 and 3
    EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -26)), 0x0000);
    EXPECT_EQ(floatToHalf(-std::ldexp(3.0f, -25)), 0x8002);
    EXPECT_EQ(floatToHalf(std::ldexp(2047.0f, -25)), 0x0400);  // tie at the top subnormal carries to normal
}

TEST(GptqHalf, AllBitPatternsRoundTrip) {
    for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
        const float f = halfToFloat(HalfBits(h));
        if (isHalfNan(HalfBits(h))) {
            EXPECT_TRUE(std::isnan(f)) << std::hex << h;
            EXPECT_TRUE(isHalfNan(floatToHalf(f))) << std::hex << h;
        } else {
            EXPECT_EQ(floatToHalf(f), h) << std::hex << h;
        }
    }
}

TEST(GptqHalf, PicksTheNearestHalf) {
    std::mt19937 rng(11);
    for (int i = 0; i < 20000; ++i) {
        // Random magnitudes from the subnormal range up to the largest finite half.
        const float x = std::ldexp(float(rng() % (1u << 24)) / float(1u << 24) + 0.5f, int(rng() % 40) - 24);
        if (x > 65504.0f) continue;
        const HalfBits h = floatToHalf(x);
        const double error = std::fabs(double(halfToFloat(h)) - x);
        if (h > 0) {
            EXPECT_LE(error, std::fabs(double(halfToFloat(HalfBits(h - 1))) - x)) << x;
        }
        if (h < 0x7BFF) {
            EXPECT_LE(error, std::fabs(double(halfToFloat(HalfBits(h + 1))) - x)) << x;
        }
    }
}

TEST(GptqPack, WeightsOneColumnHandComputed) {
    const std::vector<std::uint8_t> q = {1, 2, 3, 4, 5, 6, 7, 8};  // rows 0..7 of one column
    EXPECT_EQ(packWeights(q, 8, 1), std::vector<std::int32_t>{bits(0x87654321u)});
}

TEST(GptqPack, WeightsTwoWordsTwoColumnsHandComputed) {
    // k = 16, n = 2, row-major: column 0 counts 0..15, column 1 counts down 15..0.
    std::vector<std::uint8_t> q(32);
    for (int r = 0; r < 16; ++r) {
        q[std::size_t(r * 2)] = std::uint8_t(r);
        q[std::size_t(r * 2 + 1)] = std::uint8_t(15 - r);
    }
    // qweight [k/8, n]: word (row block, column).
    const std::vector<std::int32_t> expected = {bits(0x76543210u), bits(0x89ABCDEFu), bits(0xFEDCBA98u),
                                                bits(0x01234567u)};
    EXPECT_EQ(packWeights(q, 16, 2), expected);
    EXPECT_EQ(unpackWeights(expected, 16, 2), q);
}

TEST(GptqPack, ZerosHandComputed) {
    // Two groups of n = 8: lowest nibble is the lowest column.
    const std::vector<std::uint8_t> z = {0, 1, 2, 3, 4, 5, 6, 7,  //
                                         15, 0, 0, 0, 0, 0, 0, 9};
    const std::vector<std::int32_t> expected = {bits(0x76543210u), bits(0x9000000Fu)};
    EXPECT_EQ(packZeros(z, 2, 8), expected);
    EXPECT_EQ(unpackZeros(expected, 2, 8), z);
}

TEST(GptqPack, ZerosSecondWordHoldsColumnsEightToFifteen) {
    std::vector<std::uint8_t> z(16, 7);
    z[8] = 1;
    z[15] = 12;
    const std::vector<std::int32_t> expected = {bits(0x77777777u), bits(0xC7777771u)};
    EXPECT_EQ(packZeros(z, 1, 16), expected);
}

TEST(GptqPack, RandomRoundTrip) {
    std::mt19937 rng(5);
    const std::int64_t k = 64, n = 24, groups = 4;
    std::vector<std::uint8_t> q(std::size_t(k * n)), z(std::size_t(groups * n));
    for (auto& v : q) v = std::uint8_t(rng() % 16);
    for (auto& v : z) v = std::uint8_t(rng() % 16);

    const auto qweight = packWeights(q, k, n);
    ASSERT_EQ(qweight.size(), std::size_t(k / 8 * n));
    EXPECT_EQ(unpackWeights(qweight, k, n), q);
    const auto qzeros = packZeros(z, groups, n);
    ASSERT_EQ(qzeros.size(), std::size_t(groups * n / 8));
    EXPECT_EQ(unpackZeros(qzeros, groups, n), z);

    // Spot-check one element through the documented formula.
    const std::int64_t r = 13, c = 5;
    const auto word = std::uint32_t(qweight[std::size_t((r / 8) * n + c)]);
    EXPECT_EQ((word >> (4 * (r % 8))) & 0xF, q[std::size_t(r * n + c)]);
}

TEST(GptqZeroFormat, EncodeAndDecodeWrap) {
    EXPECT_EQ(encodeZero(8, ZeroFormat::V1), 7);  // symmetric 4-bit
    EXPECT_EQ(encodeZero(0, ZeroFormat::V1), 15);  // -1 wraps
    EXPECT_EQ(encodeZero(15, ZeroFormat::V1), 14);
    EXPECT_EQ(decodeZero(15, ZeroFormat::V1), 0);
    EXPECT_EQ(decodeZero(7, ZeroFormat::V1), 8);
    for (int z = 0; z < 16; ++z) {
        EXPECT_EQ(encodeZero(z, ZeroFormat::V2), z);
        EXPECT_EQ(decodeZero(encodeZero(z, ZeroFormat::V1), ZeroFormat::V1), z);
    }
}

GptqLayer layerWithZeros(ZeroFormat format, std::uint32_t word) {
    GptqLayer layer;
    layer.k = 8;
    layer.n = 8;
    layer.groupSize = -1;
    layer.zeroFormat = format;
    layer.qzeros = {bits(word)};
    return layer;
}

TEST(GptqZeroFormat, ZeroPointOfEachFormat) {
    // Stored nibbles, column 0 first: 7, 15, 0, 14, 3, 5, 1, 2.
    const GptqLayer v1 = layerWithZeros(ZeroFormat::V1, 0x2153E0F7u);
    const std::vector<int> trueV1 = {8, 0, 1, 15, 4, 6, 2, 3};
    const GptqLayer v2 = layerWithZeros(ZeroFormat::V2, 0x2153E0F7u);
    const std::vector<int> trueV2 = {7, 15, 0, 14, 3, 5, 1, 2};
    for (int c = 0; c < 8; ++c) {
        EXPECT_EQ(zeroPoint(v1, 0, c), trueV1[std::size_t(c)]) << c;
        EXPECT_EQ(zeroPoint(v2, 0, c), trueV2[std::size_t(c)]) << c;
    }
}

TEST(GptqZeroFormat, ConvertBothWaysWithWrap) {
    GptqLayer layer = layerWithZeros(ZeroFormat::V1, 0x2153E0F7u);
    convertZeroFormat(layer, ZeroFormat::V2);
    EXPECT_EQ(layer.zeroFormat, ZeroFormat::V2);
    // True zeros 8, 0, 1, 15, 4, 6, 2, 3 stored as they are.
    EXPECT_EQ(layer.qzeros, std::vector<std::int32_t>{bits(0x3264F108u)});
    EXPECT_EQ(zeroPoint(layer, 0, 1), 0);

    convertZeroFormat(layer, ZeroFormat::V1);
    EXPECT_EQ(layer.zeroFormat, ZeroFormat::V1);
    EXPECT_EQ(layer.qzeros, std::vector<std::int32_t>{bits(0x2153E0F7u)});

    convertZeroFormat(layer, ZeroFormat::V1);  // same format: untouched
    EXPECT_EQ(layer.qzeros, std::vector<std::int32_t>{bits(0x2153E0F7u)});
}

TEST(GptqZeroFormat, SymmetricZerosInBothFormats) {
    GptqLayer layer = layerWithZeros(ZeroFormat::V1, 0x77777777u);
    for (int c = 0; c < 8; ++c) EXPECT_EQ(zeroPoint(layer, 0, c), 8);
    convertZeroFormat(layer, ZeroFormat::V2);
    EXPECT_EQ(layer.qzeros, std::vector<std::int32_t>{bits(0x88888888u)});
}

}  // namespace
}  // namespace q4
