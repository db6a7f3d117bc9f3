// config.json and quantize_config readers, and whole checkpoints written by
// scripts/make_test_checkpoint.py (an independent writer): the layer list, the architecture, and
// dequantized weights bit for bit against the writer's own; then every case of its malformed corpus.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "model/architecture.h"

namespace q4 {
namespace {

namespace fs = std::filesystem;

// --- config.json -------------------------------------------------------------------------------

const char* kLlamaConfig = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
  "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
  "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
  "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"}
})";

void expectArchError(const std::string& json, const std::string& part) {
    auto arch = architectureFromJson(json, "config.json");
    ASSERT_FALSE(arch.ok()) << "accepted; expected: " << part;
    EXPECT_EQ(arch.error().rfind("config.json: ", 0), 0u) << arch.error();
    EXPECT_NE(arch.error().find(part), std::string::npos) << arch.error();
}

TEST(CheckpointArchitecture, ReadsLlamaConfig) {
    auto arch = architectureFromJson(kLlamaConfig, "config.json");
    ASSERT_TRUE(arch.ok()) << arch.error();
    EXPECT_EQ(arch->modelType, "llama");
    EXPECT_EQ(arch->hiddenSize, 4096);
    EXPECT_EQ(arch->layers, 32);
    EXPECT_EQ(arch->heads, 32);
    EXPECT_EQ(arch->kvHeads, 8);
    EXPECT_EQ(arch->headDim, 128);  // hidden / heads when absent
    EXPECT_EQ(arch->intermediateSize, 14336);
    EXPECT_EQ(arch->vocabSize, 128256);
    EXPECT_EQ(arch->maxPositions, 131072);
    EXPECT_EQ(arch->rmsNormEps, 1e-05);
    EXPECT_EQ(arch->ropeTheta, 500000.0);
    EXPECT_EQ(arch->ropeScaling.type, "llama3");
    EXPECT_EQ(arch->ropeScaling.factor, 8.0);
    EXPECT_EQ(arch->ropeScaling.lowFreqFactor, 1.0);
    EXPECT_EQ(arch->ropeScaling.highFreqFactor, 4.0);
    EXPECT_EQ(arch->ropeScaling.originalMaxPositions, 8192);
    EXPECT_FALSE(arch->tiedEmbeddings);
}

TEST(CheckpointArchitecture, DefaultsForAbsentKeys) {
    auto arch = architectureFromJson(R"({"hidden_size": 512, "num_hidden_layers": 2, "num_attention_heads": 8,
        "intermediate_size": 1024, "vocab_size": 1000, "num_key_value_heads": null, "rope_scaling": null,
        "tie_word_embeddings": true, "some_future_key": {"deep": [1, 2]}})",
                                     "config.json");
    ASSERT_TRUE(arch.ok()) << arch.error();
    EXPECT_EQ(arch->kvHeads, 8);
    EXPECT_EQ(arch->headDim, 64);
    EXPECT_EQ(arch->maxPositions, 0);
    EXPECT_EQ(arch->ropeScaling.type, "none");
    EXPECT_EQ(arch->rmsNormEps, 1e-6);
    EXPECT_EQ(arch->ropeTheta, 10000.0);
    EXPECT_TRUE(arch->tiedEmbeddings);
}

TEST(CheckpointArchitecture, ExplicitHeadDimAndOlderRopeKeys) {
    // Mistral-Nemo style: head_dim x heads differs from hidden.
    auto arch = architectureFromJson(R"({"hidden_size": 5120, "num_hidden_layers": 40, "num_attention_heads": 32,
        "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 14336, "vocab_size": 131072,
        "rope_scaling": {"type": "linear", "factor": 2}})",
                                     "config.json");
    ASSERT_TRUE(arch.ok()) << arch.error();
    EXPECT_EQ(arch->headDim, 128);
    EXPECT_EQ(arch->ropeScaling.type, "linear");
    EXPECT_EQ(arch->ropeScaling.factor, 2.0);

    auto plain = architectureFromJson(R"({"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
        "intermediate_size": 128, "vocab_size": 10, "rope_scaling": {"rope_type": "default"}})",
                                      "config.json");
    ASSERT_TRUE(plain.ok()) << plain.error();
    EXPECT_EQ(plain->ropeScaling.type, "none");
}

