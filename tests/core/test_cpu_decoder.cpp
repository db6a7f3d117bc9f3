// The CPU reference decoder on a tiny Llama-style model: decode continues a prefill exactly,
// sequences of a batch do not see each other, one block re-derived by hand from the dequantized
// weights, RoPE's frequencies, greedy sampling, every validation error, and whole checkpoints
// written by scripts/make_test_checkpoint.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "../support/test_checkpoint.h"
#include "model/cpu_decoder.h"
#include "model/dense_model.h"
#include "model/reference_ops.h"
#include "model/rope.h"

namespace q4 {
namespace {

ModelArchitecture tinyArchitecture(std::int64_t layers = 2) {
    ModelArchitecture arch;
    arch.modelType = "llama";
    arch.hiddenSize = 256;
    arch.layers = layers;
    arch.heads = 4;
    arch.kvHeads = 2;
    arch.headDim = 64;
    arch.intermediateSize = 512;
    arch.vocabSize = 512;
    arch.maxPositions = 2048;
    arch.rmsNormEps = 1e-5;
    return arch;
}

std::unique_ptr<ModelWeightSource> randomWeights(const ModelArchitecture& arch, std::uint64_t seed = 7) {
    auto weights = makeRandomWeights(arch, "tiny", {128, false, seed});
    EXPECT_TRUE(weights.ok()) << weights.error();
    return weights.ok() ? std::move(weights).value() : nullptr;
}

std::unique_ptr<ModelInstance> load(const ModelWeightSource& weights, std::int64_t maxBatch = 2,
                                    std::int64_t maxContext = 32) {
    auto instance = loadCpuDecoder(weights, {maxBatch, maxContext, false});
    EXPECT_TRUE(instance.ok()) << instance.error();
    return instance.ok() ? std::move(instance).value() : nullptr;
}

std::vector<std::int32_t> tokens(std::initializer_list<std::int32_t> values) {
    return values;
}

double maxDifference(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
    return worst;
}

std::vector<float> slice(const std::vector<float>& v, std::size_t begin, std::size_t count) {
    return {v.begin() + std::ptrdiff_t(begin), v.begin() + std::ptrdiff_t(begin + count)};
}

// Logits are finite, not all equal, and of about unit scale (the random weights' design).
void expectUsefulLogits(const std::vector<float>& logits) {
    ASSERT_FALSE(logits.empty());
    EXPECT_TRUE(std::all_of(logits.begin(), logits.end(), [](float v) { return std::isfinite(v); }));
    const auto [lo, hi] = std::minmax_element(logits.begin(), logits.end());
    EXPECT_GT(*hi - *lo, 1e-3f);
}

// --- the forward pass ----------------------------------------------------------------------------

TEST(CpuDecoder, DecodeContinuesAPrefillExactly) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights);
    ASSERT_TRUE(model);
    ASSERT_TRUE(model->setBatch(2).ok());
    const auto prompt = tokens({5, 17, 300, 42, 9, /**/ 77, 1, 511, 0, 256});
    auto first = model->prefill(prompt, 5, true);
    ASSERT_TRUE(first.ok()) << first.error();
    auto second = model->decode(tokens({100, 200}), true);
    ASSERT_TRUE(second.ok()) << second.error();
    auto third = model->decode(tokens({3, 4}), true);
    ASSERT_TRUE(third.ok()) << third.error();
    expectUsefulLogits(third->logits);

    auto longer = model->prefill(tokens({5, 17, 300, 42, 9, 100, 3, /**/ 77, 1, 511, 0, 256, 200, 4}), 7, true);
    ASSERT_TRUE(longer.ok()) << longer.error();
    EXPECT_LE(maxDifference(third->logits, longer->logits), 1e-6);
    EXPECT_EQ(third->tokens, longer->tokens);
    // The steps' logits differ from each other: the positions and the cache matter.
    EXPECT_GT(maxDifference(second->logits, third->logits), 1e-2);
}

