#include <limits>
#include <gtest/gtest.h>

#include <string>

#include "sweep/presets.h"
#include "sweep/sweep_expand.h"

namespace q4 {
namespace {

const std::vector<std::string> kKnown{"a", "b", "c"};

SweepPoint point(std::int64_t m, std::int64_t n, std::int64_t k, int groupSize) {
    SweepPoint p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.quant.groupSize = groupSize;
    return p;
}

void expectInvalid(const SweepPoint& p, const std::string& fragment) {
    Status status = validatePoint(p);
    ASSERT_FALSE(status.ok()) << "m=" << p.m << " n=" << p.n << " k=" << p.k << " g=" << p.quant.groupSize;
    EXPECT_NE(status.message.find(fragment), std::string::npos) << status.message;
}

void expectExpandError(const SweepSpec& spec, const std::string& fragment, std::int64_t memoryLimit = 0) {
    auto points = expandSweep(spec, kKnown, memoryLimit);
    ASSERT_FALSE(points.ok());
    EXPECT_NE(points.error().find(fragment), std::string::npos) << points.error();
}

TEST(ValidatePoint, AcceptsTypicalShapes) {
    EXPECT_TRUE(validatePoint(point(1, 8192, 8192, 128)).ok());
    EXPECT_TRUE(validatePoint(point(16, 4096, 11008, 128)).ok());
    EXPECT_TRUE(validatePoint(point(1, 8, 8, 8)).ok());
}

TEST(ValidatePoint, KMustBeAMultipleOfTheGroupSize) {
    Status status = validatePoint(point(1, 4096, 100, 128));
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message.find("k=100"), std::string::npos) << status.message;
    EXPECT_NE(status.message.find("group size 128"), std::string::npos) << status.message;
    expectInvalid(point(1, 4096, 192, 128), "k=192 is not a multiple of group size 128");
}

TEST(ValidatePoint, KAndNMustPackIntoInt32) {
    expectInvalid(point(1, 4096, 12, -1), "k=12 is not a multiple of 8");
    expectInvalid(point(1, 12, 4096, 128), "n=12 is not a multiple of 8");
    expectInvalid(point(1, 0, 4096, 128), "n=0 must be >= 8");
    expectInvalid(point(1, 4096, 4, -1), "k=4 must be >= 8");
}

TEST(ValidatePoint, MMustBePositive) { expectInvalid(point(0, 4096, 4096, 128), "m=0 must be >= 1"); }

TEST(ValidatePoint, GroupSizeRules) {
    expectInvalid(point(1, 4096, 4096, 0), "group size 0 is invalid: use a positive size or -1");
    expectInvalid(point(1, 4096, 4096, -2), "group size -2 is invalid");
    expectInvalid(point(1, 4096, 4096, 12), "group size 12 is not a multiple of 8");
    expectInvalid(point(1, 4096, 4096, 4), "group size 4 is not a multiple of 8");
}

TEST(ValidatePoint, GroupMinusOneAcceptsAnyKMultipleOfEight) {
    for (std::int64_t k : {8, 24, 104, 4096, 11008, 12344}) EXPECT_TRUE(validatePoint(point(1, 64, k, -1)).ok()) << k;
}

TEST(EstimatePointBytes, CountsEveryBuffer) {
    // m=1 n=8 k=128 g=128 (G=1): 2kn 2048 + kn/2 512 + scales 16 + zeros 4 + g_idx 512
    //   + A 256 + C 16 + ref C 32 + fp32 W 4096 = 7492.
    EXPECT_EQ(estimatePointBytes(point(1, 8, 128, 128)), 7492);
    EXPECT_GT(estimatePointBytes(point(16, 8192, 8192, 128)), estimatePointBytes(point(1, 8192, 8192, 128)));
}

TEST(ExpandSweep, DefaultSpecIsOnePoint) {
    auto points = expandSweep(SweepSpec{}, kKnown, 0);
    ASSERT_TRUE(points.ok()) << points.error();
    ASSERT_EQ(points->size(), 1u);
    EXPECT_EQ((*points)[0].m, 1);
    EXPECT_EQ((*points)[0].n, 8192);
    EXPECT_EQ((*points)[0].k, 8192);
    EXPECT_TRUE((*points)[0].layer.empty());
}

TEST(ExpandSweep, MTimesActOrderBothGivesFourPointsWithMInnermost) {
    SweepSpec spec;
    spec.m = {1, 4};
    spec.actOrder = YesNoBoth::Both;
    spec.zeroFormat = ZeroFormat::V2;
    auto points = expandSweep(spec, kKnown, 0);
    ASSERT_TRUE(points.ok()) << points.error();
    ASSERT_EQ(points->size(), 4u);
    const bool actOrder[] = {false, false, true, true};
    const std::int64_t m[] = {1, 4, 1, 4};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ((*points)[i].quant.actOrder, actOrder[i]) << i;
        EXPECT_EQ((*points)[i].m, m[i]) << i;
        EXPECT_EQ((*points)[i].quant.zeroFormat, ZeroFormat::V2) << i;
    }
}