TEST(CheckpointArchitecture, WrongTypesNameTheFileAndKey) {
    expectArchError(R"({"hidden_size": "4096"})", "missing 'num_hidden_layers'");
    std::string config = kLlamaConfig;
    auto with = [&](const std::string& from, const std::string& to) {
        std::string text = config;
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return text.replace(at, from.size(), to);
    };
    expectArchError(with("\"hidden_size\": 4096", "\"hidden_size\": \"4096\""), "'hidden_size' must be an integer");
    expectArchError(with("\"hidden_size\": 4096", "\"hidden_size\": 4096.5"), "'hidden_size' must be an integer");
    expectArchError(with("\"vocab_size\": 128256", "\"vocab_size\": 18446744073709551615"),
                    "'vocab_size' must be an integer");
    expectArchError(with("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": \"small\""), "'rms_norm_eps' must be a number");
    expectArchError(with("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": 0"),
                    "'tie_word_embeddings' must be true or false");
    expectArchError(with("\"model_type\": \"llama\"", "\"model_type\": 7"), "'model_type' must be a string");
    expectArchError(with("\"factor\": 8.0", "\"factor\": \"8\""), "'rope_scaling.factor' must be a number");
    expectArchError(with("\"rope_type\": \"llama3\"", "\"rope_type\": 3"), "'rope_scaling.rope_type' must be a string");
    expectArchError(with("\"rope_scaling\": {", "\"rope_scaling\": 1, \"x\": {"),
                    "'rope_scaling' must be an object or null");
    expectArchError(R"([1, 2])", "expected a JSON object");
    expectArchError(R"({"hidden_size": )", "invalid JSON");
    expectArchError(std::string(100, '[') + std::string(100, ']'), "nested deeper than");
}

TEST(CheckpointArchitecture, ShapeRules) {
    const std::string base = R"({"num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 10, )";
    expectArchError(base + R"("hidden_size": 0, "num_attention_heads": 2})", "hidden_size=0 must be from 1 to");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 3})",
                    "hidden_size=64 is not a multiple of num_attention_heads=3");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 3})",
                    "num_attention_heads=4 is not a multiple of num_key_value_heads=3");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 4, "head_dim": 15})",
                    "head_dim=15 is odd");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 4, "rms_norm_eps": -1})",
                    "rms_norm_eps=-1 must be a positive number");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 4, "max_position_embeddings": -1})",
                    "max_position_embeddings=-1 must be from 0 to");
    expectArchError(base + R"("hidden_size": 4294967296, "num_attention_heads": 4})", "hidden_size=4294967296");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 4,
        "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 1,
                         "original_max_position_embeddings": 8192}})",
                    "rope_scaling.high_freq_factor must be above rope_scaling.low_freq_factor");
    expectArchError(base + R"("hidden_size": 64, "num_attention_heads": 4, "rope_scaling": {"factor": 2}})",
                    "'rope_scaling' needs 'rope_type' or 'type'");

    ModelArchitecture arch;
    EXPECT_NE(validateArchitecture(arch).message.find("hidden_size=0"), std::string::npos);
}

TEST(CheckpointArchitecture, JsonRoundTripIsExact) {
    auto arch = architectureFromJson(kLlamaConfig, "config.json");
    ASSERT_TRUE(arch.ok()) << arch.error();
    ModelArchitecture changed = *arch;
    changed.rmsNormEps = 1.0 / 3.0 * 1e-5;  // no short decimal form
    changed.tiedEmbeddings = true;
    auto again = architectureFromJson(architectureToJson(changed), "again");
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(architectureToJson(*again), architectureToJson(changed));
    EXPECT_EQ(again->rmsNormEps, changed.rmsNormEps);
    EXPECT_EQ(again->ropeScaling.originalMaxPositions, 8192);

    changed.ropeScaling = RopeScaling{};
    auto none = architectureFromJson(architectureToJson(changed), "again");
    ASSERT_TRUE(none.ok()) << none.error();
    EXPECT_EQ(none->ropeScaling.type, "none");
}