TEST(CpuDecoder, SequencesOfABatchAreIndependent) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights);
    ASSERT_TRUE(model);
    ASSERT_TRUE(model->setBatch(2).ok());
    auto pair = model->prefill(tokens({1, 2, 3, 4, /**/ 9, 8, 7, 6}), 4, true);
    ASSERT_TRUE(pair.ok()) << pair.error();
    auto pairStep = model->decode(tokens({10, 11}), true);
    ASSERT_TRUE(pairStep.ok());

    ASSERT_TRUE(model->setBatch(1).ok());
    auto alone = model->prefill(tokens({9, 8, 7, 6}), 4, true);
    ASSERT_TRUE(alone.ok()) << alone.error();
    auto aloneStep = model->decode(tokens({11}), true);
    ASSERT_TRUE(aloneStep.ok());
    EXPECT_LE(maxDifference(slice(pair->logits, 512, 512), alone->logits), 1e-6);
    EXPECT_LE(maxDifference(slice(pairStep->logits, 512, 512), aloneStep->logits), 1e-6);
    EXPECT_EQ(pair->tokens[1], alone->tokens[0]);
    // The other sequence's prompt gives other logits, so the comparison above could fail.
    EXPECT_GT(maxDifference(slice(pair->logits, 0, 512), alone->logits), 1e-2);
}

TEST(CpuDecoder, PrefillOverManyRowsMatchesSequencesAlone) {
    // Three sequences of 1400 positions pass the 4096 rows of one prefill pass: the third is split
    // between two passes. A small model keeps it fast.
    ModelArchitecture arch;
    arch.modelType = "llama";
    arch.hiddenSize = 16;
    arch.layers = 1;
    arch.heads = 2;
    arch.kvHeads = 1;
    arch.headDim = 8;
    arch.intermediateSize = 32;
    arch.vocabSize = 64;
    auto weights = makeRandomWeights(arch, "micro", {16, false, 3});
    ASSERT_TRUE(weights.ok()) << weights.error();
    auto model = load(**weights, 3, 1401);
    ASSERT_TRUE(model);
    const std::int64_t length = 1400;
    std::vector<std::int32_t> prompt(std::size_t(3 * length));
    for (std::size_t i = 0; i < prompt.size(); ++i) prompt[i] = std::int32_t(i * 37 % 64);
    ASSERT_TRUE(model->setBatch(3).ok());
    auto all = model->prefill(prompt, length, true);
    ASSERT_TRUE(all.ok()) << all.error();
    auto allStep = model->decode(tokens({1, 2, 3}), true);
    ASSERT_TRUE(allStep.ok()) << allStep.error();

    ASSERT_TRUE(model->setBatch(1).ok());
    for (std::int32_t s = 0; s < 3; ++s) {
        const std::vector<std::int32_t> one(prompt.begin() + s * length, prompt.begin() + (s + 1) * length);
        auto alone = model->prefill(one, length, true);
        ASSERT_TRUE(alone.ok()) << alone.error();
        EXPECT_LE(maxDifference(slice(all->logits, std::size_t(s) * 64, 64), alone->logits), 1e-6) << "sequence " << s;
        auto step = model->decode({s + 1}, true);
        ASSERT_TRUE(step.ok());
        EXPECT_LE(maxDifference(slice(allStep->logits, std::size_t(s) * 64, 64), step->logits), 1e-6) << s;
    }
}

// --- one block re-derived by hand ----------------------------------------------------------------

float f16(double value) {
    return halfToFloat(floatToHalf(float(value)));
}

std::vector<float> toFloat(const std::vector<HalfBits>& values) {
    std::vector<float> out;
    out.reserve(values.size());
    for (HalfBits h : values) out.push_back(halfToFloat(h));
    return out;
}

std::vector<float> normed(const std::vector<float>& x, const std::vector<float>& weight, double eps) {
    double squares = 0;
    for (float v : x) squares += double(v) * v;
    const double rms = std::sqrt(squares / double(x.size()) + eps);
    std::vector<float> out;
    for (std::size_t i = 0; i < x.size(); ++i) out.push_back(f16(double(x[i]) / rms * weight[i]));
    return out;
}

std::vector<float> project(const std::vector<float>& a, const GptqLayer& layer) {
    std::vector<float> c = referenceProduct(a, 1, dequantize(layer), layer.k, layer.n);
    for (float& v : c) v = f16(v);
    return c;
}

