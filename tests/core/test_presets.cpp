#include <gtest/gtest.h>

#include <string>

#include "sweep/presets.h"

namespace q4 {
namespace {

const PresetLayer* findLayer(const Preset& preset, const std::string& name) {
    for (const PresetLayer& layer : preset.layers) {
        if (layer.name == name) return &layer;
    }
    return nullptr;
}

void expectLayer(const std::string& presetName, const std::string& layerName, std::int64_t n, std::int64_t k) {
    auto preset = findPreset(presetName);
    ASSERT_TRUE(preset.ok()) << preset.error();
    const PresetLayer* layer = findLayer(*preset, layerName);
    ASSERT_NE(layer, nullptr) << presetName << " has no layer " << layerName;
    EXPECT_EQ(layer->n, n) << presetName << " " << layerName;
    EXPECT_EQ(layer->k, k) << presetName << " " << layerName;
}

TEST(Presets, BuiltinFileParses) {
    const std::vector<Preset>& presets = builtinPresets();
    EXPECT_FALSE(presets.empty());
    for (const Preset& preset : presets) {
        EXPECT_FALSE(preset.description.empty()) << preset.name;
        EXPECT_FALSE(preset.layers.empty()) << preset.name;
        // Every shipped shape must be usable with the common group sizes.
        for (const PresetLayer& layer : preset.layers) {
            EXPECT_EQ(layer.n % 128, 0) << preset.name << " " << layer.name;
            EXPECT_EQ(layer.k % 128, 0) << preset.name << " " << layer.name;
        }
    }
}

TEST(Presets, EveryNamedPresetIsShipped) {
    for (const char* name : {"original", "llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b",
                             "mistral-7b", "llama2-13b-fused"}) {
        EXPECT_TRUE(findPreset(name).ok()) << name;
    }
}

TEST(Presets, OriginalIsOneSquareLayerAtBatchOne) {
    auto preset = findPreset("original");
    ASSERT_TRUE(preset.ok());
    ASSERT_EQ(preset->layers.size(), 1u);
    EXPECT_EQ(preset->layers[0].name, "linear_8192");
    EXPECT_EQ(preset->layers[0].n, 8192);
    EXPECT_EQ(preset->layers[0].k, 8192);
    EXPECT_EQ(preset->m, std::vector<std::int64_t>{1});
}

TEST(Presets, ModelLayerShapes) {
    expectLayer("llama2-7b", "q_proj", 4096, 4096);
    expectLayer("llama2-7b", "gate_proj", 11008, 4096);
    expectLayer("llama2-7b", "down_proj", 4096, 11008);
    expectLayer("llama2-13b", "k_proj", 5120, 5120);
    expectLayer("llama2-13b", "down_proj", 5120, 13824);
    expectLayer("llama2-70b", "k_proj", 1024, 8192);
    expectLayer("llama2-70b", "v_proj", 1024, 8192);
    expectLayer("llama2-70b", "up_proj", 28672, 8192);
    expectLayer("llama3-8b", "k_proj", 1024, 4096);
    expectLayer("llama3-8b", "down_proj", 4096, 14336);
    expectLayer("llama3-70b", "v_proj", 1024, 8192);
    expectLayer("mistral-7b", "gate_proj", 14336, 4096);
    expectLayer("llama2-13b-fused", "qkv_proj", 15360, 5120);
    expectLayer("llama2-13b-fused", "gate_up_proj", 27648, 5120);
    expectLayer("llama2-13b-fused", "down_proj", 5120, 13824);
}

TEST(Presets, ModelPresetsHaveSevenLayersAndDecodeBatches) {
    for (const char* name : {"llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b", "mistral-7b"}) {
        auto preset = findPreset(name);
        ASSERT_TRUE(preset.ok()) << name;
        EXPECT_EQ(preset->layers.size(), 7u) << name;
        EXPECT_EQ(preset->m, (std::vector<std::int64_t>{1, 2, 4, 8, 16})) << name;
    }
    auto fused = findPreset("llama2-13b-fused");
    ASSERT_TRUE(fused.ok());
    EXPECT_EQ(fused->layers.size(), 4u);
    EXPECT_EQ(fused->m, std::vector<std::int64_t>{1});
}

TEST(Presets, UnknownPresetListsTheKnownOnes) {
    auto preset = findPreset("foo");
    ASSERT_FALSE(preset.ok());
    EXPECT_NE(preset.error().find("unknown preset 'foo'"), std::string::npos) << preset.error();
    EXPECT_NE(preset.error().find("original, llama2-7b"), std::string::npos) << preset.error();
}

TEST(Presets, ParsesAMinimalDocument) {
    auto presets = parsePresets(R"({"presets":[{"name":"tiny","layers":[{"name":"a","n":64,"k":128}]}]})");
    ASSERT_TRUE(presets.ok()) << presets.error();
    ASSERT_EQ(presets->size(), 1u);
    EXPECT_EQ((*presets)[0].name, "tiny");
    EXPECT_TRUE((*presets)[0].m.empty());
    EXPECT_TRUE((*presets)[0].description.empty());
    EXPECT_EQ((*presets)[0].layers[0].n, 64);
    EXPECT_EQ((*presets)[0].layers[0].k, 128);
}

// Each bad document must fail with a message that contains the given fragment.
void expectParseError(const std::string& json, const std::string& fragment) {
    auto presets = parsePresets(json);
    ASSERT_FALSE(presets.ok()) << json;
    EXPECT_NE(presets.error().find(fragment), std::string::npos) << presets.error();
}

TEST(Presets, ParseErrorsNameThePresetAndField) {
    expectParseError("{", "invalid JSON");
    expectParseError(R"({"models":[]})", "'presets' array");
    expectParseError(R"({"presets":[{"layers":[{"name":"a","n":8,"k":8}]}]})", "preset #1: 'name'");
    expectParseError(R"({"presets":[{"name":"x","layers":[]}]})", "preset 'x': 'layers' must be a non-empty array");
    expectParseError(R"({"presets":[{"name":"llama2-7b","layers":[{"name":"q_proj","n":0,"k":4096}]}]})",
                     "preset 'llama2-7b' layer 'q_proj': 'n' must be a positive integer");
    expectParseError(R"({"presets":[{"name":"x","layers":[{"name":"a","n":8,"k":"8"}]}]})",
                     "preset 'x' layer 'a': 'k' must be a positive integer");
    expectParseError(R"({"presets":[{"name":"x","layers":[{"name":"a","n":8.5,"k":8}]}]})", "'n' must be");
    expectParseError(R"({"presets":[{"name":"x","layers":[{"name":"a","k":8}]}]})", "'n' must be");
    expectParseError(R"({"presets":[{"name":"x","layers":[{"n":8,"k":8}]}]})", "preset 'x' layer #1: 'name'");
    expectParseError(R"({"presets":[{"name":"x","m":[1,0],"layers":[{"name":"a","n":8,"k":8}]}]})",
                     "preset 'x': 'm' must be");
    expectParseError(R"({"presets":[{"name":"x","description":3,"layers":[{"name":"a","n":8,"k":8}]}]})",
                     "preset 'x': 'description'");
    expectParseError(R"({"presets":[{"name":"x","layer":[]}]})", "preset 'x': unknown field 'layer'");
    expectParseError(R"({"presets":[{"name":"x","layers":[{"name":"a","n":8,"k":8},{"name":"a","n":8,"k":8}]}]})",
                     "duplicate layer name");
    expectParseError(R"({"presets":[{"name":"x","layers":[{"name":"a","n":8,"k":8}]},)"
                     R"({"name":"x","layers":[{"name":"a","n":8,"k":8}]}]})",
                     "preset 'x': duplicate preset name");
}

}  // namespace
}  // namespace q4
