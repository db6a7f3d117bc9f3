// Random weights with the packed words left to the device: the generated parts name exactly the
// words the host makes (so the GPU, hashing the same counters, loads the CPU's weights), fused
// layers keep each projection's part at its column offset, every other tensor is the host's, and
// the block check accepts such layers but refuses parts that do not tile n.
#include <gtest/gtest.h>

#include "model/block_linears.h"
#include "model/counter_hash.h"
#include "model/fuse_projections.h"
#include "model/model_weights.h"
#include "sweep/presets.h"

namespace q4 {
namespace {

// The qweight [k/8, n] the parts describe, made on the host.
std::vector<std::int32_t> expand(const DecoderLinear& linear) {
    const std::int64_t rows = linear.layer.k / 8, n = linear.layer.n;
    std::vector<std::int32_t> words(std::size_t(rows * n), 0);
    for (const GeneratedQweightPart& part : linear.generatedQweight)
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < part.columns; ++c)
                words[std::size_t(r * n + part.firstColumn + c)] =
                    std::int32_t(counterWord(part.key, std::uint64_t(r * part.columns + c)));
    return words;
}

ModelArchitecture oddArchitecture() {  // no power of two anywhere
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

void expectSameBlock(const std::vector<DecoderLinear>& host, const std::vector<DecoderLinear>& device) {
    ASSERT_EQ(host.size(), device.size());
    for (std::size_t i = 0; i < host.size(); ++i) {
        SCOPED_TRACE(host[i].name);
        EXPECT_EQ(device[i].name, host[i].name);
        EXPECT_TRUE(host[i].generatedQweight.empty());
        ASSERT_FALSE(device[i].generatedQweight.empty());
        EXPECT_TRUE(device[i].layer.qweight.empty());
        EXPECT_EQ(expand(device[i]), host[i].layer.qweight);
        EXPECT_EQ(device[i].layer.k, host[i].layer.k);
        EXPECT_EQ(device[i].layer.n, host[i].layer.n);
        EXPECT_EQ(device[i].layer.qzeros, host[i].layer.qzeros);
        EXPECT_EQ(device[i].layer.scales, host[i].layer.scales);
        EXPECT_EQ(device[i].layer.gIdx, host[i].layer.gIdx);
    }
}

TEST(GeneratedQweight, CounterWordsAreTheHostWords) {
    struct Case {
        ModelArchitecture arch;
        RandomWeightOptions options;
    };
    const std::vector<Case> cases = {
        {presetArchitecture("tiny-llama").value(), {128, false, 5}},
        {presetArchitecture("tiny-llama").value(), {32, true, 77}},
        {oddArchitecture(), {8, true, 3}},
        {oddArchitecture(), {-1, false, 11}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE("hidden " + std::to_string(c.arch.hiddenSize) + ", group " + std::to_string(c.options.groupSize));
        auto weights = makeRandomWeights(c.arch, "generated", c.options);
        ASSERT_TRUE(weights) << weights.error();
        EXPECT_TRUE((*weights)->generatesQweightOnDevice());
        for (std::int64_t b = 0; b < c.arch.layers; ++b) {
            auto host = (*weights)->blockLinears(b);
            auto device = (*weights)->blockLinearsWithoutQweight(b);
            ASSERT_TRUE(host && device);
            EXPECT_TRUE(checkBlockLinears(c.arch, b, *device)) << checkBlockLinears(c.arch, b, *device).message;
            expectSameBlock(*host, *device);
            // Fused layers: each projection's part at its column offset gives the fused host words.
            const auto fusedHost = fuseProjections(*host);
            const auto fusedDevice = fuseProjections(*device);
            EXPECT_TRUE(checkBlockLinears(c.arch, b, fusedDevice)) << checkBlockLinears(c.arch, b, fusedDevice).message;
            expectSameBlock(fusedHost, fusedDevice);
            if (!c.options.actOrder) {
                ASSERT_EQ(fusedDevice.size(), 4u);
                EXPECT_EQ(fusedDevice[0].generatedQweight.size(), 3u);  // q | k | v
                EXPECT_EQ(fusedDevice[2].generatedQweight.size(), 2u);  // gate | up
            }
        }
    }
}

TEST(GeneratedQweight, TwoWordsPerHashLowHalfFirst) {
    const std::uint64_t key = counterStreamKey(1234, 3, 16);
    for (std::uint64_t i = 0; i < 64; i += 2) {
        const std::uint64_t h = counterAt(key, i / 2);
        EXPECT_EQ(counterWord(key, i), std::uint32_t(h));
        EXPECT_EQ(counterWord(key, i + 1), std::uint32_t(h >> 32));
    }
    // splitmix64's published first output for state 0 (the generator adds the constant first).
    EXPECT_EQ(counterAt(0, 0), 0xE220A8397B1DCDAFull);
    static_assert(counterMix(0) == 0, "the output function maps 0 to 0");
}

TEST(GeneratedQweight, PartsThatDoNotTileNAreRefused) {
    const ModelArchitecture arch = presetArchitecture("tiny-llama").value();
    auto weights = makeRandomWeights(arch, "generated", {128, false, 5});
    ASSERT_TRUE(weights);
    auto linears = (*weights)->blockLinearsWithoutQweight(0).value();
    linears[1].generatedQweight[0].columns -= 8;
    const Status s = checkBlockLinears(arch, 0, linears);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message.find("k_proj: generated qweight parts cover"), std::string::npos) << s.message;

    // Host words are still required of a layer without parts.
    linears = (*weights)->blockLinearsWithoutQweight(0).value();
    linears[2].generatedQweight.clear();
    const Status missing = checkBlockLinears(arch, 0, linears);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.message.find("v_proj: qweight has 0 values"), std::string::npos) << missing.message;
}

}  // namespace
}  // namespace q4
