// The CPU reference product against an independent triple loop, and the relative-error metric.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

std::vector<float> randomMatrix(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> v(std::size_t(rows * cols));
    for (auto& x : v) x = float(rng() % 65536) / 32768.0f - 1.0f;
    return v;
}

std::vector<float> naiveProduct(const std::vector<float>& a, std::int64_t m, const std::vector<float>& w,
                                std::int64_t k, std::int64_t n) {
    std::vector<float> c(std::size_t(m * n));
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            double sum = 0.0;
            for (std::int64_t kk = 0; kk < k; ++kk)
                sum += double(a[std::size_t(i * k + kk)]) * double(w[std::size_t(kk * n + j)]);
            c[std::size_t(i * n + j)] = float(sum);
        }
    return c;
}

void expectMatchesNaive(std::int64_t m, std::int64_t k, std::int64_t n) {
    const std::vector<float> a = randomMatrix(m, k, std::uint32_t(m * 7 + k));
    const std::vector<float> w = randomMatrix(k, n, std::uint32_t(n * 13 + k));
    const std::vector<float> c = referenceProduct(a, m, w, k, n);
    ASSERT_EQ(c.size(), std::size_t(m * n));
    EXPECT_LT(relativeError(c, naiveProduct(a, m, w, k, n)), 1e-12) << m << "x" << k << "x" << n;
}

TEST(GptqReference, HandComputed) {
    const std::vector<float> a = {1, 2, 3, 4};  // [2, 2]
    const std::vector<float> w = {5, 6, 7, 8};  // [2, 2]
    EXPECT_EQ(referenceProduct(a, 2, w, 2, 2), (std::vector<float>{19, 22, 43, 50}));
}

TEST(GptqReference, MatchesNaiveOnSmallShapes) {
    expectMatchesNaive(3, 64, 24);
    expectMatchesNaive(5, 40, 16);
    expectMatchesNaive(1, 8, 8);
}

TEST(GptqReference, MatchesNaiveOnThreadedShapes) {
    expectMatchesNaive(1, 2048, 5120);  // one row: columns are split
    expectMatchesNaive(96, 384, 320);   // many rows: rows are split
}

TEST(GptqReference, RejectsMismatchedSizes) {
    EXPECT_TRUE(referenceProduct(randomMatrix(2, 8, 1), 2, randomMatrix(7, 8, 2), 8, 8).empty());
    EXPECT_TRUE(referenceProduct(randomMatrix(2, 7, 1), 2, randomMatrix(8, 8, 2), 8, 8).empty());
}

TEST(GptqRelativeError, KnownValues) {
    const std::vector<float> ref = {3.0f, 4.0f};  // norm 5
    EXPECT_EQ(relativeError(ref, ref), 0.0);
    EXPECT_NEAR(relativeError({3.0f, 4.5f}, ref), 0.1, 1e-12);
    EXPECT_NEAR(relativeError({-3.0f, -4.0f}, ref), 2.0, 1e-12);
}

TEST(GptqRelativeError, InfiniteForNonFiniteOrMismatch) {
    const std::vector<float> ref = {1.0f, 2.0f, 3.0f};
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(relativeError({1.0f, NAN, 3.0f}, ref), inf);
    EXPECT_EQ(relativeError({1.0f, 2.0f, INFINITY}, ref), inf);
    EXPECT_EQ(relativeError({1.0f, 2.0f}, ref), inf);
    EXPECT_EQ(relativeError({}, ref), inf);
}

}  // namespace
}  // namespace q4
