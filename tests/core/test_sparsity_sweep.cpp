// The sparsity axis through the engine: the spec field, expansion and its rules, the sparse
// point's weights (the dense twin's random weights, pruned), and a CPU run in which dense-only
// kernels are unsupported with their reason, the sparse kernel validates against the pruned
// reference, and every sparse record carries its pruning error.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu_backend.h"
#include "io/json_io.h"
#include "run/derived_metrics.h"
#include "run/problem_data.h"
#include "run/runner.h"
#include "sparsity/sparse_gptq_layer.h"
#include "sweep/spec_fields.h"
#include "sweep/sweep_expand.h"

namespace q4 {
namespace {

TEST(SparsitySpec, ReadsAListOfPatterns) {
    SweepSpec spec;
    ASSERT_TRUE(setSpecField(spec, "sparsity", "none, 2:4,16:32"));
    EXPECT_EQ(spec.sparsity, (std::vector<Sparsity>{Sparsity::None, Sparsity::Sparse2of4, Sparsity::Sparse16of32}));
    EXPECT_EQ(specFieldText(spec, "sparsity"), "none,2:4,16:32");
}

TEST(SparsitySpec, RefusesUnknownAndRepeatedPatterns) {
    SweepSpec spec;
    const Status unknown = setSpecField(spec, "sparsity", "2:4,3:4");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.message.find("'3:4' must be one of none, 16:32 or 2:4"), std::string::npos) << unknown.message;
    const Status twice = setSpecField(spec, "sparsity", "2:4,2:4");
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.message.find("listed twice"), std::string::npos) << twice.message;
    EXPECT_EQ(spec.sparsity, std::vector<Sparsity>{Sparsity::None});  // untouched by the failures
}

TEST(SparsitySpec, JsonWritesTheAxisOnlyWhenUsedAndReadsItBack) {
    SweepSpec dense;
    EXPECT_EQ(sweepSpecToJson(dense).find("sparsity"), std::string::npos);
    SweepSpec sparse;
    sparse.sparsity = {Sparsity::Sparse16of32, Sparsity::None};
    auto back = sweepSpecFromJson(sweepSpecToJson(sparse));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->sparsity, sparse.sparsity);
}

TEST(SparsityExpand, PatternIsTheOutermostAxisAndEachPointCarriesIt) {
    SweepSpec spec;
    spec.m = {1, 2};
    spec.n = {64};
    spec.k = {128};
    spec.sparsity = {Sparsity::None, Sparsity::Sparse2of4};
    auto points = expandSweep(spec, {}, 0);
    ASSERT_TRUE(points) << points.error();
    ASSERT_EQ(points->size(), 4u);
    EXPECT_EQ((*points)[0].sparsity, Sparsity::None);
    EXPECT_EQ((*points)[1].sparsity, Sparsity::None);
    EXPECT_EQ((*points)[2].sparsity, Sparsity::Sparse2of4);
    EXPECT_EQ((*points)[3].m, 2);
    EXPECT_FALSE(sameLayer((*points)[1], (*points)[2]));  // the pruned weights are another layer
    EXPECT_EQ(*countSweepPoints(spec), 4);
}

TEST(SparsityExpand, KMustBeAMultipleOf32ForEitherPattern) {
    SweepSpec spec;
    spec.n = {64};
    spec.k = {48};
    spec.groupSizes = {16};
    spec.sparsity = {Sparsity::Sparse2of4};
    auto points = expandSweep(spec, {}, 0);
    ASSERT_FALSE(points);
    EXPECT_EQ(points.error(), "k=48 is not a multiple of 32, which 2:4 sparsity needs");
    EXPECT_EQ(points.errorField(), "k");
    spec.sparsity = {Sparsity::None};
    EXPECT_TRUE(expandSweep(spec, {}, 0));
}

TEST(SparsityExpand, CheckpointsAreDense) {
    SweepSpec spec;
    spec.checkpoint = "/nonexistent";
    spec.sparsity = {Sparsity::Sparse16of32};
    auto points = expandSweep(spec, {}, 0);
    ASSERT_FALSE(points);
    EXPECT_EQ(points.errorField(), "sparsity");
}

