#pragma once
// Named shape sets: the original comparison and LLM linear layers, from resources/presets.json
// (compiled into the binary so the tools need no data path).
#include <cstdint>
#include <string>
#include <vector>

#include <optional>

#include "common/expected.h"
#include "model/architecture.h"

namespace q4 {

struct PresetLayer {
    std::string name;  // "q_proj", ...
    std::int64_t n = 0;  // output features
    std::int64_t k = 0;  // input features
};

struct Preset {
    std::string name;         // "llama2-7b"
    std::string description;
    std::vector<std::int64_t> m;  // default batch sizes, may be empty
    std::vector<PresetLayer> layers;
    // The whole model's shape (config.json's keys), for presets the model view can run.
    std::optional<ModelArchitecture> architecture;
};

// Parses a presets JSON document (the format of resources/presets.json).
Expected<std::vector<Preset>> parsePresets(const std::string& json);
// The presets shipped with the project.
const std::vector<Preset>& builtinPresets();
Expected<Preset> findPreset(const std::string& name);
// The names of the builtin presets that carry an architecture, in file order.
std::vector<std::string> modelPresetNames();
// The preset's architecture; the error names the preset and says when it has none.
Expected<ModelArchitecture> presetArchitecture(const std::string& name);

}  // namespace q4
