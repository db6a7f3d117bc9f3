#include <gtest/gtest.h>

#include <cmath>

#include "measure/statistics.h"

namespace q4 {
namespace {

TEST(Statistics, OddCountAgainstHandComputedValues) {
    // mean 20/5 = 4; squared deviations 9+4+1+0+36 = 50, stdev = sqrt(50/4) = sqrt(12.5).
    // p10 at position 0.4: 1 + 0.4 (2 - 1) = 1.4; p90 at position 3.6: 4 + 0.6 (10 - 4) = 7.6.
    const Statistics s = summarize({10, 3, 1, 4, 2});
    EXPECT_EQ(s.samples, 5);
    EXPECT_DOUBLE_EQ(s.median, 3);
    EXPECT_DOUBLE_EQ(s.mean, 4);
    EXPECT_NEAR(s.stdev, 3.5355339059327378, 1e-12);
    EXPECT_NEAR(s.cv, 3.5355339059327378 / 4, 1e-12);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.max, 10);
    EXPECT_NEAR(s.p10, 1.4, 1e-12);
    EXPECT_NEAR(s.p90, 7.6, 1e-12);
}

TEST(Statistics, EvenCountMedianAveragesTheMiddlePair) {
    // mean 2.5; deviations 2.25+0.25+0.25+2.25 = 5, stdev = sqrt(5/3).
    const Statistics s = summarize({4, 1, 3, 2});
    EXPECT_DOUBLE_EQ(s.median, 2.5);
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_NEAR(s.stdev, std::sqrt(5.0 / 3.0), 1e-12);
    // p10 at position 0.3: 1.3; p90 at position 2.7: 3.7.
    EXPECT_NEAR(s.p10, 1.3, 1e-12);
    EXPECT_NEAR(s.p90, 3.7, 1e-12);
}

TEST(Statistics, SingleSampleHasNoSpread) {
    const Statistics s = summarize({0.25});
    EXPECT_EQ(s.samples, 1);
    EXPECT_DOUBLE_EQ(s.median, 0.25);
    EXPECT_DOUBLE_EQ(s.mean, 0.25);
    EXPECT_DOUBLE_EQ(s.stdev, 0);
    EXPECT_DOUBLE_EQ(s.cv, 0);
    EXPECT_DOUBLE_EQ(s.min, 0.25);
    EXPECT_DOUBLE_EQ(s.max, 0.25);
    EXPECT_DOUBLE_EQ(s.p10, 0.25);
    EXPECT_DOUBLE_EQ(s.p90, 0.25);
}

TEST(Statistics, EmptyInputIsAllZeros) {
    const Statistics s = summarize({});
    EXPECT_EQ(s.samples, 0);
    EXPECT_DOUBLE_EQ(s.median, 0);
    EXPECT_DOUBLE_EQ(s.mean, 0);
    EXPECT_DOUBLE_EQ(s.stdev, 0);
    EXPECT_DOUBLE_EQ(s.max, 0);
}

TEST(Statistics, ZeroMeanGivesZeroCv) {
    const Statistics s = summarize({-1, 1});
    EXPECT_DOUBLE_EQ(s.mean, 0);
    EXPECT_DOUBLE_EQ(s.cv, 0);
    EXPECT_NEAR(s.stdev, std::sqrt(2.0), 1e-12);
}

TEST(Statistics, QuantileInterpolatesBetweenRanks) {
    const std::vector<double> sorted{10, 20, 30};
    EXPECT_DOUBLE_EQ(quantileSorted(sorted, 0), 10);
    EXPECT_DOUBLE_EQ(quantileSorted(sorted, 1), 30);
    EXPECT_DOUBLE_EQ(quantileSorted(sorted, 0.5), 20);
    EXPECT_DOUBLE_EQ(quantileSorted(sorted, 0.25), 15);  // position 0.5
    EXPECT_DOUBLE_EQ(quantileSorted(sorted, 0.9), 28);   // position 1.8
    EXPECT_DOUBLE_EQ(quantileSorted({}, 0.5), 0);
}

}  // namespace
}  // namespace q4
