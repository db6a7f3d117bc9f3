// Checkpoint sweeps in the engine: expansion from the checkpoint's layers, the spec and run-info
// fields that carry them, and the run itself on the CPU backend.
#include <gtest/gtest.h>

#include "../support/test_checkpoint.h"
#include "backend/cpu_backend.h"
#include "io/json_io.h"
#include "model/architecture.h"
#include "run/runner.h"
#include "sweep/spec_fields.h"
#include "sweep/sweep_expand.h"

namespace {

q4::SweepSpec checkpointSpec(const std::filesystem::path& dir) {
    q4::SweepSpec spec;
    spec.checkpoint = dir.string();
    spec.m = {1, 5};
    spec.kernels = {"cpu_fp32_reference", "cpu_int4_fused"};
    spec.timing.warmup = 0;
    spec.timing.minSamples = 2;
    spec.timing.minTimeSeconds = 0;
    spec.timing.maxNoise = 1;
    return spec;
}

const std::vector<std::string> kCpuKernels{"cpu_fp32_reference", "cpu_int4_fused"};

TEST(CheckpointSweep, PointsComeFromTheLayersWithTheirOwnQuantization) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("expand", "--act-order --asym --format v2 --group 32");
    ASSERT_FALSE(dir.empty());
    const q4::SweepSpec spec = checkpointSpec(dir);
    auto count = q4::countSweepPoints(spec);
    ASSERT_TRUE(count.ok()) << count.error();
    auto points = q4::expandSweep(spec, kCpuKernels, 0);
    ASSERT_TRUE(points.ok()) << points.error();
    EXPECT_EQ(std::int64_t(points->size()), *count);
    ASSERT_EQ(points->size(), 14u * 2);
    EXPECT_EQ(points->front().layer, "model.layers.0.self_attn.q_proj");
    EXPECT_EQ(points->front().m, 1);
    EXPECT_EQ((*points)[1].m, 5);
    for (const q4::SweepPoint& p : *points) {
        EXPECT_EQ(p.quant.groupSize, 32);
        EXPECT_TRUE(p.quant.actOrder);
        EXPECT_FALSE(p.quant.symmetric);
        EXPECT_EQ(p.quant.zeroFormat, q4::ZeroFormat::V2);
    }
    std::filesystem::remove_all(dir);
}

TEST(CheckpointSweep, QuantizationAxesAndPresetsCannotOverrideTheCheckpoint) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("axes", "");
    ASSERT_FALSE(dir.empty());
    for (const auto& [key, text] : std::vector<std::pair<std::string, std::string>>{
             {"group_sizes", "64"}, {"act_order", "both"}, {"symmetric", "no"}, {"zero_format", "v2"}}) {
        q4::SweepSpec spec = checkpointSpec(dir);
        ASSERT_TRUE(q4::setSpecField(spec, key, text));
        auto points = q4::expandSweep(spec, kCpuKernels, 0);
        ASSERT_FALSE(points.ok()) << key;
        EXPECT_EQ(points.errorField(), key);
        EXPECT_NE(points.error().find("a checkpoint gives each layer's quantization"), std::string::npos);
    }
    q4::SweepSpec spec = checkpointSpec(dir);
    spec.preset = "llama2-7b";
    auto points = q4::expandSweep(spec, kCpuKernels, 0);
    ASSERT_FALSE(points.ok());
    EXPECT_EQ(points.errorField(), "checkpoint");
    std::filesystem::remove_all(dir);
}

TEST(CheckpointSweep, SpecFieldsRoundTripThroughTheSweepFile) {
    q4::SweepSpec spec;
    ASSERT_TRUE(q4::setSpecField(spec, "checkpoint", " /models/llama "));
    ASSERT_TRUE(q4::setSpecField(spec, "layers", "mlp\\.(gate|up)_proj"));
    ASSERT_TRUE(q4::setSpecField(spec, "unique_shapes", "yes"));
    EXPECT_EQ(spec.checkpoint, "/models/llama");
    auto back = q4::sweepSpecFromJson(q4::sweepSpecToJson(spec));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back->checkpoint, spec.checkpoint);
    EXPECT_EQ(back->layers, spec.layers);
    EXPECT_TRUE(back->uniqueShapes);

    const q4::Status bad = q4::setSpecField(spec, "layers", "(unclosed");
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.field, "layers");
    EXPECT_EQ(spec.layers, "mlp\\.(gate|up)_proj");  // unchanged
    EXPECT_FALSE(q4::setSpecField(spec, "unique_shapes", "both").ok());
    // Specs without a checkpoint write no checkpoint keys, so their files read as before.
    EXPECT_EQ(q4::sweepSpecToJson(q4::SweepSpec{}).find("checkpoint"), std::string::npos);
}

TEST(CheckpointSweep, RunOnCpuValidatesEveryRecordAndKeepsTheArchitecture) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("run", "--act-order --bias");
    ASSERT_FALSE(dir.empty());
    q4::SweepSpec spec = checkpointSpec(dir);
    spec.layers = "layers\\.1\\.";
    auto backend = q4::makeCpuBackend();
    const q4::CancelToken cancel;
    auto result = q4::runSweep(*backend, spec, {}, {}, cancel);
    ASSERT_TRUE(result.ok()) << result.error();
    ASSERT_EQ(result->records.size(), 7u * 2 * 2);  // 7 layers x 2 m x 2 kernels
    for (const q4::Record& r : result->records) {
        EXPECT_EQ(r.status, q4::RecordStatus::Ok) << r.layer << " " << r.kernel << ": " << r.message;
        EXPECT_EQ(r.checkpoint, dir.filename().string());
        EXPECT_EQ(r.layer.rfind("model.layers.1.", 0), 0u) << r.layer;
        EXPECT_TRUE(r.actOrder);
    }
    auto arch = q4::architectureFromJson(result->info.architectureJson, "run info");
    ASSERT_TRUE(arch.ok()) << arch.error();
    EXPECT_EQ(arch->hiddenSize, 256);
    EXPECT_EQ(arch->kvHeads, 2);
    // The result file keeps it.
    auto reread = q4::resultFromJson(q4::resultToJson(*result));
    ASSERT_TRUE(reread.ok()) << reread.error();
    EXPECT_EQ(reread->info.architectureJson, result->info.architectureJson);
    EXPECT_EQ(reread->records.front().checkpoint, dir.filename().string());
    std::filesystem::remove_all(dir);
}

}  // namespace
