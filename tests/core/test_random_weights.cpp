// Seeded random weights: the same bits whatever the order or thread, the architecture's shapes,
// scales that keep activations at unit scale, act-order g_idx from a real permutation, tied
// embeddings, and errors that name the field.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "model/block_linears.h"
#include "model/model_weights.h"

namespace q4 {
namespace {

ModelArchitecture smallArchitecture() {
    ModelArchitecture arch;
    arch.modelType = "llama";
    arch.hiddenSize = 256;
    arch.layers = 3;
    arch.heads = 4;
    arch.kvHeads = 2;
    arch.headDim = 64;
    arch.intermediateSize = 512;
    arch.vocabSize = 512;
    arch.maxPositions = 2048;
    return arch;
}

std::unique_ptr<ModelWeightSource> make(const ModelArchitecture& arch, const RandomWeightOptions& options = {}) {
    auto weights = makeRandomWeights(arch, "tiny", options);
    EXPECT_TRUE(weights.ok()) << weights.error();
    return weights.ok() ? std::move(weights).value() : nullptr;
}

bool sameLayer(const GptqLayer& a, const GptqLayer& b) {
    return a.k == b.k && a.n == b.n && a.groupSize == b.groupSize && a.qweight == b.qweight && a.qzeros == b.qzeros &&
           a.scales == b.scales && a.gIdx == b.gIdx;
}

bool sameBlock(const std::vector<DecoderLinear>& a, const std::vector<DecoderLinear>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].name != b[i].name || !sameLayer(a[i].layer, b[i].layer)) return false;
    return true;
}

TEST(RandomWeights, DeterministicAndIndependentOfOrderAndThread) {
    const auto arch = smallArchitecture();
    auto first = make(arch), second = make(arch);
    ASSERT_TRUE(first && second);

    // Blocks in reverse order, and on threads, give what blocks in order give.
    std::vector<std::vector<DecoderLinear>> inOrder, reversed(3), threaded(3);
    for (std::int64_t b = 0; b < 3; ++b) inOrder.push_back(*first->blockLinears(b));
    for (std::int64_t b = 2; b >= 0; --b) reversed[std::size_t(b)] = *second->blockLinears(b);
    std::vector<std::thread> threads;
    for (std::int64_t b = 0; b < 3; ++b)
        threads.emplace_back([&, b] { threaded[std::size_t(b)] = *second->blockLinears(b); });
    for (auto& t : threads) t.join();
    for (std::size_t b = 0; b < 3; ++b) {
        EXPECT_TRUE(sameBlock(inOrder[b], reversed[b])) << "block " << b;
        EXPECT_TRUE(sameBlock(inOrder[b], threaded[b])) << "block " << b;
    }
    EXPECT_EQ(*first->embedding(), *second->embedding());
    EXPECT_EQ(first->blockNorms(1)->inputNorm, second->blockNorms(1)->inputNorm);

    // Blocks, layers and tensors differ from each other; another seed changes everything.
    EXPECT_NE(inOrder[0][0].layer.qweight, inOrder[1][0].layer.qweight);
    EXPECT_NE(inOrder[0][1].layer.qweight, inOrder[0][2].layer.qweight);  // k_proj vs v_proj
    EXPECT_NE(first->blockNorms(0)->inputNorm, first->blockNorms(0)->postAttentionNorm);
    auto reseeded = make(arch, {128, false, 99});
    EXPECT_NE(reseeded->blockLinears(0)->at(0).layer.qweight, inOrder[0][0].layer.qweight);
    EXPECT_NE(*reseeded->embedding(), *first->embedding());
}

