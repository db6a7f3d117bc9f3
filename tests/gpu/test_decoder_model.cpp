// The CUDA decoder, loaded through the CUDA backend for every registered kernel, against the CPU
// reference decoder on a tiny Llama (hidden 256, 2 layers, 4 heads over 2 KV heads, head dim 64,
// intermediate 512, vocab 512) with random GPTQ weights, group 128 with and without act-order.
// Batch 3, an odd prompt of 7, then 5 decode steps fed the CPU's tokens (teacher forcing, so one
// near-tie cannot derail the rest): logits and greedy tokens at every step; graph replay against
// direct launches; generate() against step-by-step decoding; the profile's sum against its step.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/gpu_kernel.h"
#include "decoder/kernel_trace.h"
#include "gpu_test_support.h"
#include "model/cpu_decoder.h"
#include "model/model_weights.h"
#include "sparsity/sparsity.h"

namespace q4 {
namespace {

constexpr std::int64_t kBatch = 3;
constexpr std::int64_t kPrompt = 7;
constexpr std::int64_t kSteps = 5;
constexpr std::int64_t kMaxContext = 20;  // not a multiple of any tile
// ||gpu - cpu|| / ||cpu|| over a step's logits. Both decoders store fp16 at the same points
// (docs/model.md), so they differ by the order of additions (fp32 accumulators in the kernels
// against double sums), the fp16 probabilities of flash attention in prefill, and the one-step
// fp16 roundings those differences flip now and then: about 1e-3 after two blocks and the LM head
// (more for kernels that keep partial sums in fp16). 1e-2 leaves room for that, while a real
// fault (wrong head, position or scale, a missed row) moves logits by O(1).
constexpr double kLogitTolerance = 1e-2;
// Tokens must agree wherever the CPU's top-two margin exceeds this many times the row's largest
// logit difference (then no rounding could reorder them).
constexpr double kMarginFactor = 10.0;
// Two GPU runs of one kernel (graph and direct, or generate and decode) may differ only where
// kernels with atomic fp32 sums reorder a near-tie: tokens must agree past this margin.
constexpr double kNearTie = 1e-3;

ModelArchitecture tinyArchitecture() {
    ModelArchitecture arch;
    arch.modelType = "llama";
    arch.hiddenSize = 256;
    arch.layers = 2;
    arch.heads = 4;
    arch.kvHeads = 2;
    arch.headDim = 64;
    arch.intermediateSize = 512;
    arch.vocabSize = 512;
    arch.rmsNormEps = 1e-5;
    arch.ropeTheta = 10000.0;
    return arch;
}

std::unique_ptr<ModelWeightSource> tinyWeights(bool actOrder) {
    RandomWeightOptions options;
    options.groupSize = 128;
    options.actOrder = actOrder;
    auto weights = makeRandomWeights(tinyArchitecture(), "tiny", options);
    return weights ? std::move(weights).value() : nullptr;
}

ModelLoadOptions loadOptions(bool graph) {
    ModelLoadOptions options;
    options.maxBatch = kBatch;
    options.maxContext = kMaxContext;
    options.cudaGraph = graph;
    return options;
}

std::vector<std::int32_t> testPrompt() {
    std::mt19937 rng(77);
    std::vector<std::int32_t> prompt(std::size_t(kBatch * kPrompt));
    for (auto& t : prompt) t = std::int32_t(rng() % 512);
    return prompt;
}

// The CPU's outputs: prefill, then each decode step fed the previous step's tokens.
struct Reference {
    std::vector<StepOutput> steps;  // [0] prefill, [1..kSteps] decode
};

Expected<Reference> runCpuDecoder(const ModelWeightSource& weights, const ModelLoadOptions& options) {
    auto cpu = loadCpuDecoder(weights, options);
    if (!cpu) return cpu.takeError();
    if (Status s = (*cpu)->setBatch(kBatch); !s) return s.asError();
    Reference reference;
    auto step = (*cpu)->prefill(testPrompt(), kPrompt, true);
    for (std::int64_t i = 0; step && i <= kSteps; ++i) {
        reference.steps.push_back(*step);
        if (i < kSteps) step = (*cpu)->decode(step->tokens, true);
    }
    if (!step) return step.takeError();
    return reference;
}

const Reference* cpuReference(bool actOrder, std::string& error) {
    static std::mutex mutex;
    static std::map<bool, std::unique_ptr<Reference>> cache;
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(actOrder); it != cache.end()) return it->second.get();
    auto weights = tinyWeights(actOrder);
    if (!weights) {
        error = "random weights";
        return nullptr;
    }
    auto reference = runCpuDecoder(*weights, loadOptions(false));
    if (!reference) {
        error = reference.error();
        return nullptr;
    }
    return (cache[actOrder] = std::make_unique<Reference>(std::move(reference).value())).get();
}

// The GPU instance's outputs for the same inputs as the reference.
Expected<std::vector<StepOutput>> runTeacherForced(ModelInstance& model, const Reference& reference) {
    std::vector<StepOutput> steps;
    auto step = model.prefill(testPrompt(), kPrompt, true);
    if (!step) return step.takeError();
    steps.push_back(*step);
    for (std::int64_t i = 1; i <= kSteps; ++i) {
        step = model.decode(reference.steps[std::size_t(i - 1)].tokens, true);
        if (!step) return step.takeError();
        steps.push_back(*step);
    }
    return steps;
}

double topTwoMargin(const float* row, std::int64_t n) {
    float first = -INFINITY, second = -INFINITY;
    for (std::int64_t i = 0; i < n; ++i) {
        if (row[i] > first) {
            second = first;
            first = row[i];
        } else if (row[i] > second) {
            second = row[i];
        }
    }
    return double(first) - double(second);
}

// How the GPU's steps agreed with the reference's: each step's logits within kLogitTolerance, and
// the greedy tokens equal wherever the CPU's top-two margin leaves no room for rounding.
struct Agreement {
    double worst = 0;  // the largest ||gpu - cpu|| / ||cpu|| of a step's logits
    int compared = 0;  // tokens compared
    int skipped = 0;   // near-ties left out
};

Agreement expectAgreement(const std::vector<StepOutput>& steps, const Reference& reference) {
    const std::int64_t vocab = tinyArchitecture().vocabSize;
    Agreement agreement;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const StepOutput& want = reference.steps[i];
        const StepOutput& got = steps[i];
        EXPECT_EQ(got.logits.size(), want.logits.size());
        EXPECT_EQ(got.tokens.size(), want.tokens.size());
        if (got.logits.size() != want.logits.size() || got.tokens.size() != want.tokens.size()) return agreement;
        double diff = 0, norm = 0;
        for (std::size_t j = 0; j < want.logits.size(); ++j) {
            const double d = double(got.logits[j]) - double(want.logits[j]);
            diff += d * d;
            norm += double(want.logits[j]) * want.logits[j];
        }
        const double relative = std::sqrt(diff / norm);
        agreement.worst = std::max(agreement.worst, relative);
        EXPECT_LE(relative, kLogitTolerance) << "step " << i;
        for (std::int64_t s = 0; s < kBatch; ++s) {
            const float* w = want.logits.data() + s * vocab;
            const float* g = got.logits.data() + s * vocab;
            double rowDiff = 0;
            for (std::int64_t v = 0; v < vocab; ++v) rowDiff = std::max(rowDiff, std::fabs(double(g[v]) - double(w[v])));
            if (topTwoMargin(w, vocab) > kMarginFactor * rowDiff) {
                ++agreement.compared;
                EXPECT_EQ(got.tokens[std::size_t(s)], want.tokens[std::size_t(s)]) << "step " << i << ", sequence " << s;
            } else {
                ++agreement.skipped;
            }
        }
    }
    return agreement;
}