// --- quantize_config ---------------------------------------------------------------------------

void expectQuantError(const std::string& json, const std::string& message) {
    auto quant = quantizationFromJson(json, "quantize_config.json");
    ASSERT_FALSE(quant.ok()) << "accepted; expected: " << message;
    EXPECT_NE(quant.error().find(message), std::string::npos) << quant.error();
    EXPECT_EQ(quant.error().rfind("quantize_config.json: ", 0), 0u) << quant.error();
}

TEST(CheckpointQuantizationConfig, ReadsGptqSettings) {
    auto quant = quantizationFromJson(R"({"bits": 4, "group_size": 128, "desc_act": true, "sym": false,
        "checkpoint_format": "gptq", "quant_method": "gptq", "damp_percent": 0.01})",
                                      "quantize_config.json");
    ASSERT_TRUE(quant.ok()) << quant.error();
    EXPECT_EQ(quant->bits, 4);
    EXPECT_EQ(quant->groupSize, 128);
    EXPECT_TRUE(quant->descAct);
    EXPECT_FALSE(quant->symmetric);
    EXPECT_EQ(quant->zeroFormat, ZeroFormat::V1);

    auto v2 = quantizationFromJson(R"({"bits": 4, "group_size": -1, "format": "gptq_v2"})", "q");
    ASSERT_TRUE(v2.ok()) << v2.error();
    EXPECT_EQ(v2->groupSize, -1);
    EXPECT_EQ(v2->zeroFormat, ZeroFormat::V2);
    EXPECT_TRUE(v2->symmetric);

    auto plain = quantizationFromJson(R"({"bits": 4, "group_size": 32})", "q");
    ASSERT_TRUE(plain.ok()) << plain.error();
    EXPECT_EQ(plain->zeroFormat, ZeroFormat::V1);  // "gptq" when no format is given
}

TEST(CheckpointQuantizationConfig, RefusesWhatItCannotRead) {
    expectQuantError(R"({"bits": 3, "group_size": 128})", "bits=3: only 4-bit checkpoints are supported");
    expectQuantError(R"({"bits": 8, "group_size": 128})", "bits=8: only 4-bit checkpoints are supported");
    expectQuantError(R"({"group_size": 128})", "missing 'bits'");
    expectQuantError(R"({"bits": 4, "group_size": 100})", "group size 100 is not a multiple of 8");
    expectQuantError(R"({"bits": 4, "group_size": 0})", "group size 0 is invalid");
    expectQuantError(R"({"bits": 4, "group_size": 128, "checkpoint_format": "awq"})",
                     "checkpoint_format 'awq' is a kernel layout Q4Bench does not read; convert to gptq");
    expectQuantError(R"({"bits": 4, "group_size": 128, "checkpoint_format": "marlin"})",
                     "checkpoint_format 'marlin' is a kernel layout");
    expectQuantError(R"({"bits": 4, "group_size": 128, "format": "bitblas"})", "format 'bitblas' is a kernel layout");
    expectQuantError(R"({"bits": 4, "group_size": 128, "is_marlin_format": true})", "'marlin' is a kernel layout");
    expectQuantError(R"({"bits": 4, "group_size": 128, "checkpoint_format": "gguf"})",
                     "checkpoint_format 'gguf' is not a format Q4Bench reads");
    expectQuantError(R"({"bits": 4, "group_size": 128, "quant_method": "awq"})", "quant_method 'awq' is not gptq");
    expectQuantError(R"({"bits": "4", "group_size": 128})", "'bits' must be an integer");
    expectQuantError(R"({"bits": 4, "group_size": 128, "sym": "yes"})", "'sym' must be true or false");
    expectQuantError(R"({"bits": 4, "group_size": 4294967296})", "'group_size' must be a 32-bit integer");
}

// --- checkpoints written by the script -----------------------------------------------------------

bool havePython() {
    // The writer needs random.randbytes (3.9).
    return std::system("python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' >/dev/null 2>&1") == 0;
}

std::string scratchDir(const std::string& name) {
    const std::string dir = ::testing::TempDir() + "q4_ckpt_" + std::to_string(::getpid()) + "_" + name;
    fs::remove_all(dir);
    return dir;
}

