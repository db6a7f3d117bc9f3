// A sparse model: the spec field and its rule, the pruned layers (the pattern kept, the dense
// layout computing the pruned product, fused and separate layers pruned alike), and a CPU run of
// the tiny model whose records say 2:4 and whose generation differs from the dense model's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backend/cpu_backend.h"
#include "model/fuse_projections.h"
#include "model/model_floor.h"
#include "model/model_runner.h"
#include "model/prune_linears.h"
#include "sparsity/sparse_gptq_layer.h"
#include "sweep/presets.h"

namespace q4 {
namespace {

std::vector<DecoderLinear> tinyBlock(bool actOrder) {
    auto arch = presetArchitecture("tiny-llama");
    EXPECT_TRUE(arch);
    auto weights = makeRandomWeights(*arch, "tiny-llama", {32, actOrder, 77});
    EXPECT_TRUE(weights) << weights.error();
    auto linears = weights.value()->blockLinears(1);
    EXPECT_TRUE(linears) << linears.error();
    return linears.value();
}

TEST(ModelSparsity, SpecReadsThePatternAndCheckpointsStayDense) {
    ModelSpec spec;
    spec.preset = "tiny-llama";
    ASSERT_TRUE(setModelSpecField(spec, "sparsity", "2:4"));
    EXPECT_EQ(spec.sparsity, Sparsity::Sparse2of4);
    EXPECT_EQ(modelSpecFieldText(spec, "sparsity"), "2:4");
    EXPECT_FALSE(setModelSpecField(spec, "sparsity", "4:8"));
    EXPECT_TRUE(validateModelSpec(spec));
    auto back = modelSpecFromJson(modelSpecToJson(spec));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->sparsity, Sparsity::Sparse2of4);
    spec.preset.clear();
    spec.checkpoint = "/some/dir";
    const Status checkpoint = validateModelSpec(spec);
    ASSERT_FALSE(checkpoint);
    EXPECT_EQ(checkpoint.field, "sparsity");
}

TEST(ModelSparsity, PrunedLayersKeepThePatternAndComputeThePrunedProduct) {
    for (bool actOrder : {false, true}) {
        std::vector<DecoderLinear> linears = tinyBlock(actOrder);
        const std::vector<DecoderLinear> dense = linears;
        ASSERT_TRUE(pruneLinears(linears, Sparsity::Sparse2of4));
        for (std::size_t i = 0; i < linears.size(); ++i) {
            const DecoderLinear& linear = linears[i];
            SCOPED_TRACE(linear.name + (actOrder ? " act-order" : ""));
            ASSERT_TRUE(linear.sparse.has_value());
            ASSERT_TRUE(validateSparseLayer(*linear.sparse));
            auto expanded = expandToDense(*linear.sparse);
            ASSERT_TRUE(expanded) << expanded.error();
            EXPECT_EQ(expanded->qweight, linear.layer.qweight);
            const std::vector<float> w = dequantize(linear.layer), before = dequantize(dense[i].layer);
            const std::int64_t n = linear.layer.n;
            for (std::int64_t run = 0; run < linear.layer.k / 4; ++run)
                for (std::int64_t c = 0; c < n; ++c) {
                    int kept = 0;
                    float keptMin = 1e30f, droppedMax = 0;
                    for (std::int64_t r = 4 * run; r < 4 * run + 4; ++r) {
                        const float v = w[std::size_t(r * n + c)], was = before[std::size_t(r * n + c)];
                        if (v != 0.0f) {
                            ++kept;
                            EXPECT_EQ(v, was);  // kept weights are untouched
                            keptMin = std::min(keptMin, std::fabs(was));
                        } else {
                            droppedMax = std::max(droppedMax, std::fabs(was));
                        }
                    }
                    EXPECT_LE(kept, 2);
                    if (kept == 2) EXPECT_GE(keptMin, droppedMax);  // the largest magnitudes stay
                }
        }
    }
}

TEST(ModelSparsity, PruningAFusedLayerEqualsFusingPrunedOnes) {
    std::vector<DecoderLinear> separate = tinyBlock(false);
    std::vector<DecoderLinear> fused = fuseProjections(separate);
    ASSERT_TRUE(pruneLinears(separate, Sparsity::Sparse16of32));
    ASSERT_TRUE(pruneLinears(fused, Sparsity::Sparse16of32));
    const std::vector<DecoderLinear> fusedAfter = fuseProjections(separate);
    ASSERT_EQ(fused.size(), fusedAfter.size());
    for (std::size_t i = 0; i < fused.size(); ++i) {
        EXPECT_EQ(fused[i].name, fusedAfter[i].name);
        EXPECT_EQ(fused[i].layer.qweight, fusedAfter[i].layer.qweight) << fused[i].name;
    }
}

TEST(ModelSparsity, TheTinyModelRunsSparseOnTheCpuAndCountsFewerWeightBytes) {
    ModelSpec spec;
    spec.preset = "tiny-llama";
    spec.backend = "cpu";
    spec.kernels = {"cpu_fp32_reference"};
    spec.batches = {2};
    spec.prompt = 6;
    spec.newTokens = 6;
    spec.timing = TimingOptions{0, 1, 0.0, 1.0, 30.0, L2Mode::Hot, false};
    auto backend = makeCpuBackend();
    auto dense = runModel(*backend, spec, {}, {}, CancelToken{});
    spec.sparsity = Sparsity::Sparse2of4;
    auto sparse = runModel(*backend, spec, {}, {}, CancelToken{});
    ASSERT_TRUE(dense && sparse);
    ASSERT_EQ(sparse->records.size(), 1u);
    const ModelRecord& r = sparse->records[0];
    ASSERT_EQ(r.status, RecordStatus::Ok) << r.message;
    EXPECT_EQ(r.sparsity, Sparsity::Sparse2of4);
    EXPECT_EQ(dense->records[0].sparsity, Sparsity::None);
    EXPECT_NE(r.generatedTokens, dense->records[0].generatedTokens);  // half the weights gone changes the text
    const auto arch = presetArchitecture("tiny-llama").value();
    EXPECT_LT(gptqWeightBytes(arch, 128, false, Sparsity::Sparse2of4), gptqWeightBytes(arch, 128, false));
}

}  // namespace
}  // namespace q4