TEST(ExpandSweep, OrderIsGroupThenSymmetricThenActOrderThenShapeThenM) {
    SweepSpec spec;
    spec.m = {1, 2};
    spec.n = {64, 128};
    spec.k = {256};
    spec.groupSizes = {128, -1};
    spec.symmetric = {true, false};
    spec.actOrder = YesNoBoth::Yes;
    auto points = expandSweep(spec, kKnown, 0);
    ASSERT_TRUE(points.ok()) << points.error();
    ASSERT_EQ(points->size(), 2u * 2u * 2u * 2u);
    const SweepPoint& first = (*points)[0];
    EXPECT_EQ(first.quant.groupSize, 128);
    EXPECT_TRUE(first.quant.symmetric);
    EXPECT_TRUE(first.quant.actOrder);
    EXPECT_EQ(first.n, 64);
    EXPECT_EQ((*points)[1].m, 2);    // m varies fastest
    EXPECT_EQ((*points)[2].n, 128);  // then the shape
    EXPECT_FALSE((*points)[4].quant.symmetric);
    EXPECT_EQ((*points)[8].quant.groupSize, -1);  // group size varies slowest
}

TEST(ExpandSweep, PresetGivesItsLayersInsteadOfTheCrossProduct) {
    SweepSpec spec;
    spec.preset = "llama2-70b";
    spec.n = {64, 128};  // ignored with a preset
    spec.m = {1, 8};
    auto points = expandSweep(spec, kKnown, 0);
    ASSERT_TRUE(points.ok()) << points.error();
    ASSERT_EQ(points->size(), 7u * 2u);
    EXPECT_EQ((*points)[0].layer, "q_proj");
    EXPECT_EQ((*points)[2].layer, "k_proj");
    EXPECT_EQ((*points)[2].n, 1024);
    EXPECT_EQ((*points)[2].k, 8192);
    EXPECT_EQ((*points)[3].m, 8);
    EXPECT_EQ((*points)[13].layer, "down_proj");
}

TEST(ExpandSweep, RejectsUnknownPreset) {
    SweepSpec spec;
    spec.preset = "llama9";
    expectExpandError(spec, "unknown preset 'llama9' (known: original");
}

TEST(ExpandSweep, KernelSelection) {
    SweepSpec spec;
    spec.kernels = {"foo"};
    expectExpandError(spec, "unknown kernel 'foo' (known: a, b, c)");
    spec.kernels = {};
    expectExpandError(spec, "kernel list is empty");
    spec.kernels = {"all", "a"};
    expectExpandError(spec, "kernel 'all'");
    spec.kernels = {"c", "a", "c"};
    EXPECT_TRUE(expandSweep(spec, kKnown, 0).ok());
    EXPECT_EQ(selectedKernels(spec, kKnown), (std::vector<std::string>{"c", "a"}));
    spec.kernels = {"all"};
    EXPECT_EQ(selectedKernels(spec, kKnown), kKnown);
}

TEST(ExpandSweep, ReportsTheFirstInvalidPoint) {
    SweepSpec spec;
    spec.k = {4096, 100};
    expectExpandError(spec, "k=100 is not a multiple of group size 128");
    spec = SweepSpec{};
    spec.m = {1, 0};
    expectExpandError(spec, "m=0 must be >= 1");
    spec = SweepSpec{};
    spec.groupSizes = {128, 0};
    expectExpandError(spec, "group size 0 is invalid");
}