TEST(CpuDecoder, OneBlockMatchesAHandDerivation) {
    const ModelArchitecture arch = tinyArchitecture(1);
    auto weights = randomWeights(arch, 11);
    ASSERT_TRUE(weights);
    const std::int32_t token = 123;
    const double eps = arch.rmsNormEps;
    const std::vector<float> embedding = toFloat(*weights->embedding());
    const auto norms = *weights->blockNorms(0);
    const auto linears = *weights->blockLinears(0);  // q, k, v, o, gate, up, down

    std::vector<float> x(embedding.begin() + token * 256, embedding.begin() + (token + 1) * 256);
    const std::vector<float> h = normed(x, toFloat(norms.inputNorm), eps);
    const std::vector<float> v = project(h, linears[2].layer);
    // One position: RoPE at 0 is the identity, and softmax over one key gives its value, so head j
    // outputs v of its key/value head j / (heads / kv_heads).
    std::vector<float> attention;
    for (int head = 0; head < 4; ++head) {
        const int kvHead = head / 2;
        attention.insert(attention.end(), v.begin() + kvHead * 64, v.begin() + (kvHead + 1) * 64);
    }
    const std::vector<float> o = project(attention, linears[3].layer);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    const std::vector<float> h2 = normed(x, toFloat(norms.postAttentionNorm), eps);
    const std::vector<float> gate = project(h2, linears[4].layer), up = project(h2, linears[5].layer);
    std::vector<float> act;
    for (std::size_t i = 0; i < gate.size(); ++i)
        act.push_back(f16(gate[i] / (1.0 + std::exp(-double(gate[i]))) * up[i]));
    const std::vector<float> down = project(act, linears[6].layer);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += down[i];
    const std::vector<float> last = normed(x, toFloat(*weights->finalNorm()), eps);
    const std::vector<float> head = toFloat(*weights->lmHead());
    std::vector<float> expected;
    for (std::int64_t row = 0; row < arch.vocabSize; ++row) {
        double sum = 0;
        for (std::int64_t d = 0; d < 256; ++d) sum += double(last[std::size_t(d)]) * head[std::size_t(row * 256 + d)];
        expected.push_back(float(sum));
    }

    auto model = load(*weights, 1, 4);
    ASSERT_TRUE(model && model->setBatch(1).ok());
    auto out = model->prefill({token}, 1, true);
    ASSERT_TRUE(out.ok()) << out.error();
    expectUsefulLogits(expected);
    EXPECT_LE(maxDifference(out->logits, expected), 1e-4);
    EXPECT_EQ(out->tokens[0], std::int32_t(std::max_element(expected.begin(), expected.end()) - expected.begin()));
}

// --- RoPE ----------------------------------------------------------------------------------------

TEST(RopeFrequencies, PlainLinearAndLlama3) {
    ModelArchitecture arch = tinyArchitecture();
    arch.headDim = 128;
    arch.ropeTheta = 500000.0;
    const std::vector<double> plain = ropeInverseFrequencies(arch);
    ASSERT_EQ(plain.size(), 64u);
    EXPECT_EQ(plain[0], 1.0);
    EXPECT_NEAR(plain[32], 0.001414213562373095, 1e-15);  // 500000^(-1/2)

    arch.ropeScaling = {"linear", 4.0, 1.0, 4.0, 0};
    EXPECT_NEAR(ropeInverseFrequencies(arch)[32], 0.001414213562373095 / 4, 1e-15);

    // Llama 3.1's scaling (factor 8, low 1, high 4, original 8192): wavelengths under 2048 kept,
    // over 8192 divided by 8, between blended. Values computed by hand from the reference formula.
    arch.ropeScaling = {"llama3", 8.0, 1.0, 4.0, 8192};
    const std::vector<double> llama3 = ropeInverseFrequencies(arch);
    EXPECT_NEAR(llama3[20], 0.016560440080994446, 1e-15);   // wavelength 379: kept
    EXPECT_NEAR(llama3[32], 0.0005248461609929547, 1e-15);  // wavelength 4443: blended
    EXPECT_NEAR(llama3[40], 3.428102195952591e-05, 1e-17);  // wavelength 22911: divided by 8
}

TEST(RopeFrequencies, RotationAtPositionZeroIsTheIdentity) {
    const std::vector<double> invFreq = ropeInverseFrequencies(tinyArchitecture());
    std::vector<float> head(64);
    for (std::size_t i = 0; i < head.size(); ++i) head[i] = f16(std::sin(double(i) + 0.5));
    std::vector<float> rotated = head;
    applyRope(rotated.data(), 64, 0, invFreq);
    EXPECT_EQ(rotated, head);

    // Position 3 turns pair (0, 32) by 3 radians (inv_freq[0] = 1), rounded to fp16.
    std::vector<float> unit(64, 0.0f);
    unit[0] = 1.0f;
    applyRope(unit.data(), 64, 3, invFreq);
    EXPECT_EQ(unit[0], f16(std::cos(3.0)));
    EXPECT_EQ(unit[32], f16(std::sin(3.0)));
}

