// The sweep estimate follows the stop criterion: min time for fast kernels, min samples times a
// launch for slow ones, never past the timeout, plus warm-up and validation.
#include <gtest/gtest.h>

#include <QLineEdit>

#include "panel/run_estimate.h"
#include "panel/sweep_panel.h"

namespace {

q4::SweepPoint point(std::int64_t m, std::int64_t n, std::int64_t k) {
    q4::SweepPoint p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.quant.groupSize = 128;
    return p;
}

TEST(RunEstimate, FastKernelsCostTheirMinTime) {
    q4::TimingOptions timing;  // 3 warm-up, 10 samples, 0.5 s min time, 15 s timeout
    const q4ui::DeviceRates gpu = q4ui::ratesFor("cuda");
    const double seconds = q4ui::estimateRecordSeconds(point(1, 4096, 4096), timing, gpu);
    EXPECT_GE(seconds, 0.5);
    EXPECT_LT(seconds, 0.6);
}

TEST(RunEstimate, SlowKernelsCostMinSamplesLaunchesUpToTheTimeout) {
    q4::TimingOptions timing;
    timing.minTimeSeconds = 0;
    timing.warmup = 0;
    timing.timeoutSeconds = 1000;
    const q4ui::DeviceRates cpu = q4ui::ratesFor("cpu");
    const q4::SweepPoint big = point(256, 8192, 8192);
    const double launch = q4ui::guessLaunchSeconds(big, cpu);
    EXPECT_NEAR(q4ui::estimateRecordSeconds(big, timing, cpu), 11 * launch, 1e-9);  // 10 samples + validation
    EXPECT_GT(q4ui::estimateRecordSeconds(big, timing, cpu),
              20 * q4ui::estimateRecordSeconds(point(1, 8192, 8192), timing, cpu));  // grows with m

    timing.timeoutSeconds = 2;
    timing.warmup = 3;
    EXPECT_LE(q4ui::estimateRecordSeconds(big, timing, cpu), 2 + 2 + launch + 1e-9);
}

TEST(RunEstimate, ThePanelEstimatesFromTheStopCriterion) {
    q4ui::SweepPanel panel;
    panel.setBackends({{"CPU", "cpu", 0, 0}});
    q4::SweepSpec spec;
    spec.backend = "cpu";
    spec.m = {64};
    spec.n = {8192};
    spec.k = {8192};
    spec.timing.minTimeSeconds = 0;
    spec.timing.minSamples = 100;
    panel.setSpec(spec);
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    // Two one-thread CPU kernels, 100 products of 64 x 8192 x 8192 each: minutes, not a second.
    EXPECT_GT(panel.estimatedSeconds(), 60);
    panel.findChild<QLineEdit*>("mEdit")->setText("1");
    EXPECT_LT(panel.estimatedSeconds(), 60);
}

}  // namespace