TEST(ExpandSweep, RejectsPointsLargerThanTheMemoryLimit) {
    SweepSpec spec;
    spec.m = {4096};
    spec.n = {65536};
    spec.k = {65536};
    const std::int64_t eightGb = 8'000'000'000;
    expectExpandError(spec, "point m=4096 n=65536 k=65536 needs", eightGb);
    expectExpandError(spec, "more than the 8.0 GB available", eightGb);
    EXPECT_TRUE(expandSweep(spec, kKnown, 0).ok());  // no limit
    spec.m = {1};
    spec.n = {8192};
    spec.k = {8192};
    EXPECT_TRUE(expandSweep(spec, kKnown, eightGb).ok());
}

TEST(ExpandSweep, ErrorsCarryTheFieldKey) {
    SweepSpec spec;
    spec.k = {100};
    auto points = expandSweep(spec, kKnown, 0);
    ASSERT_FALSE(points.ok());
    EXPECT_EQ(points.error(), "k=100 is not a multiple of group size 128");
    EXPECT_EQ(points.errorField(), "k");
    spec = SweepSpec{};
    spec.timing.maxNoise = -1;
    EXPECT_EQ(expandSweep(spec, kKnown, 0).errorField(), "timing.max_noise");
}

TEST(ExpandSweep, CountsPointsBeforeExpanding) {
    SweepSpec spec;
    spec.m = {1, 2, 4};
    spec.n = {256, 512};
    spec.actOrder = YesNoBoth::Both;
    EXPECT_EQ(*countSweepPoints(spec), 12);
    EXPECT_EQ(expandSweep(spec, kKnown, 0)->size(), 12u);
    // 100000 m x 100000 n: refused at once, not expanded into gigabytes.
    spec.m = *parseIntList("1:100000:+1", "m");
    spec.n = *parseIntList("8:800000:+8", "n");
    auto count = countSweepPoints(spec);
    ASSERT_FALSE(count.ok());
    EXPECT_NE(count.error().find("more than the limit of 1000000"), std::string::npos) << count.error();
    EXPECT_FALSE(expandSweep(spec, kKnown, 0).ok());
}

TEST(ExpandSweep, ValidatesTimingAndTolerance) {
    SweepSpec spec;
    spec.timing.minSamples = 0;
    expectExpandError(spec, "timing.min_samples: '0' must be an integer from 1 to");
    spec = SweepSpec{};
    spec.timing.warmup = -1;
    expectExpandError(spec, "timing.warmup: '-1' must be an integer from 0 to");
    spec = SweepSpec{};
    spec.timing.minTimeSeconds = -0.5;
    expectExpandError(spec, "timing.min_time_s: '-0.5' must be a number >= 0");
    spec = SweepSpec{};
    spec.timing.maxNoise = 0;
    expectExpandError(spec, "timing.max_noise: '0' must be a number > 0");
    spec = SweepSpec{};
    spec.timing.timeoutSeconds = 0;
    expectExpandError(spec, "timing.timeout_s: '0' must be a number > 0");
    spec = SweepSpec{};
    spec.timing.minTimeSeconds = 20;
    spec.timing.timeoutSeconds = 10;
    expectExpandError(spec, "timing.timeout_s=10 must be >= timing.min_time_s=20");
    spec = SweepSpec{};
    spec.tolerance = 0;
    expectExpandError(spec, "tolerance: '0' must be a number > 0");
    spec = SweepSpec{};
    spec.timing.minTimeSeconds = std::numeric_limits<double>::infinity();
    expectExpandError(spec, "timing.min_time_s: 'inf' must be a number");
    spec = SweepSpec{};
    spec.timing.minTimeSeconds = 0;
    spec.timing.timeoutSeconds = 0.1;
    EXPECT_TRUE(expandSweep(spec, kKnown, 0).ok());
}

TEST(ExpandSweep, RejectsEmptyAxes) {
    SweepSpec spec;
    spec.m = {};
    expectExpandError(spec, "m list is empty");
    spec = SweepSpec{};
    spec.groupSizes = {};
    expectExpandError(spec, "group size list is empty");
}

}  // namespace
}  // namespace q4
