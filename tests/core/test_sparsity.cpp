// Sparsity patterns: names, divisibility rules, byte accounting, magnitude pruning and the error
// pruning adds to a product.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sparse_test_data.h"
#include "sparsity/prune.h"
#include "sparsity/sparsity.h"

namespace q4 {
namespace {

using q4test::randomMatrix;

TEST(SparsityPattern, NamesBothWays) {
    EXPECT_STREQ(nameOf(Sparsity::None), "none");
    EXPECT_STREQ(nameOf(Sparsity::Sparse16of32), "16:32");
    EXPECT_STREQ(nameOf(Sparsity::Sparse2of4), "2:4");
    EXPECT_EQ(valueOf<Sparsity>(" 2:4 "), Sparsity::Sparse2of4);
    EXPECT_EQ(valueOf<Sparsity>("16:32"), Sparsity::Sparse16of32);
    EXPECT_EQ(valueOf<Sparsity>("NONE"), Sparsity::None);
    EXPECT_FALSE(valueOf<Sparsity>("4:8").has_value());
    EXPECT_EQ(canonicalNames<Sparsity>(), "none, 16:32 or 2:4");
}

TEST(SparsityPattern, RunsAndKeptRows) {
    EXPECT_EQ(runLength(Sparsity::Sparse16of32), 32);
    EXPECT_EQ(keptPerRun(Sparsity::Sparse16of32), 16);
    EXPECT_EQ(runLength(Sparsity::Sparse2of4), 4);
    EXPECT_EQ(keptPerRun(Sparsity::Sparse2of4), 2);
    EXPECT_EQ(runLength(Sparsity::None), 1);
    EXPECT_EQ(keptPerRun(Sparsity::None), 1);
}

TEST(SparsityPattern, DivisibilityMessagesNameFieldAndRule) {
    EXPECT_TRUE(validateSparsity(64, Sparsity::Sparse16of32));
    EXPECT_TRUE(validateSparsity(4096, Sparsity::Sparse2of4));
    EXPECT_TRUE(validateSparsity(48, Sparsity::None));

    const Status sixteen = validateSparsity(48, Sparsity::Sparse16of32);
    EXPECT_EQ(sixteen.message, "k=48 is not a multiple of 32, which 16:32 sparsity needs");
    EXPECT_EQ(sixteen.field, "k");
    // 2:4 runs are 4 rows, but its metadata packs 32 rows a word.
    EXPECT_EQ(validateSparsity(48, Sparsity::Sparse2of4).message,
              "k=48 is not a multiple of 32, which 2:4 sparsity needs");
    EXPECT_EQ(validateSparsity(16, Sparsity::Sparse2of4).message,
              "k=16 is not a multiple of 32, which 2:4 sparsity needs");
}

TEST(SparsityPattern, ByteAccounting) {
    const std::int64_t k = 4096, n = 11008;
    EXPECT_EQ(compressedWeightBytes(k, n, Sparsity::None), k * n / 2);
    EXPECT_EQ(compressedWeightBytes(k, n, Sparsity::Sparse16of32), k * n / 4);
    EXPECT_EQ(compressedWeightBytes(k, n, Sparsity::Sparse2of4), 11272192);  // 4096 * 11008 / 4
    EXPECT_EQ(metadataBytes(k, n, Sparsity::None), 0);
    EXPECT_EQ(metadataBytes(k, n, Sparsity::Sparse16of32), 5636096);  // 4096 / 32 words * 11008 * 4 bytes
    EXPECT_EQ(metadataBytes(k, n, Sparsity::Sparse2of4), k * n / 8);
}

// Every run of every column keeps keptPerRun rows, none of them smaller in magnitude than a dropped one.
void expectLargestKept(const std::vector<float>& w, const KeepMask& mask, std::int64_t k, std::int64_t n,
                       Sparsity sparsity) {
    ASSERT_EQ(mask.size(), w.size());
    const int run = runLength(sparsity);
    for (std::int64_t c = 0; c < n; ++c)
        for (std::int64_t first = 0; first < k; first += run) {
            int kept = 0;
            float smallestKept = INFINITY, largestDropped = 0.0f;
            for (std::int64_t r = first; r < first + run; ++r) {
                const auto at = std::size_t(r * n + c);
                const float magnitude = std::fabs(w[at]);
                if (mask[at] == 1) {
                    ++kept;
                    smallestKept = std::min(smallestKept, magnitude);
                } else {
                    ASSERT_EQ(mask[at], 0);
                    largestDropped = std::max(largestDropped, magnitude);
                }
            }
            ASSERT_EQ(kept, keptPerRun(sparsity)) << "column " << c << " rows from " << first;
            ASSERT_GE(smallestKept, largestDropped) << "column " << c << " rows from " << first;
        }
}

TEST(SparsityPrune, KeepsTheLargestMagnitudesOfEveryRun) {
    const std::int64_t k = 128, n = 24;
    const std::vector<float> w = randomMatrix(k, n, 1);
    for (Sparsity sparsity : {Sparsity::Sparse16of32, Sparsity::Sparse2of4}) {
        SCOPED_TRACE(nameOf(sparsity));
        const Expected<KeepMask> mask = magnitudeMask(w, k, n, sparsity);
        ASSERT_TRUE(mask) << mask.error();
        expectLargestKept(w, *mask, k, n, sparsity);
        EXPECT_TRUE(validateKeepMask(*mask, k, n, sparsity));
    }
}

TEST(SparsityPrune, TwoOfFourHandComputedWithTies) {
    // One column (n = 1 is fine for a mask), eight runs of four rows.
    const std::vector<float> w = {
        0.1f,  -0.3f, 0.3f,  0.2f,   // 0.3 and -0.3: rows 1, 2
        0.5f,  -0.5f, 0.5f,  0.1f,   // three-way tie: the lower rows 4, 5
        0.2f,  0.2f,  0.2f,  0.2f,   // all equal: rows 8, 9
        0.01f, 0.02f, -0.9f, 0.8f,   // rows 14, 15
        -0.7f, 0.1f,  0.1f,  0.7f,   // rows 16, 19
        0.0f,  0.3f,  0.0f,  -0.3f,  // rows 21, 23
        0.4f,  0.1f,  0.1f,  0.0f,   // rows 24, then the lower 0.1: 25
        -1.0f, 1.0f,  -1.0f, 1.0f,   // rows 28, 29
    };
    const Expected<KeepMask> mask = magnitudeMask(w, 32, 1, Sparsity::Sparse2of4);
    ASSERT_TRUE(mask) << mask.error();
    const KeepMask expected = {0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1,
                               1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0};
    EXPECT_EQ(*mask, expected);
}

TEST(SparsityPrune, SixteenOfThirtyTwoTiesKeepTheLowerRows) {
    // Column 0: equal magnitudes everywhere. Column 1: rows 16..31 larger.
    std::vector<float> w(64);
    for (int r = 0; r < 32; ++r) {
        w[std::size_t(2 * r)] = r % 2 ? -0.25f : 0.25f;
        w[std::size_t(2 * r + 1)] = r < 16 ? 0.1f + 0.001f * float(r) : -0.5f;
    }
    const Expected<KeepMask> mask = magnitudeMask(w, 32, 2, Sparsity::Sparse16of32);
    ASSERT_TRUE(mask) << mask.error();
    for (int r = 0; r < 32; ++r) {
        EXPECT_EQ((*mask)[std::size_t(2 * r)], r < 16 ? 1 : 0) << r;
        EXPECT_EQ((*mask)[std::size_t(2 * r + 1)], r < 16 ? 0 : 1) << r;
    }
}

TEST(SparsityPrune, NoneKeepsEverything) {
    const std::vector<float> w = randomMatrix(48, 8, 2);
    const Expected<KeepMask> mask = magnitudeMask(w, 48, 8, Sparsity::None);
    ASSERT_TRUE(mask) << mask.error();
    EXPECT_EQ(*mask, KeepMask(w.size(), 1));
    EXPECT_EQ(applyMask(w, *mask), w);
}

TEST(SparsityPrune, ApplyMaskZeroesDroppedEntries) {
    const std::vector<float> w = {1.5f, -2.0f, 3.0f, -4.0f};
    EXPECT_EQ(applyMask(w, {1, 0, 0, 1}), (std::vector<float>{1.5f, 0.0f, 0.0f, -4.0f}));
    EXPECT_TRUE(applyMask(w, {1, 0, 1}).empty());
}

TEST(SparsityPrune, RejectsBadInput) {
    const std::vector<float> w = randomMatrix(64, 8, 3);
    const auto shortK = magnitudeMask(std::vector<float>(48 * 8, 0.5f), 48, 8, Sparsity::Sparse2of4);
    ASSERT_FALSE(shortK);
    EXPECT_EQ(shortK.error(), "k=48 is not a multiple of 32, which 2:4 sparsity needs");

    const auto wrongSize = magnitudeMask(std::vector<float>(w.begin(), w.end() - 1), 64, 8, Sparsity::Sparse16of32);
    ASSERT_FALSE(wrongSize);
    EXPECT_EQ(wrongSize.error(), "w has 511 values: it must have k*n=512");

    std::vector<float> withNan = w;
    withNan[9] = NAN;
    const auto nanInput = magnitudeMask(withNan, 64, 8, Sparsity::Sparse2of4);
    ASSERT_FALSE(nanInput);
    EXPECT_EQ(nanInput.error(), "w[9] is not finite");
}

TEST(SparsityPrune, MaskValidationMessages) {
    const std::int64_t k = 32, n = 8;
    KeepMask mask = *magnitudeMask(randomMatrix(k, n, 4), k, n, Sparsity::Sparse2of4);
    ASSERT_TRUE(validateKeepMask(mask, k, n, Sparsity::Sparse2of4));

    KeepMask threeKept = mask;
    for (std::int64_t r = 4; r < 7; ++r) threeKept[std::size_t(r * n + 2)] = 1;
    threeKept[std::size_t(7 * n + 2)] = 0;
    EXPECT_EQ(validateKeepMask(threeKept, k, n, Sparsity::Sparse2of4).message,
              "keep mask column 2 keeps 3 of rows 4..7: 2:4 keeps exactly 2 of 4");

    KeepMask notBinary = mask;
    notBinary[std::size_t(1 * n + 5)] = 2;
    EXPECT_EQ(validateKeepMask(notBinary, k, n, Sparsity::Sparse2of4).message, "keep mask [1, 5]=2 is not 0 or 1");

    EXPECT_EQ(validateKeepMask(KeepMask(10, 1), k, n, Sparsity::Sparse2of4).message,
              "the keep mask has 10 entries: it must have k*n=256");
    // Eight 4-row runs keeping 2 each keep 16 of 32: every 2:4 mask is also a 16:32 mask.
    EXPECT_TRUE(validateKeepMask(mask, k, n, Sparsity::Sparse16of32));
}

// Large enough to be checked in parallel ranges: the message names the first bad run in (row
// block, column) order, not the first one some range found.
TEST(SparsityPrune, MaskValidationNamesTheFirstBadRunOfALargeMask) {
    const std::int64_t k = 2048, n = 4096;
    KeepMask mask(std::size_t(k * n), 0);
    for (std::int64_t r = 0; r < k; r += 4)
        for (std::int64_t c = 0; c < n; ++c) mask[std::size_t(r * n + c)] = mask[std::size_t((r + 3) * n + c)] = 1;
    ASSERT_TRUE(validateKeepMask(mask, k, n, Sparsity::Sparse2of4));
    mask[std::size_t(2001 * n + 1)] = 1;  // late: rows 2000..2003 of column 1 keep 3
    mask[std::size_t(9 * n + 4095)] = 3;  // early: rows 8..11 of column 4095
    mask[std::size_t(1024 * n)] = 0;      // in the middle
    EXPECT_EQ(validateKeepMask(mask, k, n, Sparsity::Sparse2of4).message, "keep mask [9, 4095]=3 is not 0 or 1");
}

TEST(SparsityPruningError, ZeroForIdenticalWeights) {
    const std::int64_t m = 3, k = 64, n = 16;
    const std::vector<float> a = randomMatrix(m, k, 5);
    const std::vector<float> w = randomMatrix(k, n, 6);
    EXPECT_EQ(pruningError(a, m, w, w, k, n), 0.0);
    EXPECT_EQ(pruningError(a, m, w, applyMask(w, *magnitudeMask(w, k, n, Sparsity::None)), k, n), 0.0);
}

TEST(SparsityPruningError, PositiveAndFiniteAfterPruning) {
    const std::int64_t m = 5, k = 128, n = 32;
    const std::vector<float> a = randomMatrix(m, k, 7);
    const std::vector<float> w = randomMatrix(k, n, 8);
    for (Sparsity sparsity : {Sparsity::Sparse16of32, Sparsity::Sparse2of4}) {
        SCOPED_TRACE(nameOf(sparsity));
        const std::vector<float> pruned = applyMask(w, *magnitudeMask(w, k, n, sparsity));
        const double error = pruningError(a, m, w, pruned, k, n);
        EXPECT_TRUE(std::isfinite(error));
        EXPECT_GT(error, 0.05);  // half the weights are gone
        EXPECT_LT(error, 1.0);   // but the larger half stays
    }
}

TEST(SparsityPruningError, InfiniteOnSizeMismatch) {
    const std::vector<float> a = randomMatrix(2, 32, 9);
    const std::vector<float> w = randomMatrix(32, 8, 10);
    EXPECT_TRUE(std::isinf(pruningError(a, 2, w, std::vector<float>(w.begin(), w.end() - 8), 32, 8)));
    EXPECT_TRUE(std::isinf(pruningError(a, 3, w, w, 32, 8)));
}

}  // namespace
}  // namespace q4