TEST(RopeFrequencies, DynamicScalingRefusesLongContexts) {
    ModelArchitecture arch = tinyArchitecture();
    arch.ropeScaling = {"dynamic", 2.0, 1.0, 4.0, 0};
    EXPECT_EQ(ropeInverseFrequencies(arch), ropeInverseFrequencies(tinyArchitecture()));
    EXPECT_TRUE(checkRopeContext(arch, 2048).ok());
    const Status longer = checkRopeContext(arch, 2049);
    ASSERT_FALSE(longer.ok());
    EXPECT_NE(longer.message.find("2049"), std::string::npos) << longer.message;
    EXPECT_NE(longer.message.find("max_position_embeddings=2048"), std::string::npos) << longer.message;
    EXPECT_TRUE(checkRopeContext(tinyArchitecture(), 100000).ok());  // only dynamic is bounded

    auto weights = randomWeights(arch);
    auto refused = loadCpuDecoder(*weights, {1, 4096, false});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().find("dynamic"), std::string::npos) << refused.error();
}

TEST(CpuDecoder, PositionsMatter) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights, 1);
    ASSERT_TRUE(model && model->setBatch(1).ok());
    auto forward = model->prefill(tokens({40, 41, 42}), 3, true);
    auto swapped = model->prefill(tokens({41, 40, 42}), 3, true);
    ASSERT_TRUE(forward.ok() && swapped.ok());
    EXPECT_GT(maxDifference(forward->logits, swapped->logits), 1e-3);
}

// --- greedy sampling, generation, profiles, memory ------------------------------------------------

TEST(CpuDecoder, GreedyTokenIsTheArgMax) {
    const std::vector<float> ties = {0.5f, 2.0f, -1.0f, 2.0f};
    EXPECT_EQ(argMax(ties.data(), 4), 1);

    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights);
    ASSERT_TRUE(model && model->setBatch(2).ok());
    auto out = model->prefill(tokens({1, 2, 3, 4, 5, 6}), 3, true);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->logits.size(), 1024u);
    for (std::size_t s = 0; s < 2; ++s) {
        const auto row = out->logits.begin() + std::ptrdiff_t(s * 512);
        EXPECT_EQ(out->tokens[s], std::int32_t(std::max_element(row, row + 512) - row));
    }
    auto step = model->decode(out->tokens, false);
    ASSERT_TRUE(step.ok());
    EXPECT_TRUE(step->logits.empty());
    EXPECT_EQ(step->tokens.size(), 2u);
}

TEST(CpuDecoder, GenerateIsPrefillThenGreedySteps) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights);
    ASSERT_TRUE(model && model->setBatch(2).ok());
    const auto prompt = tokens({7, 8, 9, 10, 11, 12});
    auto times = model->generate(prompt, 3, 4);
    ASSERT_TRUE(times.ok()) << times.error();
    EXPECT_GT(times->prefillSeconds, 0.0);
    ASSERT_EQ(times->stepSeconds.size(), 3u);
    for (double s : times->stepSeconds) EXPECT_GT(s, 0.0);

    std::vector<std::int32_t> expected(8);
    auto step = model->prefill(prompt, 3, false);
    for (std::int64_t t = 0; t < 4; ++t) {
        ASSERT_TRUE(step.ok());
        expected[std::size_t(t)] = step->tokens[0];
        expected[std::size_t(4 + t)] = step->tokens[1];
        if (t < 3) step = model->decode(step->tokens, false);
    }
    EXPECT_EQ(times->generated, expected);
}