TEST(SparseLayerData, PrunesTheDenseTwinsWeights) {
    const QuantConfig quant{32, false, true, ZeroFormat::V1};
    auto dense = makeLayerData(48, 128, quant, 5);
    auto sparse = makeLayerData(48, 128, quant, 5, Sparsity::Sparse16of32);
    ASSERT_TRUE(dense && sparse);
    EXPECT_FALSE(dense->sparse);
    ASSERT_TRUE(sparse->sparse);
    EXPECT_EQ(sparse->unpruned, dense->dequantized);  // the same random weights
    ASSERT_TRUE(validateSparseLayer(*sparse->sparse));
    auto expanded = expandToDense(*sparse->sparse);
    ASSERT_TRUE(expanded) << expanded.error();
    EXPECT_EQ(expanded->qweight, sparse->layer.qweight);
    EXPECT_EQ(dequantizePruned(*sparse->sparse), sparse->dequantized);
    // At least half of every column's 32-row runs is exactly zero; the dense weights have no run so.
    for (std::int64_t c = 0; c < 48; ++c)
        for (std::int64_t run = 0; run < 4; ++run) {
            int zeros = 0, denseZeros = 0;
            for (std::int64_t r = run * 32; r < run * 32 + 32; ++r) {
                zeros += sparse->dequantized[std::size_t(r * 48 + c)] == 0.0f;
                denseZeros += dense->dequantized[std::size_t(r * 48 + c)] == 0.0f;
            }
            EXPECT_GE(zeros, 16);
            EXPECT_LT(denseZeros, 16);
        }
}

TEST(SparsityMetrics, SparsePointsMoveTheKeptNibblesAndMetadataAndDoTheKeptProducts) {
    SweepPoint dense{4, 4096, 2048, "", QuantConfig{128, true, false, ZeroFormat::V1}};
    SweepPoint sparse = dense;
    sparse.sparsity = Sparsity::Sparse2of4;
    const double weights = 4096.0 * 2048 / 2, rest = minimumBytes(dense) - weights;
    EXPECT_DOUBLE_EQ(minimumBytes(sparse), weights / 2 + 4096.0 * 2048 / 8 + rest);  // 12 bits per 4 weights
    EXPECT_DOUBLE_EQ(flopCount(dense), 2.0 * 4 * 4096 * 2048);
    EXPECT_DOUBLE_EQ(flopCount(sparse), flopCount(dense) / 2);
}

TEST(SparsityCpuRun, DenseOnlyKernelsAreUnsupportedAndTheSparseKernelValidates) {
    auto backend = makeCpuBackend();
    SweepSpec spec;
    spec.m = {1, 3};
    spec.n = {64};
    spec.k = {128};
    spec.groupSizes = {32};
    spec.sparsity = {Sparsity::None, Sparsity::Sparse16of32, Sparsity::Sparse2of4};
    spec.timing = TimingOptions{0, 2, 0.0, 0.5, 1.0, L2Mode::Hot, false};
    auto result = runSweep(*backend, spec, RunOptions{}, RunCallbacks{}, CancelToken{});
    ASSERT_TRUE(result) << result.error();
    ASSERT_EQ(result->records.size(), 3u * 2u * 3u);
    for (const Record& r : result->records) {
        SCOPED_TRACE(r.kernel + " " + nameOf(r.sparsity) + " m=" + std::to_string(r.m));
        const bool sparse = r.sparsity != Sparsity::None;
        if (r.kernel == "cpu_int4_fused" && sparse) {
            EXPECT_EQ(r.status, RecordStatus::Unsupported);
            EXPECT_EQ(r.message, "cpu_int4_fused runs dense weights only (sparsity " + std::string(nameOf(r.sparsity)) + ")");
        } else if (r.kernel == "cpu_sparse_int4" && !sparse) {
            EXPECT_EQ(r.status, RecordStatus::Unsupported);
            EXPECT_EQ(r.message, "cpu_sparse_int4 runs sparse weights only (16:32, 2:4)");
        } else {
            EXPECT_EQ(r.status, RecordStatus::Ok) << r.message;
            ASSERT_TRUE(r.relError.has_value());
            EXPECT_LT(*r.relError, 1e-5);
        }
        EXPECT_EQ(r.pruningError.has_value(), sparse);
        if (sparse && r.pruningError) {
            EXPECT_GT(*r.pruningError, 0.05);  // half the weights gone moves the product a lot
            EXPECT_LT(*r.pruningError, 1.5);
        }
        if (r.kernel == "cpu_sparse_int4" && sparse) {
            // The kept half of the nibbles plus one bit of metadata per weight: 3/8 of a byte each.
            EXPECT_EQ(r.mem.weights, 128 * 64 * 3 / 8);
        }
    }
}

}  // namespace
}  // namespace q4