TEST(RandomWeights, ShapesFollowTheArchitecture) {
    const auto arch = smallArchitecture();
    auto weights = make(arch, {64, false, 1});
    ASSERT_TRUE(weights);
    EXPECT_EQ(weights->name(), "tiny");
    EXPECT_EQ(weights->groupSize(), 64);
    EXPECT_FALSE(weights->actOrder());
    auto linears = weights->blockLinears(2);
    ASSERT_TRUE(linears.ok()) << linears.error();
    const struct {
        const char* name;
        std::int64_t k, n;
    } expected[] = {{"q_proj", 256, 256},    {"k_proj", 256, 128},  {"v_proj", 256, 128},   {"o_proj", 256, 256},
                    {"gate_proj", 256, 512}, {"up_proj", 256, 512}, {"down_proj", 512, 256}};
    ASSERT_EQ(linears->size(), std::size(expected));
    for (std::size_t i = 0; i < linears->size(); ++i) {
        const GptqLayer& layer = (*linears)[i].layer;
        EXPECT_EQ((*linears)[i].name, expected[i].name);
        EXPECT_EQ(layer.k, expected[i].k) << expected[i].name;
        EXPECT_EQ(layer.n, expected[i].n) << expected[i].name;
        EXPECT_EQ(std::int64_t(layer.scales.size()), layer.k / 64 * layer.n);
        EXPECT_EQ(layer.gIdx, naturalGroupIndex(layer.k, 64));
        // Symmetric v1: every stored zero is 7, the true zero 8.
        EXPECT_EQ(zeroPoint(layer, 0, 0), 8);
        EXPECT_TRUE(
            std::all_of(layer.qzeros.begin(), layer.qzeros.end(), [](std::int32_t z) { return z == 0x77777777; }));
    }
    EXPECT_TRUE(checkBlockLinears(arch, 2, *linears).ok());
    EXPECT_EQ(std::int64_t(weights->embedding()->size()), 512 * 256);
    EXPECT_EQ(std::int64_t(weights->lmHead()->size()), 512 * 256);
    EXPECT_EQ(std::int64_t(weights->finalNorm()->size()), 256);
    EXPECT_EQ(std::int64_t(weights->blockNorms(0)->postAttentionNorm.size()), 256);
    EXPECT_FALSE(weights->blockLinears(3).ok());
    EXPECT_NE(weights->blockNorms(-1).error().find("num_hidden_layers=3"), std::string::npos);
}

TEST(RandomWeights, ValuesHaveTheirIntendedScale) {
    const auto arch = smallArchitecture();
    auto weights = make(arch);
    ASSERT_TRUE(weights);
    const GptqLayer layer = weights->blockLinears(0)->at(6).layer;  // down_proj, k = 512

    // Scales: U(0.5, 1.5) / (4.6 sqrt(k)), within fp16 rounding.
    const double base = 1.0 / (4.6 * std::sqrt(512.0));
    double sum = 0;
    for (HalfBits s : layer.scales) {
        const double v = halfToFloat(s) / base;
        EXPECT_GE(v, 0.5 * (1 - 1e-3));
        EXPECT_LE(v, 1.5 * (1 + 1e-3));
        sum += v;
    }
    EXPECT_NEAR(sum / double(layer.scales.size()), 1.0, 0.02);

    // Every nibble value about equally often.
    const std::vector<std::uint8_t> q = unpackWeights(layer.qweight, layer.k, layer.n);
    std::vector<double> counts(16);
    for (std::uint8_t v : q) counts[v] += 1;
    for (double c : counts) EXPECT_NEAR(c / double(q.size()), 1.0 / 16, 0.004);

    // A unit-rms input keeps (about) unit rms through the projection.
    std::vector<float> x(std::size_t(4 * layer.k));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i * 7919 % 13 < 6 ? 1.0f : -1.0f);
    const std::vector<float> y = referenceProduct(x, 4, dequantize(layer), layer.k, layer.n);
    double squares = 0;
    for (float v : y) squares += double(v) * v;
    EXPECT_NEAR(std::sqrt(squares / double(y.size())), 1.0, 0.15);

    // Embedding U(-1, 1); lm_head U(-a, a) with a = sqrt(3 / hidden); norms 1 +- 0.1.
    auto range = [](const std::vector<HalfBits>& v) {
        float lo = 1e9f, hi = -1e9f;
        for (HalfBits h : v) lo = std::min(lo, halfToFloat(h)), hi = std::max(hi, halfToFloat(h));
        return std::pair<float, float>(lo, hi);
    };
    const auto [embLo, embHi] = range(*weights->embedding());
    EXPECT_LT(embLo, -0.99f);
    EXPECT_GT(embHi, 0.99f);
    EXPECT_GE(embLo, -1.0f);
    EXPECT_LE(embHi, 1.0f);
    const float bound = std::sqrt(3.0f / 256.0f);
    const auto [headLo, headHi] = range(*weights->lmHead());
    EXPECT_GE(headLo, -bound * 1.001f);
    EXPECT_LE(headHi, bound * 1.001f);
    EXPECT_GT(headHi, bound * 0.99f);
    const auto [normLo, normHi] = range(weights->blockNorms(1)->inputNorm);
    EXPECT_GE(normLo, 0.9f);
    EXPECT_LE(normHi, 1.1f);
    EXPECT_LT(normLo, normHi);
}