// Runs the writer; the error holds its output when it fails.
Status runWriter(const std::string& args, const std::string& log) {
    const std::string command = "python3 '" Q4BENCH_SOURCE_DIR "/scripts/make_test_checkpoint.py' " + args + " >'" +
                                log + "' 2>&1";
    if (std::system(command.c_str()) == 0) return Status::success();
    std::ifstream in(log);
    return Status::failure("failed: " + command + "\n" + std::string(std::istreambuf_iterator<char>(in), {}));
}

struct DenseLayer {
    std::int64_t k = 0, n = 0;
    std::vector<float> w;
};

// The writer's --dense-out file (format in the script's header).
std::map<std::string, DenseLayer> readDense(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    auto read = [&](void* out, std::size_t bytes) { in.read(static_cast<char*>(out), std::streamsize(bytes)); };
    char magic[8] = {};
    read(magic, 8);
    EXPECT_EQ(std::string(magic, 8), "Q4DENSE1");
    std::uint32_t count = 0;
    read(&count, 4);
    std::map<std::string, DenseLayer> layers;
    for (std::uint32_t i = 0; i < count && in; ++i) {
        std::uint32_t length = 0;
        read(&length, 4);
        std::string name(length, '\0');
        read(name.data(), length);
        DenseLayer layer;
        read(&layer.k, 8);
        read(&layer.n, 8);
        layer.w.resize(std::size_t(layer.k * layer.n));
        read(layer.w.data(), layer.w.size() * sizeof(float));
        layers[name] = std::move(layer);
    }
    EXPECT_TRUE(in.good()) << path << " ended early";
    return layers;
}

struct Variant {
    const char* name;
    const char* args;
    int group;
    ZeroFormat format;
    bool symmetric;
    bool actOrder;  // g_idx from a permutation; with group -1 it is the natural one anyway
    bool gIdx;
    bool bias;
    bool fused;
};

std::ostream& operator<<(std::ostream& out, const Variant& v) { return out << v.name; }

class CheckpointVariant : public ::testing::TestWithParam<Variant> {};

// The layer names of one decoder layer, in model order.
std::vector<std::string> expectedNames(bool fused) {
    std::vector<std::string> names;
    for (int layer = 0; layer < 2; ++layer) {
        const std::string prefix = "model.layers." + std::to_string(layer) + ".";
        if (fused) {
            for (const char* s : {"self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj"})
                names.push_back(prefix + s);
        } else {
            for (const char* s : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                  "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"})
                names.push_back(prefix + s);
        }
    }
    return names;
}

// n x k of each projection in the script's model (hidden 256, 4 heads, 2 kv heads, intermediate 512).
std::pair<std::int64_t, std::int64_t> expectedShape(const std::string& name) {
    const std::map<std::string, std::pair<std::int64_t, std::int64_t>> shapes = {
        {"q_proj", {256, 256}},   {"k_proj", {128, 256}},  {"v_proj", {128, 256}},       {"o_proj", {256, 256}},
        {"qkv_proj", {512, 256}}, {"gate_proj", {512, 256}}, {"up_proj", {512, 256}}, {"gate_up_proj", {1024, 256}},
        {"down_proj", {256, 512}}};
    return shapes.at(name.substr(name.rfind('.') + 1));
}