TEST(CpuDecoder, ProfileNamesEveryComponent) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights);
    ASSERT_TRUE(model && model->setBatch(2).ok());
    std::vector<std::int32_t> prompt(20);
    for (std::size_t i = 0; i < prompt.size(); ++i) prompt[i] = std::int32_t(i * 13);
    auto profile = model->profileStep(prompt, 10);
    ASSERT_TRUE(profile.ok()) << profile.error();
    const std::vector<std::string> names = {"embedding", "qkv_proj", "attention", "o_proj",  "gate_up_proj", "mlp_act",
                                            "down_proj", "norms",    "residual",  "lm_head", "sampling"};
    ASSERT_EQ(profile->components.size(), names.size());
    double sum = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(profile->components[i].name, names[i]);
        EXPECT_GE(profile->components[i].seconds, 0.0);
        sum += profile->components[i].seconds;
    }
    EXPECT_DOUBLE_EQ(profile->stepSeconds, sum);
    EXPECT_GT(profile->components[1].seconds, 0.0);  // the projections do real work
    // The step ran at position 10: a decode continues from it.
    auto next = model->decode(tokens({1, 1}), false);
    EXPECT_TRUE(next.ok()) << next.error();
}

TEST(CpuDecoder, MemoryByPurpose) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights, 2, 32);
    ASSERT_TRUE(model);
    const std::int64_t linears = 4 * 2 * (256 * 256 + 2 * 256 * 128 + 256 * 256 + 2 * 256 * 512 + 512 * 256);
    const std::int64_t tables = 4 * (2 * 512 * 256 + 256 + 2 * 2 * 256);
    ModelMemory loaded = model->memory();
    EXPECT_EQ(loaded.quantWeights, linears);
    EXPECT_EQ(loaded.embeddings, tables);
    EXPECT_EQ(loaded.kvCache, 0);
    EXPECT_EQ(double(linears + tables), denseModelBytes(tinyArchitecture()));

    ASSERT_TRUE(model->setBatch(2).ok());
    const ModelMemory two = model->memory();
    EXPECT_EQ(two.kvCache, 2 /*k, v*/ * 2 /*blocks*/ * 2 /*batch*/ * 32 * 128 * 4);
    EXPECT_GT(two.activations, 0);
    EXPECT_EQ(model->peakBytes(), two.total());
    ASSERT_TRUE(model->setBatch(1).ok());
    EXPECT_EQ(model->memory().kvCache, two.kvCache / 2);
    EXPECT_LT(model->memory().total(), two.total());
    EXPECT_EQ(model->peakBytes(), two.total());
    EXPECT_GT(model->loadSeconds(), 0.0);
    EXPECT_FALSE(model->cudaGraph());
    EXPECT_FALSE(model->programmaticLaunch());
}

// --- validation ----------------------------------------------------------------------------------

void expectError(const std::string& error, const std::string& part) {
    EXPECT_NE(error.find(part), std::string::npos) << "'" << error << "' lacks '" << part << "'";
}

TEST(CpuDecoder, ValidationErrorsNameTheirField) {
    auto weights = randomWeights(tinyArchitecture());
    auto model = load(*weights, 2, 8);
    ASSERT_TRUE(model);
    expectError(model->prefill(tokens({1}), 1, false).error(), "setBatch");
    for (std::int64_t bad : {0, 3}) {
        const Status s = model->setBatch(bad);
        EXPECT_EQ(s.field, "batch");
        expectError(s.message, "batch=" + std::to_string(bad) + " is outside [1, max_batch=2]");
    }
    ASSERT_TRUE(model->setBatch(2).ok());
    expectError(model->decode(tokens({1, 2}), false).error(), "decode needs a prefill first");

    auto wrongSize = model->prefill(tokens({1, 2, 3}), 2, false);
    EXPECT_EQ(wrongSize.errorField(), "prompt");
    expectError(wrongSize.error(), "3 tokens, expected batch=2 x prompt=2 = 4");
    expectError(model->prefill({}, 0, false).error(), "prompt=0 must be from 1 to max_context=8");
    expectError(model->prefill(std::vector<std::int32_t>(18, 1), 9, false).error(),
                "prompt=9 must be from 1 to max_context=8");
    auto badToken = model->prefill(tokens({1, 2, 512, 4}), 2, false);
    EXPECT_EQ(badToken.errorField(), "prompt");
    expectError(badToken.error(), "token 512 at index 2 is outside [0, vocab_size=512)");
    expectError(model->prefill(tokens({-1, 2, 3, 4}), 2, false).error(), "token -1 at index 0");

    ASSERT_TRUE(model->prefill(std::vector<std::int32_t>(14, 3), 7, false).ok());
    expectError(model->decode(tokens({1}), false).error(), "expected one per sequence (batch=2)");
    expectError(model->decode(tokens({1, 600}), false).error(), "token 600 at index 1");
    ASSERT_TRUE(model->decode(tokens({1, 2}), false).ok());  // position 7, the last one
    auto full = model->decode(tokens({1, 2}), false);
    EXPECT_EQ(full.errorField(), "new_tokens");
    expectError(full.error(), "position 8 is past max_context=8");

    auto tooMany = model->generate(std::vector<std::int32_t>(10, 3), 5, 4);
    EXPECT_EQ(tooMany.errorField(), "new_tokens");
    expectError(tooMany.error(), "prompt=5 + new_tokens at most max_context=8");
    EXPECT_EQ(model->generate(std::vector<std::int32_t>(10, 3), 5, 0).errorField(), "new_tokens");
    EXPECT_TRUE(model->generate(std::vector<std::int32_t>(10, 3), 5, 3).ok());
    EXPECT_EQ(model->generate(std::vector<std::int32_t>(10, 3), 4, 2).errorField(), "prompt");
    EXPECT_EQ(model->profileStep(std::vector<std::int32_t>(16, 3), 8).errorField(), "context");
}

