// Random weights' packed words generated on the device: the same bits as the host generator for
// every layer of a block, separate and fused, on a tiny Llama and on an architecture with no power
// of two in it; parts of odd widths land at their columns and nowhere else; and a model loaded
// through the device path gives the same logits, to the bit, as one loaded from host words.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/cuda_backend.h"
#include "decoder/generated_weights.h"
#include "gpu_test_support.h"
#include "model/counter_hash.h"
#include "model/fuse_projections.h"
#include "model/model_weights.h"
#include "sweep/presets.h"

namespace q4 {
namespace {

constexpr std::uint32_t kPoisonWord = 0xABABABABu;  // cudaMemset's byte 0xAB: a word never written

ModelArchitecture oddArchitecture() {
    ModelArchitecture arch;
    arch.modelType = "llama";
    arch.hiddenSize = 200;
    arch.layers = 2;
    arch.heads = 5;
    arch.kvHeads = 1;
    arch.headDim = 40;
    arch.intermediateSize = 344;
    arch.vocabSize = 96;
    arch.maxPositions = 64;
    return arch;
}

// The words the device writes for parts over a [k/8, n] qweight, with `guard` words after it that
// must stay untouched.
std::vector<std::uint32_t> generateOnDevice(const std::vector<GeneratedQweightPart>& parts, std::int64_t k,
                                            std::int64_t n, std::int64_t guard = 0) {
    const std::size_t words = std::size_t(k / 8 * n + guard);
    void* buffer = nullptr;
    EXPECT_EQ(cudaMalloc(&buffer, words * 4), cudaSuccess);
    EXPECT_EQ(cudaMemset(buffer, 0xAB, words * 4), cudaSuccess);
    const Status launched = launchGenerateQweight(parts, k, n, buffer, nullptr);
    EXPECT_TRUE(launched) << launched.message;
    std::vector<std::uint32_t> out(words);
    EXPECT_EQ(cudaMemcpy(out.data(), buffer, words * 4, cudaMemcpyDeviceToHost), cudaSuccess);
    cudaFree(buffer);
    return out;
}

void expectHostWords(const std::vector<DecoderLinear>& host, const std::vector<DecoderLinear>& device) {
    ASSERT_EQ(host.size(), device.size());
    for (std::size_t i = 0; i < host.size(); ++i) {
        SCOPED_TRACE(host[i].name);
        ASSERT_TRUE(device[i].layer.qweight.empty());
        const std::vector<std::uint32_t> words = generateOnDevice(device[i].generatedQweight, device[i].layer.k,
                                                                  device[i].layer.n);
        const std::vector<std::int32_t>& want = host[i].layer.qweight;
        ASSERT_EQ(words.size(), want.size());
        std::size_t wrong = 0, first = words.size();
        for (std::size_t w = 0; w < words.size(); ++w)
            if (words[w] != std::uint32_t(want[w])) {
                ++wrong;
                first = std::min(first, w);
            }
        EXPECT_EQ(wrong, 0u) << "first at word " << first << " of " << words.size();
    }
}

TEST(GeneratedWeights, DeviceWordsAreTheHostWords) {
    Q4_REQUIRE_GPU();
    struct Case {
        ModelArchitecture arch;
        RandomWeightOptions options;
    };
    const std::vector<Case> cases = {
        {presetArchitecture("tiny-llama").value(), {128, false, 1234}},
        {presetArchitecture("tiny-llama").value(), {32, true, 9}},
        {oddArchitecture(), {8, false, 5}},
        {oddArchitecture(), {-1, true, 6}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE("hidden " + std::to_string(c.arch.hiddenSize) + ", group " + std::to_string(c.options.groupSize));
        auto weights = makeRandomWeights(c.arch, "generated", c.options);
        ASSERT_TRUE(weights) << weights.error();
        for (std::int64_t b = 0; b < c.arch.layers; ++b) {
            SCOPED_TRACE("block " + std::to_string(b));
            const auto host = (*weights)->blockLinears(b).value();
            const auto device = (*weights)->blockLinearsWithoutQweight(b).value();
            expectHostWords(host, device);
            expectHostWords(fuseProjections(host), fuseProjections(device));
        }
    }
}

TEST(GeneratedWeights, OddPartsLandAtTheirColumnsAndNowhereElse) {
    Q4_REQUIRE_GPU();
    const std::int64_t k = 40, n = 37, guard = 64;  // 5 packed rows
    const std::vector<GeneratedQweightPart> parts = {
        {counterStreamKey(7, 0, 16), 0, 5}, {counterStreamKey(7, 0, 20), 5, 31}, {counterStreamKey(7, 1, 16), 36, 1}};
    const std::vector<std::uint32_t> words = generateOnDevice(parts, k, n, guard);
    for (const GeneratedQweightPart& part : parts)
        for (std::int64_t r = 0; r < k / 8; ++r)
            for (std::int64_t c = 0; c < part.columns; ++c)
                ASSERT_EQ(words[std::size_t(r * n + part.firstColumn + c)],
                          counterWord(part.key, std::uint64_t(r * part.columns + c)))
                    << "row " << r << ", column " << part.firstColumn + c;
    for (std::int64_t g = 0; g < guard; ++g) ASSERT_EQ(words[std::size_t(k / 8 * n + g)], kPoisonWord) << "guard " << g;
}

TEST(GeneratedWeights, PartsThatDoNotTileNAreRefused) {
    const std::vector<GeneratedQweightPart> gap = {{1, 0, 8}, {2, 16, 8}};
    EXPECT_FALSE(launchGenerateQweight(gap, 64, 24, nullptr, nullptr));
    const std::vector<GeneratedQweightPart> overflow = {{1, 0, 16}, {2, 16, 16}};
    EXPECT_FALSE(launchGenerateQweight(overflow, 64, 24, nullptr, nullptr));
    EXPECT_FALSE(launchGenerateQweight({}, 64, 24, nullptr, nullptr));
}

// The random weights with every tensor on the host: the decoder's host load path.
class HostWordsOnly final : public ModelWeightSource {
public:
    explicit HostWordsOnly(const ModelWeightSource& inner) : inner_(inner) {}
    const ModelArchitecture& architecture() const override { return inner_.architecture(); }
    std::string name() const override { return inner_.name(); }
    int groupSize() const override { return inner_.groupSize(); }
    bool actOrder() const override { return inner_.actOrder(); }
    Expected<std::vector<HalfBits>> embedding() const override { return inner_.embedding(); }
    Expected<std::vector<HalfBits>> lmHead() const override { return inner_.lmHead(); }
    Expected<std::vector<HalfBits>> finalNorm() const override { return inner_.finalNorm(); }
    Expected<DecoderBlockNorms> blockNorms(std::int64_t block) const override { return inner_.blockNorms(block); }
    Expected<std::vector<DecoderLinear>> blockLinears(std::int64_t block) const override {
        return inner_.blockLinears(block);
    }

private:
    const ModelWeightSource& inner_;
};

// Kernels whose results are deterministic, so the same weights give the same bits.
class GeneratedWeightsDecoder : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratedWeightsDecoder, LoadsTheSameModelAsHostWords) {
    Q4_REQUIRE_GPU();
    const std::string& kernelId = GetParam();
    for (bool actOrder : {false, true}) {
        SCOPED_TRACE(actOrder ? "act-order" : "natural order");
        auto weights = makeRandomWeights(presetArchitecture("tiny-llama").value(), "tiny", {128, actOrder, 31});
        ASSERT_TRUE(weights) << weights.error();
        ASSERT_TRUE((*weights)->generatesQweightOnDevice());
        const HostWordsOnly hostWords(**weights);
        ASSERT_FALSE(hostWords.generatesQweightOnDevice());

        auto backend = makeCudaBackend(0);
        ASSERT_TRUE(backend) << backend.error();
        ModelLoadOptions options;
        options.maxBatch = 2;
        options.maxContext = 12;
        auto device = (*backend)->loadModel(**weights, kernelId, options);
        ASSERT_TRUE(device) << device.error();
        auto host = (*backend)->loadModel(hostWords, kernelId, options);
        ASSERT_TRUE(host) << host.error();
        const ModelMemory deviceMemory = (*device)->memory(), hostMemory = (*host)->memory();
        EXPECT_EQ(deviceMemory.quantWeights, hostMemory.quantWeights);
        EXPECT_EQ(deviceMemory.workspace, hostMemory.workspace);  // the staging buffer is gone after load

        const std::vector<std::int32_t> prompt = {5, 77, 300, 2, 9, 511, 64, 1, 1, 420};  // 2 x 5
        std::vector<StepOutput> outputs[2];
        ModelInstance* models[2] = {device->get(), host->get()};
        for (int i = 0; i < 2; ++i) {
            ASSERT_TRUE(models[i]->setBatch(2));
            auto step = models[i]->prefill(prompt, 5, true);
            for (int s = 0; step && s < 3; ++s) {
                outputs[i].push_back(*step);
                step = models[i]->decode(outputs[0][std::size_t(s)].tokens, true);  // the same inputs for both
            }
            ASSERT_TRUE(step) << step.error();
        }
        for (std::size_t s = 0; s < outputs[0].size(); ++s) {
            ASSERT_EQ(outputs[0][s].logits.size(), outputs[1][s].logits.size());
            EXPECT_EQ(0, std::memcmp(outputs[0][s].logits.data(), outputs[1][s].logits.data(),
                                     outputs[0][s].logits.size() * sizeof(float)))
                << "step " << s;
            EXPECT_EQ(outputs[0][s].tokens, outputs[1][s].tokens) << "step " << s;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Kernels, GeneratedWeightsDecoder,
                         ::testing::Values(std::string("best_int4"), std::string("tc_int4"),
                                           std::string("cublas_fp16")),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace q4
