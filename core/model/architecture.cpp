#include "model/architecture.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include <nlohmann/json.hpp>

#include "model/config_reader.h"

namespace q4 {
namespace {

// Far above any real model, and low enough that products of two sizes (heads x head_dim) cannot
// overflow an int64 in the checks that use them.
constexpr std::int64_t kMaxSize = std::numeric_limits<std::int32_t>::max();

std::string str(std::int64_t value) { return std::to_string(value); }

Status checkSize(const char* key, std::int64_t value, std::int64_t lowest) {
    if (value < lowest || value > kMaxSize)
        return Status::failure(std::string(key) + "=" + str(value) + " must be from " + str(lowest) + " to " +
                               str(kMaxSize));
    return Status::success();
}

Status checkPositive(const char* key, double value) {
    if (!(std::isfinite(value) && value > 0.0)) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", value);
        return Status::failure(std::string(key) + "=" + text + " must be a positive number");
    }
    return Status::success();
}

Status validateRopeScaling(const RopeScaling& rope) {
    if (rope.type.empty()) return Status::failure("rope_scaling.rope_type must not be empty");
    if (rope.type == "none") return Status::success();
    if (Status s = checkPositive("rope_scaling.factor", rope.factor); !s) return s;
    if (rope.type != "llama3") return Status::success();
    if (Status s = checkPositive("rope_scaling.low_freq_factor", rope.lowFreqFactor); !s) return s;
    if (Status s = checkPositive("rope_scaling.high_freq_factor", rope.highFreqFactor); !s) return s;
    // llama3 scaling interpolates between the two wavelengths; equal or swapped factors divide by zero.
    if (!(rope.highFreqFactor > rope.lowFreqFactor))
        return Status::failure("rope_scaling.high_freq_factor must be above rope_scaling.low_freq_factor");
    return checkSize("rope_scaling.original_max_position_embeddings", rope.originalMaxPositions, 1);
}

Expected<RopeScaling> ropeScalingFromJson(const nlohmann::json& rope, const std::string& context) {
    if (!rope.is_object()) return Error{context + ": 'rope_scaling' must be an object or null"};
    RopeScaling scaling;
    ConfigReader reader(rope, context, "rope_scaling.");
    scaling.type.clear();
    reader.text("type", scaling.type);  // older configs
    reader.text("rope_type", scaling.type);
    if (reader.ok() && scaling.type.empty()) reader.fail("'rope_scaling' needs 'rope_type' or 'type'");
    if (scaling.type == "default") scaling.type = "none";  // transformers' name for no scaling
    reader.number("factor", scaling.factor);
    reader.number("low_freq_factor", scaling.lowFreqFactor);
    reader.number("high_freq_factor", scaling.highFreqFactor);
    reader.integer("original_max_position_embeddings", scaling.originalMaxPositions);
    if (Status s = reader.status(); !s) return s.asError();
    return scaling;
}

}  // namespace

Status validateArchitecture(const ModelArchitecture& arch) {
    const struct {
        const char* key;
        std::int64_t value;
        std::int64_t lowest;
    } sizes[] = {
        {"hidden_size", arch.hiddenSize, 1},
        {"num_hidden_layers", arch.layers, 1},
        {"num_attention_heads", arch.heads, 1},
        {"num_key_value_heads", arch.kvHeads, 1},
        {"head_dim", arch.headDim, 1},
        {"intermediate_size", arch.intermediateSize, 1},
        {"vocab_size", arch.vocabSize, 1},
        {"max_position_embeddings", arch.maxPositions, 0},
    };
    for (const auto& size : sizes)
        if (Status s = checkSize(size.key, size.value, size.lowest); !s) return s;
    if (arch.hiddenSize % arch.heads != 0)
        return Status::failure("hidden_size=" + str(arch.hiddenSize) + " is not a multiple of num_attention_heads=" +
                               str(arch.heads));
    // Grouped-query attention shares each key/value head among an equal number of query heads.
    if (arch.heads % arch.kvHeads != 0)
        return Status::failure("num_attention_heads=" + str(arch.heads) + " is not a multiple of num_key_value_heads=" +
                               str(arch.kvHeads));
    if (arch.headDim % 2 != 0)
        return Status::failure("head_dim=" + str(arch.headDim) + " is odd: rotary embeddings rotate pairs");
    if (Status s = checkPositive("rms_norm_eps", arch.rmsNormEps); !s) return s;
    if (Status s = checkPositive("rope_theta", arch.ropeTheta); !s) return s;
    return validateRopeScaling(arch.ropeScaling);
}

std::string architectureToJson(const ModelArchitecture& arch) {
    nlohmann::ordered_json j;
    j["model_type"] = arch.modelType;
    j["hidden_size"] = arch.hiddenSize;
    j["num_hidden_layers"] = arch.layers;
    j["num_attention_heads"] = arch.heads;
    j["num_key_value_heads"] = arch.kvHeads;
    j["head_dim"] = arch.headDim;
    j["intermediate_size"] = arch.intermediateSize;
    j["vocab_size"] = arch.vocabSize;
    j["max_position_embeddings"] = arch.maxPositions;
    j["rms_norm_eps"] = arch.rmsNormEps;
    j["rope_theta"] = arch.ropeTheta;
    if (arch.ropeScaling.type == "none") {
        j["rope_scaling"] = nullptr;
    } else {
        const RopeScaling& rope = arch.ropeScaling;
        j["rope_scaling"] = {{"rope_type", rope.type},
                             {"factor", rope.factor},
                             {"low_freq_factor", rope.lowFreqFactor},
                             {"high_freq_factor", rope.highFreqFactor},
                             {"original_max_position_embeddings", rope.originalMaxPositions}};
    }
    j["tie_word_embeddings"] = arch.tiedEmbeddings;
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Expected<ModelArchitecture> architectureFromJson(const std::string& json, const std::string& context) {
    auto object = parseJsonObject(json, context);
    if (!object) return object.takeError();

    ModelArchitecture arch;
    ConfigReader reader(*object, context);
    for (const char* key :
         {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"})
        reader.require(key);
    reader.text("model_type", arch.modelType);
    reader.integer("hidden_size", arch.hiddenSize);
    reader.integer("num_hidden_layers", arch.layers);
    reader.integer("num_attention_heads", arch.heads);
    reader.integer("num_key_value_heads", arch.kvHeads);
    reader.integer("head_dim", arch.headDim);
    reader.integer("intermediate_size", arch.intermediateSize);
    reader.integer("vocab_size", arch.vocabSize);
    reader.integer("max_position_embeddings", arch.maxPositions);
    reader.number("rms_norm_eps", arch.rmsNormEps);
    reader.number("rope_theta", arch.ropeTheta);
    reader.boolean("tie_word_embeddings", arch.tiedEmbeddings);
    if (Status s = reader.status(); !s) return s.asError();
    if (const nlohmann::json* rope = reader.find("rope_scaling")) {
        auto scaling = ropeScalingFromJson(*rope, context);
        if (!scaling) return scaling.takeError();
        arch.ropeScaling = *scaling;
    }

    // Defaults that depend on other keys, filled once those are known to be usable.
    if (!reader.find("num_key_value_heads")) arch.kvHeads = arch.heads;
    if (!reader.find("head_dim") && arch.heads > 0) arch.headDim = arch.hiddenSize / arch.heads;

    if (Status s = validateArchitecture(arch); !s) return Error{context + ": " + s.message};
    return arch;
}

}  // namespace q4