TEST(CpuDecoder, LoadRefusals) {
    auto weights = randomWeights(tinyArchitecture());
    auto tooLarge = loadCpuDecoder(*weights, {1, 8, false}, 1000);
    ASSERT_FALSE(tooLarge.ok());
    expectError(tooLarge.error(), "5772288 bytes as fp32");
    expectError(tooLarge.error(), "limit of 1000 bytes");
    EXPECT_EQ(loadCpuDecoder(*weights, {0, 8, false}).errorField(), "max_batch");
    EXPECT_EQ(loadCpuDecoder(*weights, {1, 0, false}).errorField(), "max_context");
    // The KV cache is held to the same limit as the weights.
    auto instance = loadCpuDecoder(*weights, {1, 1 << 20, false}, 64 << 20);
    ASSERT_TRUE(instance.ok()) << instance.error();
    expectError((*instance)->setBatch(1).message, "KV cache");
}

// --- checkpoints ---------------------------------------------------------------------------------

std::unique_ptr<ModelWeightSource> openWritten(const std::string& name, const std::string& args) {
    const auto dir = q4test::writeTestCheckpoint(name, args);
    EXPECT_FALSE(dir.empty()) << "make_test_checkpoint.py " << args;
    if (dir.empty()) return nullptr;
    auto weights = openCheckpointWeights(dir.string());
    EXPECT_TRUE(weights.ok()) << weights.error();
    return weights.ok() ? std::move(weights).value() : nullptr;
}

// Prefill of a fixed prompt on batch 2 and three decode steps; all logits.
std::vector<float> runFew(const ModelWeightSource& weights) {
    auto model = load(weights, 2, 16);
    if (!model || !model->setBatch(2).ok()) return {};
    auto step = model->prefill(tokens({1, 50, 99, 300, /**/ 7, 7, 250, 3}), 4, true);
    std::vector<float> all;
    for (int t = 0; step.ok() && t < 4; ++t) {
        all.insert(all.end(), step->logits.begin(), step->logits.end());
        for (std::int32_t token : step->tokens) EXPECT_TRUE(token >= 0 && token < 320) << token;
        if (t < 3) step = model->decode(step->tokens, true);
    }
    EXPECT_TRUE(step.ok()) << step.error();
    return all;
}

// One decoder layer keeps the (pure Python) writer quick.
TEST(CheckpointWeights, SeparateAndFusedGiveTheSameModel) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is not available";
    auto separate = openWritten("decoder_separate", "--layers 1 --seed 4");
    auto fused = openWritten("decoder_fused", "--layers 1 --seed 4 --fused-from-separate");
    ASSERT_TRUE(separate && fused);
    EXPECT_EQ(separate->architecture().vocabSize, 320);
    EXPECT_EQ(separate->architecture().ropeScaling.type, "llama3");
    EXPECT_EQ(separate->groupSize(), 128);
    EXPECT_FALSE(separate->actOrder());
    EXPECT_EQ(separate->blockLinears(0)->at(2).name, "v_proj");
    EXPECT_EQ(fused->blockLinears(0)->at(0).name, "qkv_proj");
    EXPECT_EQ(fused->blockLinears(0)->at(2).name, "gate_up_proj");
    EXPECT_FALSE(fused->blockLinears(1).ok());

    const std::vector<float> a = runFew(*separate), b = runFew(*fused);
    ASSERT_EQ(a.size(), 4u * 2 * 320);
    expectUsefulLogits(a);
    // The same weights, fused or not: the same logits (each column is summed in the same order).
    EXPECT_EQ(maxDifference(a, b), 0.0);
}