std::string paramName(const ::testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
    std::string name = std::get<0>(info.param) + (std::get<1>(info.param) ? "_act_order" : "_natural");
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

class DecoderModel : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(DecoderModel, MatchesCpuReference) {
    Q4_REQUIRE_GPU();
    const auto& [kernelId, actOrder] = GetParam();
    std::string error;
    const Reference* reference = cpuReference(actOrder, error);
    ASSERT_NE(reference, nullptr) << "CPU reference: " << error;
    auto backend = makeCudaBackend(0);
    ASSERT_TRUE(backend) << backend.error();
    auto weights = tinyWeights(actOrder);
    ASSERT_NE(weights, nullptr);

    auto loaded = (*backend)->loadModel(*weights, kernelId, loadOptions(true));
    if (!loaded) {  // a kernel that cannot run a layer must say which and why
        EXPECT_NE(loaded.error().find("cannot run model.layers."), std::string::npos) << loaded.error();
        std::printf("%s: not loaded: %s\n", kernelId.c_str(), loaded.error().c_str());
        return;
    }
    ModelInstance& gpu = **loaded;
    EXPECT_GT(gpu.loadSeconds(), 0.0);
    ASSERT_TRUE(gpu.setBatch(kBatch));
    EXPECT_TRUE(gpu.cudaGraph()) << "the decode step was not captured";
    // Hopper and newer overlap a step's kernels unless the environment asks for serial launches.
    int device = 0, major = 0;
    ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
    ASSERT_EQ(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), cudaSuccess);
    EXPECT_EQ(gpu.programmaticLaunch(), major >= 9 && !std::getenv("Q4BENCH_SERIAL_DECODER_LAUNCH"));

    const ModelArchitecture arch = tinyArchitecture();
    const ModelMemory memory = gpu.memory();
    EXPECT_EQ(memory.kvCache, 2 * arch.layers * kBatch * arch.kvHeads * kMaxContext * arch.headDim * 2);
    EXPECT_EQ(memory.embeddings, 2 * (2 * arch.vocabSize * arch.hiddenSize + arch.hiddenSize + 2 * arch.layers * arch.hiddenSize));
    EXPECT_GT(memory.quantWeights, 0);
    EXPECT_GT(memory.activations, 0);
    EXPECT_GE(gpu.peakBytes(), memory.total());

    auto steps = runTeacherForced(gpu, *reference);
    ASSERT_TRUE(steps) << steps.error();
    const std::int64_t vocab = arch.vocabSize;
    const Agreement agreement = expectAgreement(*steps, *reference);
    std::printf("%s%s: worst logits relative error %.2e; tokens compared %d, near-ties skipped %d\n", kernelId.c_str(),
                actOrder ? " (act-order)" : "", agreement.worst, agreement.compared, agreement.skipped);

    // Direct launches give the same tokens as graph replays.
    auto direct = (*backend)->loadModel(*weights, kernelId, loadOptions(false));
    ASSERT_TRUE(direct) << direct.error();
    ASSERT_TRUE((*direct)->setBatch(kBatch));
    EXPECT_FALSE((*direct)->cudaGraph());
    auto directSteps = runTeacherForced(**direct, *reference);
    ASSERT_TRUE(directSteps) << directSteps.error();
    for (std::size_t i = 0; i < steps->size(); ++i)
        for (std::int64_t s = 0; s < kBatch; ++s)
            if (topTwoMargin((*steps)[i].logits.data() + s * vocab, vocab) > kNearTie)
                EXPECT_EQ((*directSteps)[i].tokens[std::size_t(s)], (*steps)[i].tokens[std::size_t(s)])
                    << "graph and direct launches differ at step " << i << ", sequence " << s;

    // generate() keeps tokens on the device; step-by-step decoding of its own tokens must agree.
    const std::int64_t newTokens = kSteps + 1;
    auto generated = gpu.generate(testPrompt(), kPrompt, newTokens);
    ASSERT_TRUE(generated) << generated.error();
    EXPECT_GT(generated->prefillSeconds, 0.0);
    ASSERT_EQ(generated->stepSeconds.size(), std::size_t(newTokens - 1));
    for (double t : generated->stepSeconds) EXPECT_GT(t, 0.0);
    ASSERT_EQ(generated->generated.size(), std::size_t(kBatch * newTokens));
    auto step = gpu.prefill(testPrompt(), kPrompt, true);
    std::vector<bool> diverged(std::size_t(kBatch), false);
    for (std::int64_t t = 0; step && t < newTokens; ++t) {
        for (std::int64_t s = 0; s < kBatch; ++s) {
            if (diverged[std::size_t(s)]) continue;
            const std::int32_t want = step->tokens[std::size_t(s)];
            const std::int32_t got = generated->generated[std::size_t(s * newTokens + t)];
            if (topTwoMargin(step->logits.data() + s * vocab, vocab) <= kNearTie) {
                diverged[std::size_t(s)] = got != want;  // a near-tie may send the two runs apart
                continue;
            }
            EXPECT_EQ(got, want) << "generate and decode differ at token " << t << ", sequence " << s;
        }
        if (t + 1 < newTokens) step = gpu.decode(step->tokens, true);
    }
    ASSERT_TRUE(step) << step.error();

    // The profile's components tile the profiled step.
    auto profile = gpu.profileStep(testPrompt(), kPrompt);
    ASSERT_TRUE(profile) << profile.error();
    ASSERT_GT(profile->stepSeconds, 0.0);
    double sum = 0;
    for (const ComponentTime& c : profile->components) {
        EXPECT_GE(c.seconds, 0.0) << c.name;
        sum += c.seconds;
    }
    EXPECT_NEAR(sum, profile->stepSeconds, 0.03 * profile->stepSeconds);
    const auto find = [&](const char* name) {
        for (const ComponentTime& c : profile->components)
            if (c.name == name) return c.seconds;
        return -1.0;
    };
    for (const char* name : {"embedding", "qkv_proj", "attention", "o_proj", "gate_up_proj", "mlp_act", "down_proj",
                             "norms", "residual", "lm_head", "sampling"})
        EXPECT_GT(find(name), 0.0) << name;
    // With CUPTI the step is traced as it runs: its graph, nothing added.
    if (KernelTrace::builtIn()) EXPECT_EQ(profile->method, "kernel trace of the step's graph");
    std::printf("%s profile: %s, step %.1f us\n", kernelId.c_str(), profile->method.c_str(), profile->stepSeconds * 1e6);

    // One sequence: the graph is captured too (m = 1 takes other kernel paths).
    ASSERT_TRUE(gpu.setBatch(1));
    EXPECT_TRUE(gpu.cudaGraph()) << gpu.graphNote();
}