TEST_P(CheckpointVariant, ReadsLayersAndDequantizesExactly) {
    if (!havePython()) GTEST_SKIP() << "python3 (3.9 or newer) not found: it writes the test checkpoints";
    const Variant& v = GetParam();
    const std::string dir = scratchDir(v.name);
    const std::string dense = dir + ".dense";
    const Status written = runWriter(std::string(v.args) + " --seed 7 --out '" + dir + "' --dense-out '" + dense + "'",
                                     dir + ".log");
    ASSERT_TRUE(written.ok()) << written.message;

    auto checkpoint = Checkpoint::open(dir);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.error();
    EXPECT_EQ(checkpoint->name(), fs::path(dir).filename().string());

    const ModelArchitecture& arch = checkpoint->architecture();
    EXPECT_EQ(arch.modelType, "llama");
    EXPECT_EQ(arch.hiddenSize, 256);
    EXPECT_EQ(arch.layers, 2);
    EXPECT_EQ(arch.heads, 4);
    EXPECT_EQ(arch.kvHeads, 2);
    EXPECT_EQ(arch.headDim, 64);
    EXPECT_EQ(arch.intermediateSize, 512);
    EXPECT_EQ(arch.vocabSize, 320);
    EXPECT_EQ(arch.maxPositions, 2048);
    EXPECT_EQ(arch.rmsNormEps, 1e-5);
    EXPECT_EQ(arch.ropeTheta, 500000.0);
    EXPECT_EQ(arch.ropeScaling.type, "llama3");
    EXPECT_FALSE(arch.tiedEmbeddings);

    const CheckpointQuantization& quant = checkpoint->quantization();
    EXPECT_EQ(quant.bits, 4);
    EXPECT_EQ(quant.groupSize, v.group);
    EXPECT_EQ(quant.symmetric, v.symmetric);
    EXPECT_EQ(quant.zeroFormat, v.format);

    const auto denseLayers = readDense(dense);
    const std::vector<std::string> names = expectedNames(v.fused);
    ASSERT_EQ(checkpoint->layers().size(), names.size());
    ASSERT_EQ(denseLayers.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        const CheckpointLayer& layer = checkpoint->layers()[i];
        SCOPED_TRACE(layer.name);
        EXPECT_EQ(layer.name, names[i]);
        const auto [n, k] = expectedShape(layer.name);
        EXPECT_EQ(layer.n, n);
        EXPECT_EQ(layer.k, k);
        EXPECT_EQ(layer.groupSize, v.group);
        EXPECT_EQ(layer.actOrder, v.actOrder && v.group != -1);
        EXPECT_EQ(layer.hasGIdx, v.gIdx);
        EXPECT_EQ(layer.hasBias, v.bias);
        EXPECT_EQ(layer.symmetric, v.symmetric);
        EXPECT_EQ(layer.zeroFormat, v.format);
        EXPECT_EQ(checkpoint->findLayer(layer.name), &layer);

        auto loaded = checkpoint->loadLayer(layer);
        ASSERT_TRUE(loaded.ok()) << loaded.error();
        EXPECT_EQ(loaded->gIdx.size(), std::size_t(k));
        if (!v.symmetric && v.format == ZeroFormat::V1) {
            // The writer gives group 0, column 0 a true zero of 0: v1 stores it wrapped, as 15.
            EXPECT_EQ(loaded->qzeros[0] & 0xF, 15);
            EXPECT_EQ(zeroPoint(*loaded, 0, 0), 0);
        }

        const std::vector<float> w = dequantize(*loaded);
        const DenseLayer& expected = denseLayers.at(layer.name);
        ASSERT_EQ(expected.k, k);
        ASSERT_EQ(expected.n, n);
        ASSERT_EQ(w.size(), expected.w.size());
        std::size_t differing = 0, first = w.size();
        double sumSquares = 0.0;
        for (std::size_t j = 0; j < w.size(); ++j) {
            if (std::bit_cast<std::uint32_t>(w[j]) != std::bit_cast<std::uint32_t>(expected.w[j])) {
                ++differing;
                first = std::min(first, j);
            }
            sumSquares += double(expected.w[j]) * double(expected.w[j]);
        }
        EXPECT_EQ(differing, 0u) << "first at row " << first / std::size_t(n) << ", column " << first % std::size_t(n)
                                 << ": " << w[std::min(first, w.size() - 1)] << " vs "
                                 << expected.w[std::min(first, w.size() - 1)];
        EXPECT_EQ(dequantizedFrobeniusNorm(*loaded), std::sqrt(sumSquares));

        auto bias = checkpoint->loadBias(layer);
        ASSERT_TRUE(bias.ok()) << bias.error();
        EXPECT_EQ(bias->size(), v.bias ? std::size_t(n) : 0u);
    }

    auto embed = checkpoint->tensor("model.embed_tokens.weight");
    ASSERT_TRUE(embed.has_value());
    EXPECT_EQ(embed->entry->dtype, TensorDtype::F16);
    EXPECT_EQ(embed->entry->shape, (std::vector<std::int64_t>{320, 256}));
    EXPECT_NE(embed->data, nullptr);
    EXPECT_TRUE(checkpoint->tensor("lm_head.weight").has_value());
    EXPECT_TRUE(checkpoint->tensor("model.norm.weight").has_value());
    EXPECT_FALSE(checkpoint->tensor("model.absent").has_value());
    CheckpointLayer absent;
    absent.name = "model.absent";
    EXPECT_FALSE(checkpoint->loadLayer(absent).ok());

    fs::remove_all(dir);
    fs::remove(dense);
    fs::remove(dir + ".log");
}

