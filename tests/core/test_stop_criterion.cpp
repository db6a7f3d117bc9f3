#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "measure/stop_criterion.h"

namespace q4 {
namespace {

TimingOptions options(int minSamples, double minTime, double maxNoise, double timeout) {
    TimingOptions t;
    t.minSamples = minSamples;
    t.minTimeSeconds = minTime;
    t.maxNoise = maxNoise;
    t.timeoutSeconds = timeout;
    return t;
}

TEST(StopCriterion, NoiseIsRelativeStandardErrorOfTheMean) {
    // {1, 2, 3}: mean 2, stdev 1, noise = 1 / 2 / sqrt(3).
    EXPECT_NEAR(StopCriterion::noise({1, 2, 3}), 0.5 / std::sqrt(3.0), 1e-12);
    EXPECT_DOUBLE_EQ(StopCriterion::noise({5, 5, 5, 5}), 0);
}

TEST(StopCriterion, NoiseIsInfiniteWithoutTwoSamplesOrAPositiveMean) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(StopCriterion::noise({}), inf);
    EXPECT_EQ(StopCriterion::noise({1.0}), inf);
    EXPECT_EQ(StopCriterion::noise({-1, 1}), inf);
}

TEST(StopCriterion, ConvergesOnlyAfterMinSamplesAndMinTime) {
    const StopCriterion stop(options(4, 0.5, 0.01, 10));
    const std::vector<double> steady3{1e-3, 1e-3, 1e-3};
    const std::vector<double> steady4{1e-3, 1e-3, 1e-3, 1e-3};
    EXPECT_EQ(stop.decide(steady3, 1.0), StopDecision::Continue);   // too few samples
    EXPECT_EQ(stop.decide(steady4, 0.4), StopDecision::Continue);   // too little time
    EXPECT_EQ(stop.decide(steady4, 0.5), StopDecision::Converged);  // both met, no noise
}

TEST(StopCriterion, NoisySamplesKeepSampling) {
    const StopCriterion stop(options(2, 0, 0.01, 10));
    // mean 2, stdev 1, noise 0.2887 > 0.01.
    EXPECT_EQ(stop.decide({1, 2, 3}, 1.0), StopDecision::Continue);
    // The same noise passes a looser limit.
    const StopCriterion loose(options(2, 0, 0.3, 10));
    EXPECT_EQ(loose.decide({1, 2, 3}, 1.0), StopDecision::Converged);
}

TEST(StopCriterion, TimesOutEvenWithFewSamples) {
    const StopCriterion stop(options(10, 0.5, 0.01, 2));
    EXPECT_EQ(stop.decide({1e-3}, 2.0), StopDecision::TimedOut);
    EXPECT_EQ(stop.decide({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3.0), StopDecision::TimedOut);  // still noisy
    EXPECT_EQ(stop.decide({1e-3}, 1.9), StopDecision::Continue);
}

TEST(StopCriterion, ConvergedWinsOverTimeoutWhenEveryRuleIsMet) {
    const StopCriterion stop(options(2, 0, 0.01, 1));
    EXPECT_EQ(stop.decide({1e-3, 1e-3}, 1.0), StopDecision::Converged);
}

}  // namespace
}  // namespace q4