INSTANTIATE_TEST_SUITE_P(Registry, DecoderModel,
                         ::testing::Combine(::testing::ValuesIn(test::denseKernelIds()), ::testing::Bool()), paramName);

// A pruned model: the sparse kernels (and the fp16 baseline on the pruned weights) against the CPU
// decoder pruned the same way, teacher-forced as above, from the captured graph. sparse_int4 runs
// the decode steps' layers as programmatic dependents on Hopper, so this also checks that its
// first launch waits for the kernel before it.
class SparseDecoderModel : public ::testing::TestWithParam<std::tuple<std::string, Sparsity>> {};

TEST_P(SparseDecoderModel, MatchesPrunedCpuReference) {
    Q4_REQUIRE_GPU();
    const auto& [kernelId, sparsity] = GetParam();
    ModelLoadOptions cpuOptions = loadOptions(false), gpuOptions = loadOptions(true);
    cpuOptions.sparsity = gpuOptions.sparsity = sparsity;
    auto weights = tinyWeights(false);
    ASSERT_NE(weights, nullptr);
    auto reference = runCpuDecoder(*weights, cpuOptions);
    ASSERT_TRUE(reference) << "CPU reference: " << reference.error();

    auto backend = makeCudaBackend(0);
    ASSERT_TRUE(backend) << backend.error();
    auto loaded = (*backend)->loadModel(*weights, kernelId, gpuOptions);
    ASSERT_TRUE(loaded) << loaded.error();
    ModelInstance& gpu = **loaded;
    ASSERT_TRUE(gpu.setBatch(kBatch));
    EXPECT_TRUE(gpu.cudaGraph()) << gpu.graphNote();
    auto steps = runTeacherForced(gpu, *reference);
    ASSERT_TRUE(steps) << steps.error();
    const Agreement agreement = expectAgreement(*steps, *reference);
    EXPECT_GT(agreement.compared, 0);
    std::printf("%s (%s): worst logits relative error %.2e; tokens compared %d\n", kernelId.c_str(),
                nameOf(sparsity), agreement.worst, agreement.compared);
}

