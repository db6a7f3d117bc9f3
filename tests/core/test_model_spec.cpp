// The model view's settings: one reader for flags, files and the workbench, errors naming the field.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "model/model_spec.h"
#include "sweep/presets.h"

namespace {

q4::ModelSpec presetSpec() {
    q4::ModelSpec spec;
    spec.preset = "tiny-llama";
    return spec;
}

TEST(ModelSpec, EveryFieldReadsBackWhatItWrites) {
    q4::ModelSpec spec = presetSpec();
    for (const auto& [key, text] : std::vector<std::pair<std::string, std::string>>{
             {"batch", "1,2,4,8,16"}, {"prompt", "512"}, {"new_tokens", "64"}, {"kernels", "best_int4,cublas_fp16"},
             {"group_size", "-1"}, {"act_order", "yes"}, {"seed", "77"}, {"cuda_graph", "no"},
             {"timing.warmup", "2"}, {"timing.min_generations", "3"}, {"timing.max_noise", "0.05"}}) {
        ASSERT_TRUE(q4::setModelSpecField(spec, key, text)) << key;
        EXPECT_EQ(q4::modelSpecFieldText(spec, key), text) << key;
    }
    EXPECT_EQ(spec.batches, (std::vector<std::int64_t>{1, 2, 4, 8, 16}));
    EXPECT_FALSE(spec.cudaGraph);
    EXPECT_TRUE(spec.actOrder);
}

TEST(ModelSpec, BadValuesNameTheFieldAndLeaveTheSpecAlone) {
    q4::ModelSpec spec = presetSpec();
    const struct {
        const char* key;
        const char* text;
        const char* says;
    } cases[] = {
        {"batch", "0", "batch"},           {"batch", "2000", "from 1 to 1024"}, {"prompt", "x", "prompt"},
        {"prompt", "0", "from 1"},         {"new_tokens", "-3", "new_tokens"},  {"kernels", " , ", "empty"},
        {"group_size", "100", "group"},    {"group_size", "32,64", "one group size"},
        {"act_order", "both", "yes or no"}, {"preset", "original", "no model architecture"},
        {"preset", "gpt-5", "unknown preset"}, {"timing.max_noise", "nan", "timing.max_noise"},
    };
    for (const auto& c : cases) {
        const q4::ModelSpec before = spec;
        const q4::Status s = q4::setModelSpecField(spec, c.key, c.text);
        ASSERT_FALSE(s) << c.key << "=" << c.text;
        EXPECT_NE(s.message.find(c.says), std::string::npos) << s.message;
        EXPECT_EQ(s.field, c.key);
        EXPECT_EQ(spec.batches, before.batches);
        EXPECT_EQ(spec.preset, before.preset);
    }
    EXPECT_FALSE(q4::setModelSpecField(spec, "batch_size", "1"));
}

TEST(ModelSpec, ExactlyOneModel) {
    q4::ModelSpec none;
    EXPECT_FALSE(q4::validateModelSpec(none));
    q4::ModelSpec both = presetSpec();
    both.checkpoint = "/tmp/x";
    EXPECT_FALSE(q4::validateModelSpec(both));
    EXPECT_TRUE(q4::validateModelSpec(presetSpec()));
}

TEST(ModelSpec, JsonRoundTripAndUnknownKeys) {
    q4::ModelSpec spec = presetSpec();
    ASSERT_TRUE(q4::setModelSpecField(spec, "batch", "1,3"));
    ASSERT_TRUE(q4::setModelSpecField(spec, "act_order", "yes"));
    auto back = q4::modelSpecFromJson(q4::modelSpecToJson(spec));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->batches, spec.batches);
    EXPECT_EQ(back->preset, "tiny-llama");
    EXPECT_TRUE(back->actOrder);
    // Lists and numbers as JSON types read the same as text.
    auto typed = q4::modelSpecFromJson(R"({"preset": "llama2-13b", "batch": [1, 2, 16], "prompt": 512, "cuda_graph": false})");
    ASSERT_TRUE(typed) << typed.error();
    EXPECT_EQ(typed->batches, (std::vector<std::int64_t>{1, 2, 16}));
    EXPECT_FALSE(typed->cudaGraph);
    auto unknown = q4::modelSpecFromJson(R"({"preset": "llama2-13b", "batches": [1]})");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("batches"), std::string::npos);
    EXPECT_FALSE(q4::modelSpecFromJson("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"));
    EXPECT_FALSE(q4::modelSpecFromJson(R"({"preset": {"a": 1}})"));
}

// The presets' layer shapes and their architectures are two statements of one model: they must agree.
TEST(ModelPresets, LayerShapesFollowFromTheArchitecture) {
    const auto names = q4::modelPresetNames();
    for (const char* expected : {"llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b", "mistral-7b", "tiny-llama"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    for (const std::string& name : names) {
        auto preset = q4::findPreset(name);
        ASSERT_TRUE(preset);
        const q4::ModelArchitecture& a = *preset->architecture;
        const std::int64_t q = a.heads * a.headDim, kv = a.kvHeads * a.headDim;
        const std::map<std::string, std::pair<std::int64_t, std::int64_t>> expected = {
            {"q_proj", {q, a.hiddenSize}},     {"k_proj", {kv, a.hiddenSize}},
            {"v_proj", {kv, a.hiddenSize}},    {"o_proj", {a.hiddenSize, q}},
            {"gate_proj", {a.intermediateSize, a.hiddenSize}}, {"up_proj", {a.intermediateSize, a.hiddenSize}},
            {"down_proj", {a.hiddenSize, a.intermediateSize}}};
        ASSERT_EQ(preset->layers.size(), expected.size()) << name;
        for (const q4::PresetLayer& layer : preset->layers) {
            ASSERT_TRUE(expected.count(layer.name)) << name << " " << layer.name;
            EXPECT_EQ(layer.n, expected.at(layer.name).first) << name << " " << layer.name;
            EXPECT_EQ(layer.k, expected.at(layer.name).second) << name << " " << layer.name;
        }
    }
    EXPECT_FALSE(q4::presetArchitecture("original"));
    EXPECT_EQ(q4::presetArchitecture("llama3-8b")->ropeTheta, 500000.0);
    EXPECT_EQ(q4::presetArchitecture("llama2-70b")->kvHeads, 8);
}

}  // namespace
