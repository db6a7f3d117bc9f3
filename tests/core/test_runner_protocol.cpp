// The engine's protocol against a fake backend: what a record says when a kernel is wrong, fails,
// cannot run a point or breaks the device; the baseline and the timing rules.
#include <gtest/gtest.h>

#include <chrono>

#include "fake_backend.h"
#include "run/runner.h"

namespace q4::testing {
namespace {

SweepSpec smallSpec(std::vector<std::string> kernels) {
    SweepSpec spec;
    spec.m = {1, 3};
    spec.n = {64};
    spec.k = {64};
    spec.groupSizes = {32};
    spec.kernels = std::move(kernels);
    spec.timing.warmup = 1;
    spec.timing.minSamples = 3;
    spec.timing.minTimeSeconds = 0;
    spec.timing.maxNoise = 0.5;
    spec.timing.timeoutSeconds = 1;
    return spec;
}

RunResult run(FakeBackend& backend, const SweepSpec& spec, const CancelToken& cancel = CancelToken{}) {
    auto result = runSweep(backend, spec, RunOptions{}, RunCallbacks{}, cancel);
    EXPECT_TRUE(result.ok()) << result.error();
    return result.ok() ? result.value() : RunResult{};
}

std::vector<Record> recordsOf(const RunResult& result, const std::string& kernel) {
    std::vector<Record> out;
    for (const Record& r : result.records)
        if (r.kernel == kernel) out.push_back(r);
    return out;
}

TEST(RunnerProtocol, WrongOutputIsIncorrectAndNotTimed) {
    FakeBackend backend({{.id = "base", .baseline = true}, {.id = "wrong", .output = FakeOutput::Wrong}});
    const RunResult result = run(backend, smallSpec({"all"}));
    for (const Record& r : recordsOf(result, "wrong")) {
        EXPECT_EQ(r.status, RecordStatus::Incorrect);
        EXPECT_NE(r.message.find("exceeds tolerance"), std::string::npos) << r.message;
        EXPECT_FALSE(isTimed(r));
        EXPECT_FALSE(r.speedupVsBaseline);
    }
    EXPECT_EQ(recordsOf(result, "base").front().status, RecordStatus::Ok);
}

TEST(RunnerProtocol, UnwrittenOutputIsCaughtByThePoison) {
    FakeBackend backend({{.id = "lazy", .output = FakeOutput::Unwritten}});
    const RunResult result = run(backend, smallSpec({"lazy"}));
    ASSERT_EQ(result.records.size(), 2u);
    EXPECT_EQ(result.records[0].status, RecordStatus::Incorrect);
    EXPECT_EQ(result.records[0].message, "output holds NaN/Inf or unwritten elements");
}

TEST(RunnerProtocol, PrepareFailureIsAnErrorRecordAndTheSweepGoesOn) {
    FakeBackend backend({{.id = "broken", .prepareError = "out of memory"}, {.id = "fine"}});
    const RunResult result = run(backend, smallSpec({"broken", "fine"}));
    ASSERT_EQ(result.records.size(), 4u);
    for (const Record& r : recordsOf(result, "broken")) {
        EXPECT_EQ(r.status, RecordStatus::Error);
        EXPECT_EQ(r.message, "prepare: out of memory");
    }
    for (const Record& r : recordsOf(result, "fine")) EXPECT_EQ(r.status, RecordStatus::Ok);
}

TEST(RunnerProtocol, UnsupportedKeepsItsReason) {
    FakeBackend backend({{.id = "picky", .unsupportedReason = "k=64 is not a multiple of 128"}});
    const RunResult result = run(backend, smallSpec({"picky"}));
    ASSERT_EQ(result.records.size(), 2u);
    EXPECT_EQ(result.records[0].status, RecordStatus::Unsupported);
    EXPECT_EQ(result.records[0].message, "k=64 is not a multiple of 128");
}

TEST(RunnerProtocol, StickyDeviceErrorEndsTheSweepKeepingEveryRecord) {
    FakeBackend backend({{.id = "first"}, {.id = "crash", .failsDevice = true}, {.id = "never"}});
    std::vector<std::string> logged;
    RunCallbacks callbacks;
    callbacks.onLog = [&](const std::string& line) { logged.push_back(line); };
    auto result = runSweep(backend, smallSpec({"first", "crash", "never"}), RunOptions{}, callbacks, CancelToken{});
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result->records.size(), 2u);  // first and crash at m = 1; nothing after
    EXPECT_EQ(result->records[0].kernel, "first");
    EXPECT_EQ(result->records[0].status, RecordStatus::Ok);
    EXPECT_EQ(result->records[1].kernel, "crash");
    ASSERT_FALSE(logged.empty());
    EXPECT_NE(logged.back().find("fake sticky error"), std::string::npos);
}

TEST(RunnerProtocol, BaselineRunsFirstAndSpeedupsUseIt) {
    FakeBackend backend({{.id = "fast", .secondsPerLaunch = 1e-3}, {.id = "base", .secondsPerLaunch = 4e-3, .baseline = true}});
    const RunResult result = run(backend, smallSpec({"fast", "base"}));
    ASSERT_EQ(result.records.size(), 4u);
    EXPECT_EQ(result.records[0].kernel, "base");
    EXPECT_EQ(result.records[1].kernel, "fast");
    ASSERT_TRUE(result.records[1].speedupVsBaseline);
    EXPECT_NEAR(*result.records[1].speedupVsBaseline, result.records[0].time.median / result.records[1].time.median,
                1e-12);
    EXPECT_GT(*result.records[1].speedupVsBaseline, 1.5);
}

TEST(RunnerProtocol, NoiseAboveTargetTimesOutAndSaysSo) {
    FakeBackend backend({{.id = "noisy"}});
    SweepSpec spec = smallSpec({"noisy"});
    spec.m = {1};
    spec.timing.maxNoise = 1e-6;  // the fake's samples alternate by a factor of three
    spec.timing.timeoutSeconds = 0.05;
    const RunResult result = run(backend, spec);
    ASSERT_EQ(result.records.size(), 1u);
    EXPECT_TRUE(result.records[0].timedOut);
    EXPECT_EQ(result.records[0].status, RecordStatus::Ok);
    EXPECT_NE(result.records[0].message.find("timed out"), std::string::npos);
}

TEST(RunnerProtocol, HotSamplesBatchLaunchesColdOnesDoNot) {
    FakeBackend backend({{.id = "tiny", .secondsPerLaunch = 1e-6}});
    SweepSpec spec = smallSpec({"tiny"});
    spec.m = {1};
    spec.timing.l2 = L2Mode::Hot;
    run(backend, spec);
    const std::vector<int>& hot = backend.launchesPerTiming["tiny"];
    ASSERT_GE(hot.size(), 3u);
    EXPECT_EQ(hot.front(), 1);    // the sizing launch
    EXPECT_GT(hot.back(), 100);  // then batches of about 200 us
    backend.launchesPerTiming.clear();
    spec.timing.l2 = L2Mode::Cold;
    run(backend, spec);
    for (int launches : backend.launchesPerTiming["tiny"]) EXPECT_EQ(launches, 1);
}

TEST(RunnerProtocol, StreamSamplesComeFromTheBackendsStreamTimingAndNameTheCopies) {
    FakeBackend backend({{.id = "tiny", .secondsPerLaunch = 2e-6}});
    backend.streamTiming = true;
    SweepSpec spec = smallSpec({"tiny"});
    spec.m = {1};
    spec.timing.l2 = L2Mode::Stream;
    const RunResult result = run(backend, spec);
    ASSERT_EQ(result.records.size(), 1u);
    const Record& r = result.records[0];
    EXPECT_EQ(r.status, RecordStatus::Ok) << r.message;
    EXPECT_EQ(r.l2Mode, L2Mode::Stream);
    EXPECT_EQ(r.streamCopies, FakeBackend::kFakeStreamCopies);
    EXPECT_DOUBLE_EQ(r.time.median, 2e-6);
    EXPECT_GE(backend.streamSamples["tiny"], r.time.samples);
    EXPECT_TRUE(backend.launchesPerTiming["tiny"].empty());  // no cold or hot sample was taken
}

TEST(RunnerProtocol, StreamOnABackendWithoutItIsUnsupportedWithTheReason) {
    FakeBackend backend({{.id = "tiny"}});
    SweepSpec spec = smallSpec({"tiny"});
    spec.m = {1};
    spec.timing.l2 = L2Mode::Stream;
    const RunResult result = run(backend, spec);
    ASSERT_EQ(result.records.size(), 1u);
    EXPECT_EQ(result.records[0].status, RecordStatus::Unsupported);
    EXPECT_NE(result.records[0].message.find("l2=stream"), std::string::npos) << result.records[0].message;
    EXPECT_FALSE(result.records[0].streamCopies.has_value());
}

TEST(RunnerProtocol, CancelIsHonouredDuringWarmUp) {
    CancelToken cancel;
    int launches = 0;
    FakeBackend backend({{.id = "slow", .onLaunch = [&] {
                              if (++launches == 5) cancel.cancel();
                          }}});
    SweepSpec spec = smallSpec({"slow"});
    spec.timing.warmup = 1'000'000;
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = run(backend, spec, cancel);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
    ASSERT_EQ(result.records.size(), 1u);  // the cancelled record is kept; no later point starts
    EXPECT_EQ(result.records[0].status, RecordStatus::Cancelled);
    EXPECT_LT(launches, 10);
}

TEST(RunnerProtocol, TimeoutBoundsWarmUp) {
    FakeBackend backend({{.id = "slow"}});
    SweepSpec spec = smallSpec({"slow"});
    spec.m = {1};
    spec.timing.warmup = 1'000'000;
    spec.timing.timeoutSeconds = 0.2;
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = run(backend, spec);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
    ASSERT_EQ(result.records.size(), 1u);
    EXPECT_EQ(result.records[0].status, RecordStatus::Ok);
}

TEST(RunnerProtocol, AnObserverThatCannotStartEndsTheRunBeforeAnyPoint) {
    int launches = 0;
    FakeBackend backend({{.id = "fine", .onLaunch = [&] { ++launches; }}});
    RunCallbacks callbacks;
    callbacks.onStart = [](const RunInfo&) { return Status::failure("journal: cannot open '/nope/j.jsonl'"); };
    auto result = runSweep(backend, smallSpec({"fine"}), RunOptions{}, callbacks, CancelToken{});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), "journal: cannot open '/nope/j.jsonl'");
    EXPECT_EQ(launches, 0);
}

}  // namespace
}  // namespace q4::testing