TEST(CheckpointWeights, FusedActOrderCheckpointRuns) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is not available";
    auto weights = openWritten("decoder_fused_act_order", "--layers 1 --fused --act-order --format v2 --asym");
    ASSERT_TRUE(weights);
    EXPECT_TRUE(weights->actOrder());
    EXPECT_EQ(weights->blockLinears(0)->at(0).name, "qkv_proj");
    expectUsefulLogits(runFew(*weights));
}

TEST(CheckpointWeights, ConvertsBf16AndF32Tensors) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is not available";
    auto bf16 = openWritten("decoder_bf16", "--layers 1 --seed 2 --group 32 --plain-dtype BF16");
    auto f32 = openWritten("decoder_f32", "--layers 1 --seed 2 --group 32 --plain-dtype F32 --shards 3");
    ASSERT_TRUE(bf16 && f32);
    EXPECT_EQ(bf16->groupSize(), 32);
    // The writer's values (norms 1, tables of +-2^-4 .. 2^-1) are exact in every float type.
    const std::set<float> table = {-0.5f, -0.25f, -0.125f, -0.0625f, 0.0625f, 0.125f, 0.25f, 0.5f};
    const std::vector<HalfBits> embedding = *bf16->embedding();
    for (HalfBits h : embedding) ASSERT_TRUE(table.count(halfToFloat(h))) << halfToFloat(h);
    const DecoderBlockNorms norms = *bf16->blockNorms(0);
    for (HalfBits h : norms.postAttentionNorm) ASSERT_EQ(halfToFloat(h), 1.0f);
    EXPECT_EQ(*bf16->embedding(), *f32->embedding());
    EXPECT_EQ(*bf16->lmHead(), *f32->lmHead());
    EXPECT_NE(*bf16->lmHead(), *bf16->embedding());
    EXPECT_EQ(*bf16->finalNorm(), *f32->finalNorm());
    EXPECT_EQ(runFew(*bf16), runFew(*f32));
}

TEST(CheckpointWeights, TiedEmbeddingsAndRefusals) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is not available";
    const auto dir = q4test::writeTestCheckpoint("decoder_tied", "--layers 1");
    ASSERT_FALSE(dir.empty());
    std::ifstream in(dir / "config.json");
    std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    const std::string untied = "\"tie_word_embeddings\": false";
    ASSERT_NE(config.find(untied), std::string::npos);
    config.replace(config.find(untied), untied.size(), "\"tie_word_embeddings\": true");
    std::ofstream(dir / "config.json") << config;
    auto tied = openCheckpointWeights(dir.string());
    ASSERT_TRUE(tied.ok()) << tied.error();
    EXPECT_EQ(*(*tied)->lmHead(), *(*tied)->embedding());
    EXPECT_EQ((*tied)->name(), dir.filename().string());

    // A table that does not fit the config is named with its rule.
    const std::string vocab = "\"vocab_size\": 320";
    ASSERT_NE(config.find(vocab), std::string::npos);
    config.replace(config.find(vocab), vocab.size(), "\"vocab_size\": 512");
    std::ofstream(dir / "config.json") << config;
    auto mismatch = openCheckpointWeights(dir.string());
    ASSERT_FALSE(mismatch.ok());
    EXPECT_NE(mismatch.error().find("tensor 'model.embed_tokens.weight': shape [320, 256], expected "
                                    "[vocab_size, hidden_size] = [512, 256]"),
              std::string::npos)
        << mismatch.error();

    const auto biased = q4test::writeTestCheckpoint("decoder_bias", "--layers 1 --bias");
    ASSERT_FALSE(biased.empty());
    auto refused = openCheckpointWeights(biased.string());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error(),
              "model.layers.0.self_attn.q_proj has a bias; the decoder runs Llama-family models without linear biases");
    EXPECT_FALSE(openCheckpointWeights("/nonexistent/q4bench").ok());
}

}  // namespace
}  // namespace q4
