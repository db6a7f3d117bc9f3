// The metadata words of 16:32 and 2:4 masks against hand-computed bits, and decoding of bad words.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sparse_test_data.h"
#include "sparsity/prune.h"
#include "sparsity/sparse_metadata.h"

namespace q4 {
namespace {

// A [k, n] mask from the kept rows of each column.
KeepMask maskOf(std::int64_t k, const std::vector<std::vector<int>>& keptRowsPerColumn) {
    const auto n = std::int64_t(keptRowsPerColumn.size());
    KeepMask mask(std::size_t(k * n), 0);
    for (std::int64_t c = 0; c < n; ++c)
        for (int r : keptRowsPerColumn[std::size_t(c)]) mask[std::size_t(r * n + c)] = 1;
    return mask;
}

std::vector<int> rowsFromTo(int first, int last, int step = 1) {
    std::vector<int> rows;
    for (int r = first; r <= last; r += step) rows.push_back(r);
    return rows;
}

TEST(SparsityMetadata, SixteenOfThirtyTwoHandComputed) {
    // Column 0 keeps the even rows; column 1 rows 0..7 and 24..31.
    std::vector<int> ends = rowsFromTo(0, 7);
    for (int r : rowsFromTo(24, 31)) ends.push_back(r);
    const KeepMask mask = maskOf(32, {rowsFromTo(0, 30, 2), ends});
    ASSERT_TRUE(validateKeepMask(mask, 32, 2, Sparsity::Sparse16of32));
    const std::vector<std::uint32_t> expected = {0x55555555u, 0xFF0000FFu};
    EXPECT_EQ(encodeMetadata(mask, 32, 2, Sparsity::Sparse16of32), expected);
    const auto decoded = decodeMetadata(expected, 32, 2, Sparsity::Sparse16of32);
    ASSERT_TRUE(decoded) << decoded.error();
    EXPECT_EQ(*decoded, mask);
}

TEST(SparsityMetadata, SixteenOfThirtyTwoSecondWordCoversRowsThirtyTwoOn) {
    // k = 64, one column: rows 0..15 in word 0, rows 48..63 (offsets 16..31) in word 1.
    std::vector<int> rows = rowsFromTo(0, 15);
    for (int r : rowsFromTo(48, 63)) rows.push_back(r);
    const KeepMask mask = maskOf(64, {rows});
    const std::vector<std::uint32_t> expected = {0x0000FFFFu, 0xFFFF0000u};
    EXPECT_EQ(encodeMetadata(mask, 64, 1, Sparsity::Sparse16of32), expected);
}

TEST(SparsityMetadata, TwoOfFourHandComputed) {
    // Groups 0..7 keep offsets {0,1} {2,3} {0,3} {1,2} {0,2} {1,3} {0,1} {2,3}: nibbles a | b << 2 =
    // 4, E, C, 9, 8, D, 4, E, group 0 lowest.
    const std::vector<int> column0 = {0, 1, 6, 7, 8, 11, 13, 14, 16, 18, 21, 23, 24, 25, 30, 31};
    // Column 1: every group keeps {1,3} -> nibble D.
    const std::vector<int> column1 = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
    const KeepMask mask = maskOf(32, {column0, column1});
    ASSERT_TRUE(validateKeepMask(mask, 32, 2, Sparsity::Sparse2of4));
    const std::vector<std::uint32_t> expected = {0xE4D89CE4u, 0xDDDDDDDDu};
    EXPECT_EQ(encodeMetadata(mask, 32, 2, Sparsity::Sparse2of4), expected);
    const auto decoded = decodeMetadata(expected, 32, 2, Sparsity::Sparse2of4);
    ASSERT_TRUE(decoded) << decoded.error();
    EXPECT_EQ(*decoded, mask);
}

TEST(SparsityMetadata, TwoOfFourWordsAreRowMajorOverRunsAndColumns) {
    // k = 64, n = 2: word [1, 0] holds rows 32..63 of column 0; there column 0 keeps {2,3} everywhere.
    std::vector<int> column0;
    for (int g = 0; g < 8; ++g) column0.insert(column0.end(), {4 * g, 4 * g + 1});
    for (int g = 8; g < 16; ++g) column0.insert(column0.end(), {4 * g + 2, 4 * g + 3});
    std::vector<int> column1;
    for (int g = 0; g < 16; ++g) column1.insert(column1.end(), {4 * g, 4 * g + 3});
    const std::vector<std::uint32_t> expected = {0x44444444u, 0xCCCCCCCCu, 0xEEEEEEEEu, 0xCCCCCCCCu};
    EXPECT_EQ(encodeMetadata(maskOf(64, {column0, column1}), 64, 2, Sparsity::Sparse2of4), expected);
}

TEST(SparsityMetadata, RandomMasksRoundTrip) {
    const std::int64_t k = 128, n = 16;
    const std::vector<float> w = q4test::randomMatrix(k, n, 21);
    for (Sparsity sparsity : {Sparsity::Sparse16of32, Sparsity::Sparse2of4}) {
        SCOPED_TRACE(nameOf(sparsity));
        const KeepMask mask = *magnitudeMask(w, k, n, sparsity);
        const std::vector<std::uint32_t> metadata = encodeMetadata(mask, k, n, sparsity);
        ASSERT_EQ(std::int64_t(metadata.size()), k / 32 * n);
        const auto decoded = decodeMetadata(metadata, k, n, sparsity);
        ASSERT_TRUE(decoded) << decoded.error();
        EXPECT_EQ(*decoded, mask);
    }
}

TEST(SparsityMetadata, SixteenOfThirtyTwoNeedsExactlySixteenBits) {
    std::vector<std::uint32_t> metadata(2 * 8, 0x0F0F0F0Fu);
    ASSERT_TRUE(decodeMetadata(metadata, 64, 8, Sparsity::Sparse16of32));
    metadata[1 * 8 + 3] = 0x0001FFFFu;
    auto tooMany = decodeMetadata(metadata, 64, 8, Sparsity::Sparse16of32);
    ASSERT_FALSE(tooMany);
    EXPECT_EQ(
        tooMany.error(),
        "metadata word [1, 3] (rows 32..63 of column 3) = 0x0001FFFF keeps 17 rows: 16:32 keeps exactly 16 of 32");
    metadata[1 * 8 + 3] = 0u;
    auto none = decodeMetadata(metadata, 64, 8, Sparsity::Sparse16of32);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().find("keeps 0 rows"), std::string::npos);
}

TEST(SparsityMetadata, TwoOfFourOffsetsMustIncrease) {
    std::vector<std::uint32_t> metadata(8, 0x44444444u);
    ASSERT_TRUE(decodeMetadata(metadata, 32, 8, Sparsity::Sparse2of4));
    metadata[5] = 0x44444644u;  // group 2: offsets 2 then 1
    auto decreasing = decodeMetadata(metadata, 32, 8, Sparsity::Sparse2of4);
    ASSERT_FALSE(decreasing);
    EXPECT_EQ(decreasing.error(),
              "metadata word [0, 5] (rows 0..31 of column 5) = 0x44444644, group 2 holds offsets 2, 1: "
              "2:4 offsets must be strictly increasing, lower first");
    metadata[5] = 0x54444444u;  // group 7: offsets 1 and 1
    auto repeated = decodeMetadata(metadata, 32, 8, Sparsity::Sparse2of4);
    ASSERT_FALSE(repeated);
    EXPECT_NE(repeated.error().find("group 7 holds offsets 1, 1"), std::string::npos);
    metadata[5] = 0u;  // every group 0, 0: the all-zero word is not a valid 2:4 word
    EXPECT_FALSE(decodeMetadata(metadata, 32, 8, Sparsity::Sparse2of4));
}

// Large enough to be checked in parallel ranges: the message still names the first bad word in
// (row word, column) order, not the first one some range found.
TEST(SparsityMetadata, TheFirstBadWordIsNamedInALargeLayer) {
    const std::int64_t k = 4096, n = 4096;
    std::vector<std::uint32_t> metadata(std::size_t(k / 32 * n), 0x44444444u);
    ASSERT_TRUE(validateMetadata(metadata, k, n, Sparsity::Sparse2of4));
    metadata[std::size_t(100 * n + 7)] = 0u;        // late: word [100, 7]
    metadata[std::size_t(3 * n + 4000)] = 0x4444444Bu;  // early: word [3, 4000], group 0 offsets 3, 2
    metadata[metadata.size() / 2] = 0u;            // in the middle
    const Status valid = validateMetadata(metadata, k, n, Sparsity::Sparse2of4);
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.message,
              "metadata word [3, 4000] (rows 96..127 of column 4000) = 0x4444444B, group 0 holds offsets 3, 2: "
              "2:4 offsets must be strictly increasing, lower first");
    EXPECT_EQ(decodeMetadata(metadata, k, n, Sparsity::Sparse2of4).error(), valid.message);
}

TEST(SparsityMetadata, WrongSizeOrShapeIsAnError) {
    auto shortVector = decodeMetadata(std::vector<std::uint32_t>(15, 0x44444444u), 64, 8, Sparsity::Sparse2of4);
    ASSERT_FALSE(shortVector);
    EXPECT_EQ(shortVector.error(), "metadata has 15 words: it must have k/32*n=16");
    auto badK = decodeMetadata(std::vector<std::uint32_t>(8, 0x44444444u), 48, 8, Sparsity::Sparse2of4);
    ASSERT_FALSE(badK);
    EXPECT_EQ(badK.error(), "k=48 is not a multiple of 32, which 2:4 sparsity needs");
    EXPECT_EQ(decodeMetadata({}, 0, 8, Sparsity::Sparse2of4).error(), "k=0 must be positive");
    EXPECT_EQ(decodeMetadata({}, 32, -8, Sparsity::Sparse16of32).error(), "n=-8 must be positive");
    auto none = decodeMetadata({}, 32, 8, Sparsity::None);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), "none sparsity has no metadata");
}

}  // namespace
}  // namespace q4