INSTANTIATE_TEST_SUITE_P(
    Written, CheckpointVariant,
    ::testing::Values(
        Variant{"v1_asym_g128", "--asym", 128, ZeroFormat::V1, false, false, true, false, false},
        Variant{"v2_sym_g32_actorder_3shards", "--shards 3 --format v2 --group 32 --act-order", 32, ZeroFormat::V2,
                true, true, true, false, false},
        Variant{"v1_sym_gm1_no_gidx", "--group -1 --no-g-idx", -1, ZeroFormat::V1, true, false, false, false, false},
        Variant{"v2_asym_bias_fused_2shards", "--shards 2 --format v2 --asym --bias --fused", 128, ZeroFormat::V2,
                false, false, true, true, true},
        Variant{"v1_asym_g32_actorder_bias", "--asym --group 32 --act-order --bias --quant-file quantize_config", 32,
                ZeroFormat::V1, false, true, true, true, false},
        Variant{"v2_asym_gm1_actorder", "--format v2 --asym --group -1 --act-order --quant-file quantization_config",
                -1, ZeroFormat::V2, false, true, true, false, false},
        Variant{"v1_sym_g32_fused_no_gidx_4shards", "--fused --group 32 --no-g-idx --shards 4", 32, ZeroFormat::V1,
                true, false, false, false, true},
        Variant{"v1_asym_g128_actorder_fused", "--asym --act-order --fused", 128, ZeroFormat::V1, false, true, true,
                false, true}),
    [](const ::testing::TestParamInfo<Variant>& info) { return std::string(info.param.name); });

TEST(Checkpoint, MissingFolder) {
    auto checkpoint = Checkpoint::open(scratchDir("absent"));
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_NE(checkpoint.error().find("is not a checkpoint folder"), std::string::npos) << checkpoint.error();
}

// Every case of the writer's malformed corpus fails, at open or at loading a layer, with its error.
TEST(Checkpoint, MalformedCorpusFailsWithTheExpectedError) {
    if (!havePython()) GTEST_SKIP() << "python3 (3.9 or newer) not found: it writes the test checkpoints";
    const std::string root = scratchDir("malformed");
    const Status written = runWriter("--malformed '" + root + "'", root + ".log");
    ASSERT_TRUE(written.ok()) << written.message;

    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(root))
        if (entry.is_directory()) cases.push_back(entry.path());
    std::sort(cases.begin(), cases.end());
    EXPECT_GE(cases.size(), 30u);

    for (const fs::path& dir : cases) {
        SCOPED_TRACE(dir.filename().string());
        std::ifstream in(dir / "expect.txt");
        std::string expect;
        std::getline(in, expect);
        ASSERT_FALSE(expect.empty());

        std::string error;
        auto checkpoint = Checkpoint::open(dir.string());
        if (!checkpoint.ok()) {
            error = checkpoint.error();
        } else {
            for (const CheckpointLayer& layer : checkpoint->layers()) {
                auto loaded = checkpoint->loadLayer(layer);
                if (!loaded.ok()) {
                    error = loaded.error();
                    break;
                }
            }
        }
        ASSERT_FALSE(error.empty()) << "accepted; expected an error containing: " << expect;
        EXPECT_NE(error.find(expect), std::string::npos) << "error: " << error << "\nexpected: " << expect;
    }
    fs::remove_all(root);
    fs::remove(root + ".log");
}

}  // namespace
}  // namespace q4