INSTANTIATE_TEST_SUITE_P(Sparse, SparseDecoderModel,
                         ::testing::Values(std::make_tuple(std::string("sparse_int4"), Sparsity::Sparse2of4),
                                           std::make_tuple(std::string("wmma_int4"), Sparsity::Sparse16of32),
                                           std::make_tuple(std::string("cublas_fp16"), Sparsity::Sparse2of4)),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, Sparsity>>& info) {
                             return std::get<0>(info.param) +
                                    (std::get<1>(info.param) == Sparsity::Sparse2of4 ? "_2_4" : "_16_32");
                         });

// Input checks name the field, and a new batch size starts over with fresh buffers.
TEST(DecoderModelChecks, RefusesBadInputsAndChangesBatch) {
    Q4_REQUIRE_GPU();
    auto backend = makeCudaBackend(0);
    ASSERT_TRUE(backend) << backend.error();
    auto weights = tinyWeights(false);
    ASSERT_NE(weights, nullptr);
    auto loaded = (*backend)->loadModel(*weights, "best_int4", loadOptions(true));
    ASSERT_TRUE(loaded) << loaded.error();
    ModelInstance& gpu = **loaded;
    const std::vector<std::int32_t> prompt = testPrompt();

    EXPECT_EQ(gpu.prefill(prompt, kPrompt, false).errorField(), "batch");  // no setBatch yet
    EXPECT_FALSE(gpu.setBatch(kBatch + 1));
    ASSERT_TRUE(gpu.setBatch(kBatch));
    EXPECT_FALSE(gpu.decode({1, 2, 3}, false));  // no prefill yet
    EXPECT_EQ(gpu.prefill(prompt, kPrompt + 1, false).errorField(), "prompt");
    std::vector<std::int32_t> bad = prompt;
    bad[5] = 512;
    auto refused = gpu.prefill(bad, kPrompt, false);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("index 5"), std::string::npos) << refused.error();
    EXPECT_EQ(gpu.generate(prompt, kPrompt, kMaxContext - kPrompt + 1).errorField(), "new_tokens");
    EXPECT_TRUE(gpu.profileStep(prompt, kPrompt));
    EXPECT_FALSE(gpu.profileStep(std::vector<std::int32_t>(std::size_t(kBatch * kMaxContext), 1), kMaxContext));

    // Fill the cache to its end, then one more step is refused.
    ASSERT_TRUE(gpu.prefill(std::vector<std::int32_t>(std::size_t(kBatch * (kMaxContext - 1)), 3), kMaxContext - 1, false));
    auto last = gpu.decode({1, 2, 3}, false);
    ASSERT_TRUE(last) << last.error();
    EXPECT_EQ(gpu.decode({1, 2, 3}, false).errorField(), "new_tokens");

    // Batch 1 after batch 3: the first sequence alone gives the CPU's batch-1 logits.
    ASSERT_TRUE(gpu.setBatch(1));
    auto cpu = loadCpuDecoder(*weights, loadOptions(false));
    ASSERT_TRUE(cpu) << cpu.error();
    ASSERT_TRUE((*cpu)->setBatch(1));
    const std::vector<std::int32_t> first(prompt.begin(), prompt.begin() + kPrompt);
    auto want = (*cpu)->prefill(first, kPrompt, true);
    auto got = gpu.prefill(first, kPrompt, true);
    ASSERT_TRUE(want && got);
    double diff = 0, norm = 0;
    for (std::size_t j = 0; j < want->logits.size(); ++j) {
        diff += std::pow(double(got->logits[j]) - want->logits[j], 2);
        norm += std::pow(double(want->logits[j]), 2);
    }
    EXPECT_LE(std::sqrt(diff / norm), kLogitTolerance);
}

}  // namespace
}  // namespace q4