TEST(RandomWeights, ActOrderIsASeededPermutationPerLayer) {
    const auto arch = smallArchitecture();
    auto weights = make(arch, {32, true, 5});
    ASSERT_TRUE(weights);
    EXPECT_TRUE(weights->actOrder());
    const auto block0 = *weights->blockLinears(0);
    const auto block1 = *weights->blockLinears(1);
    for (const DecoderLinear& linear : block0) {
        const std::vector<std::int32_t>& gIdx = linear.layer.gIdx;
        // Exactly 32 rows in each group, and not the natural order.
        std::vector<int> perGroup(std::size_t(linear.layer.k / 32));
        for (std::int32_t g : gIdx) {
            ASSERT_GE(g, 0);
            ASSERT_LT(g, std::int32_t(perGroup.size()));
            ++perGroup[std::size_t(g)];
        }
        EXPECT_TRUE(std::all_of(perGroup.begin(), perGroup.end(), [](int c) { return c == 32; })) << linear.name;
        EXPECT_NE(gIdx, naturalGroupIndex(linear.layer.k, 32)) << linear.name;
    }
    EXPECT_NE(block0[0].layer.gIdx, block0[1].layer.gIdx);  // q_proj and k_proj: k = hidden both
    EXPECT_NE(block0[0].layer.gIdx, block1[0].layer.gIdx);
    EXPECT_EQ(block1[0].layer.gIdx, weights->blockLinears(1)->at(0).layer.gIdx);

    // One group over k: act-order leaves nothing to permute.
    auto single = make(arch, {-1, true, 5});
    EXPECT_FALSE(single->actOrder());
    EXPECT_EQ(single->blockLinears(0)->at(0).layer.gIdx, naturalGroupIndex(256, -1));
}

TEST(RandomWeights, TiedEmbeddingsShareTheTable) {
    auto arch = smallArchitecture();
    auto untied = make(arch);
    arch.tiedEmbeddings = true;
    auto tied = make(arch);
    ASSERT_TRUE(tied && untied);
    EXPECT_EQ(*tied->lmHead(), *tied->embedding());
    EXPECT_NE(*untied->lmHead(), *untied->embedding());
}

TEST(RandomWeights, ErrorsNameTheField) {
    auto arch = smallArchitecture();
    arch.kvHeads = 3;
    auto bad = makeRandomWeights(arch, "bad", {});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("num_key_value_heads=3"), std::string::npos) << bad.error();

    arch = smallArchitecture();
    arch.hiddenSize = 0;
    EXPECT_NE(makeRandomWeights(arch, "bad", {}).error().find("hidden_size=0"), std::string::npos);

    // 96 divides neither hidden 256 nor intermediate 512.
    auto group = makeRandomWeights(smallArchitecture(), "bad", {96, false, 1});
    ASSERT_FALSE(group.ok());
    EXPECT_NE(group.error().find("q_proj (k = hidden_size = 256"), std::string::npos) << group.error();
    EXPECT_NE(group.error().find("not a multiple of group size 96"), std::string::npos) << group.error();
    EXPECT_EQ(group.errorField(), "group_size");
    EXPECT_NE(makeRandomWeights(smallArchitecture(), "bad", {0, false, 1}).error().find("group size 0 is invalid"),
              std::string::npos);

    // 256 divides hidden but not the intermediate size: down_proj is named.
    arch = smallArchitecture();
    arch.intermediateSize = 384;
    auto down = makeRandomWeights(arch, "bad", {256, false, 1});
    ASSERT_FALSE(down.ok());
    EXPECT_NE(down.error().find("down_proj (k = intermediate_size = 384"), std::string::npos) << down.error();
}

TEST(RandomWeights, GeneratesALlama13BBlock) {
    ModelArchitecture arch;  // Llama-2-13B
    arch.modelType = "llama";
    arch.hiddenSize = 5120;
    arch.layers = 40;
    arch.heads = 40;
    arch.kvHeads = 40;
    arch.headDim = 128;
    arch.intermediateSize = 13824;
    arch.vocabSize = 32000;
    auto weights = make(arch);
    ASSERT_TRUE(weights);
    const auto start = std::chrono::steady_clock::now();
    auto block = weights->blockLinears(17);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(block.ok());
    std::int64_t bytes = 0;
    for (const auto& linear : *block) bytes += std::int64_t(linear.layer.qweight.size() * 4);
    EXPECT_GT(bytes, 150'000'000);
    // The time is printed, not asserted: speed is measured by benchmarks, and a loaded machine or
    // a sanitizer build would make a bound here flaky.
    std::printf("Llama-2-13B block: %lld bytes of qweight in %.3f s\n", static_cast<long long>(bytes), seconds);
}

}  // namespace
}  // namespace q4
