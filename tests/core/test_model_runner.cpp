// The model view's protocol on the CPU backend's reference decoder: records, tokens, memory,
// the byte floor, the profiled step, and failures that are recorded rather than fatal.
#include <gtest/gtest.h>

#include "backend/cpu_backend.h"
#include "io/model_io.h"
#include "model/model_floor.h"
#include "model/model_runner.h"
#include "sweep/presets.h"

namespace {

q4::ModelSpec tinySpec() {
    q4::ModelSpec spec;
    spec.preset = "tiny-llama";
    spec.backend = "cpu";
    spec.kernels = {"cpu_fp32_reference"};
    spec.batches = {1, 3};
    spec.prompt = 7;
    spec.newTokens = 5;
    spec.timing = q4::TimingOptions{1, 2, 0.0, 1.0, 30.0, q4::L2Mode::Hot, false};
    return spec;
}

q4::ModelRunResult run(const q4::ModelSpec& spec, bool cancelled = false) {
    q4::CancelToken cancel;
    if (cancelled) cancel.cancel();
    auto backend = q4::makeCpuBackend();
    auto result = q4::runModel(*backend, spec, {}, {}, cancel);
    EXPECT_TRUE(result) << (result ? "" : result.error());
    return result ? std::move(result).value() : q4::ModelRunResult{};
}

TEST(ModelRunner, TinyModelOnTheCpuGivesOneTimedRecordPerBatch) {
    const q4::ModelRunResult result = run(tinySpec());
    ASSERT_EQ(result.records.size(), 2u);
    const auto arch = q4::presetArchitecture("tiny-llama").value();
    for (const q4::ModelRecord& r : result.records) {
        ASSERT_EQ(r.status, q4::RecordStatus::Ok) << r.message;
        EXPECT_TRUE(q4::isTimed(r));
        EXPECT_EQ(r.model, "tiny-llama");
        EXPECT_GE(r.generations, 2);
        EXPECT_EQ(r.perToken.samples, r.generations * 4);  // 4 decode steps after prefill, per generation
        EXPECT_GT(r.ttftSeconds, 0);
        EXPECT_LE(r.perToken.p10, r.perToken.mean * 1.5);
        EXPECT_LE(r.perToken.p10, r.perToken.p90);
        EXPECT_NEAR(*r.tokensPerSecond, double(r.batch) / r.perToken.mean, 1e-9 * *r.tokensPerSecond);
        ASSERT_EQ(r.promptTokens.size(), std::size_t(r.batch));
        ASSERT_EQ(r.generatedTokens.size(), std::size_t(r.batch));
        for (const auto& tokens : r.generatedTokens) {
            EXPECT_EQ(tokens.size(), 5u);
            for (std::int32_t t : tokens) EXPECT_TRUE(t >= 0 && t < arch.vocabSize);
        }
        EXPECT_EQ(r.mem.kvCache > 0, true);
        EXPECT_GE(r.memPeakBytes, r.mem.total());
        EXPECT_GT(r.stepFloorBytes, double(arch.vocabSize * arch.hiddenSize * 2));
        ASSERT_TRUE(r.fractionOfFloor);
        EXPECT_GT(*r.fractionOfFloor, 0);
        ASSERT_FALSE(r.components.empty());
        ASSERT_TRUE(r.profiledStepSeconds);
        EXPECT_NE(r.message.find("validated"), std::string::npos);
    }
    // Different prompts per batch size, the same prompt stream for the first sequence is not required;
    // sequences within a batch differ.
    EXPECT_NE(result.records[1].promptTokens[0], result.records[1].promptTokens[1]);
    EXPECT_FALSE(result.info.architectureJson.empty());
    EXPECT_NE(result.info.specJson.find("tiny-llama"), std::string::npos);
}

TEST(ModelRunner, GreedyGenerationIsDeterministic) {
    const auto first = run(tinySpec());
    const auto second = run(tinySpec());
    ASSERT_EQ(first.records.size(), second.records.size());
    for (std::size_t i = 0; i < first.records.size(); ++i)
        EXPECT_EQ(first.records[i].generatedTokens, second.records[i].generatedTokens);
}

TEST(ModelRunner, AKernelThatCannotRunTheModelIsRecordedAndTheRunGoesOn) {
    q4::ModelSpec spec = tinySpec();
    spec.kernels = {"cpu_int4_fused", "cpu_fp32_reference"};
    const auto result = run(spec);
    ASSERT_EQ(result.records.size(), 4u);
    EXPECT_EQ(result.records[0].status, q4::RecordStatus::Unsupported);
    EXPECT_NE(result.records[0].message.find("cpu_fp32_reference"), std::string::npos) << result.records[0].message;
    EXPECT_EQ(result.records[2].status, q4::RecordStatus::Ok);
}

TEST(ModelRunner, AModelThatDoesNotFitSaysWhatItNeedsAndWhatThereIs) {
    q4::ModelSpec spec = tinySpec();
    spec.preset = "llama3-70b";
    spec.batches = {1024};    // a KV cache of tens of terabytes: no machine has it
    spec.prompt = 100000;
    const auto result = run(spec);
    ASSERT_EQ(result.records.size(), 1u);
    const q4::ModelRecord& r = result.records[0];
    EXPECT_EQ(r.status, q4::RecordStatus::Unsupported);
    EXPECT_NE(r.message.find("needs at least"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("the device has"), std::string::npos) << r.message;
}

TEST(ModelRunner, BadSpecsAndUnknownKernelsAreErrorsNamingTheField) {
    auto backend = q4::makeCpuBackend();
    q4::ModelSpec spec = tinySpec();
    spec.kernels = {"no_such_kernel"};
    auto result = q4::runModel(*backend, spec, {}, {}, q4::CancelToken{});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.errorField(), "kernels");
    spec = tinySpec();
    spec.preset.clear();
    EXPECT_FALSE(q4::runModel(*backend, spec, {}, {}, q4::CancelToken{}));
}

TEST(ModelRunner, CancelledRunsKeepTheirRecords) {
    const auto result = run(tinySpec(), true);
    ASSERT_EQ(result.records.size(), 2u);
    for (const auto& r : result.records) EXPECT_EQ(r.status, q4::RecordStatus::Cancelled);
    EXPECT_TRUE(result.info.finishedUtc.empty());
}

TEST(ModelRunner, ResultFilesRoundTripWithTokens) {
    const auto result = run(tinySpec());
    auto back = q4::modelResultFromJson(q4::modelResultToJson(result));
    ASSERT_TRUE(back) << back.error();
    ASSERT_EQ(back->records.size(), result.records.size());
    for (std::size_t i = 0; i < result.records.size(); ++i) {
        const auto& a = result.records[i];
        const auto& b = back->records[i];
        EXPECT_EQ(b.generatedTokens, a.generatedTokens);
        EXPECT_EQ(b.promptTokens, a.promptTokens);
        EXPECT_EQ(b.kernel, a.kernel);
        EXPECT_EQ(b.batch, a.batch);
        EXPECT_DOUBLE_EQ(b.perToken.mean, a.perToken.mean);
        EXPECT_EQ(b.mem.kvCache, a.mem.kvCache);
        EXPECT_EQ(b.components.size(), a.components.size());
    }
    EXPECT_EQ(back->info.runId, result.info.runId);
}

TEST(ModelFloor, SizesFollowFromTheArchitecture) {
    const auto arch = q4::presetArchitecture("llama2-13b").value();
    // 2 (k, v) x 40 layers x 40 KV heads x 128 x 2 bytes per position.
    EXPECT_EQ(q4::kvCacheBytes(arch, 1, 1024), std::int64_t(2) * 40 * 40 * 128 * 2 * 1024);
    EXPECT_EQ(q4::kvCacheBytes(arch, 16, 1024), 16 * q4::kvCacheBytes(arch, 1, 1024));
    // fp16 weights are four times the packed nibbles; the GPTQ bytes add scales and zeros per group.
    const std::int64_t fp16 = q4::fp16LinearBytes(arch);
    const std::int64_t gptq = q4::gptqWeightBytes(arch, 128, false);
    EXPECT_GT(gptq, fp16 / 4);
    EXPECT_LT(gptq, fp16 / 4 * 1.05);
    EXPECT_GT(q4::gptqWeightBytes(arch, 128, true), gptq);
    EXPECT_TRUE(q4::memoryShortfall(arch, gptq, 1, 1024, std::int64_t(141) << 30).empty());
    const std::string shortfall = q4::memoryShortfall(arch, fp16, 1, 1024, std::int64_t(24) << 30);
    EXPECT_NE(shortfall.find("needs at least 2"), std::string::npos) << shortfall;
}

}  // namespace
