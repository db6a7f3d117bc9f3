#include "sweep/presets.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace q4 {

extern const char* const kBuiltinPresetsJson;

namespace {

using Json = nlohmann::json;

// Reads a JSON integer that must be > 0 and fit in int64; floats such as 4096.0 are refused
// so a typo cannot silently truncate a shape.
bool readPositive(const Json& value, std::int64_t& out) {
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        if (v == 0 || v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
        out = static_cast<std::int64_t>(v);
        return true;
    }
    if (value.is_number_integer()) {
        out = value.get<std::int64_t>();
        return out > 0;
    }
    return false;
}

// Unknown keys are errors: a misspelt "layer" would otherwise be ignored without a word.
Status checkKeys(const Json& object, const std::set<std::string>& allowed, const std::string& where) {
    for (const auto& item : object.items()) {
        if (!allowed.contains(item.key())) return Status::failure(where + ": unknown field '" + item.key() + "'");
    }
    return Status::success();
}

Expected<PresetLayer> parseLayer(const Json& json, const std::string& presetWhere, std::size_t index) {
    const std::string numbered = presetWhere + " layer #" + std::to_string(index + 1);
    if (!json.is_object()) return Error{numbered + ": must be an object"};
    if (!json.contains("name") || !json["name"].is_string() || json["name"].get<std::string>().empty())
        return Error{numbered + ": 'name' must be a non-empty string"};

    PresetLayer layer;
    layer.name = json["name"].get<std::string>();
    const std::string where = presetWhere + " layer '" + layer.name + "'";
    if (Status keys = checkKeys(json, {"name", "n", "k"}, where); !keys) return Error{keys.message};
    if (!json.contains("n") || !readPositive(json["n"], layer.n)) return Error{where + ": 'n' must be a positive integer"};
    if (!json.contains("k") || !readPositive(json["k"], layer.k)) return Error{where + ": 'k' must be a positive integer"};
    return layer;
}

Expected<Preset> parsePreset(const Json& json, std::size_t index) {
    const std::string numbered = "preset #" + std::to_string(index + 1);
    if (!json.is_object()) return Error{numbered + ": must be an object"};
    if (!json.contains("name") || !json["name"].is_string() || json["name"].get<std::string>().empty())
        return Error{numbered + ": 'name' must be a non-empty string"};

    Preset preset;
    preset.name = json["name"].get<std::string>();
    const std::string where = "preset '" + preset.name + "'";
    if (Status keys = checkKeys(json, {"name", "description", "m", "layers", "architecture"}, where); !keys) return Error{keys.message};

    if (json.contains("description")) {
        if (!json["description"].is_string()) return Error{where + ": 'description' must be a string"};
        preset.description = json["description"].get<std::string>();
    }

    if (json.contains("architecture")) {
        auto arch = architectureFromJson(json["architecture"].dump(), where + " architecture");
        if (!arch) return Error{arch.error()};
        if (Status valid = validateArchitecture(*arch); !valid) return Error{where + " architecture: " + valid.message};
        preset.architecture = std::move(arch).value();
    }

    if (json.contains("m")) {
        const Json& m = json["m"];
        if (!m.is_array()) return Error{where + ": 'm' must be an array of positive integers"};
        for (const Json& value : m) {
            std::int64_t batch = 0;
            if (!readPositive(value, batch)) return Error{where + ": 'm' must be an array of positive integers"};
            preset.m.push_back(batch);
        }
    }

    if (!json.contains("layers") || !json["layers"].is_array() || json["layers"].empty())
        return Error{where + ": 'layers' must be a non-empty array"};
    std::set<std::string> layerNames;
    for (std::size_t i = 0; i < json["layers"].size(); ++i) {
        auto layer = parseLayer(json["layers"][i], where, i);
        if (!layer) return Error{layer.error()};
        if (!layerNames.insert(layer->name).second)
            return Error{where + " layer '" + layer->name + "': duplicate layer name"};
        preset.layers.push_back(std::move(layer).value());
    }
    return preset;
}

}  // namespace

Expected<std::vector<Preset>> parsePresets(const std::string& text) {
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::parse_error& e) {
        return Error{std::string("presets: invalid JSON: ") + e.what()};
    }
    if (!json.is_object() || !json.contains("presets") || !json["presets"].is_array())
        return Error{"presets: the document must be an object with a 'presets' array"};

    std::vector<Preset> presets;
    std::set<std::string> names;
    for (std::size_t i = 0; i < json["presets"].size(); ++i) {
        auto preset = parsePreset(json["presets"][i], i);
        if (!preset) return Error{preset.error()};
        if (!names.insert(preset->name).second) return Error{"preset '" + preset->name + "': duplicate preset name"};
        presets.push_back(std::move(preset).value());
    }
    return presets;
}

const std::vector<Preset>& builtinPresets() {
    // Parsed once; the shipped file is covered by tests, so a failure here is a build defect.
    static const std::vector<Preset> presets = [] {
        auto parsed = parsePresets(kBuiltinPresetsJson);
        if (!parsed) {
            std::fprintf(stderr, "q4bench: the built-in presets are broken: %s\n", parsed.error().c_str());
            std::abort();
        }
        return std::move(parsed).value();
    }();
    return presets;
}

Expected<Preset> findPreset(const std::string& name) {
    std::string known;
    for (const Preset& preset : builtinPresets()) {
        if (preset.name == name) return preset;
        known += (known.empty() ? "" : ", ") + preset.name;
    }
    return Error{"unknown preset '" + name + "' (known: " + known + ")"};
}

std::vector<std::string> modelPresetNames() {
    std::vector<std::string> names;
    for (const Preset& preset : builtinPresets())
        if (preset.architecture) names.push_back(preset.name);
    return names;
}

Expected<ModelArchitecture> presetArchitecture(const std::string& name) {
    auto preset = findPreset(name);
    if (!preset) return Error{preset.error(), "preset"};
    if (!preset->architecture) {
        std::string known;
        for (const std::string& model : modelPresetNames()) known += (known.empty() ? "" : ", ") + model;
        return Error{"preset '" + name + "' has layer shapes but no model architecture (models: " + known + ")",
                     "preset"};
    }
    return *preset->architecture;
}

}  // namespace q4
