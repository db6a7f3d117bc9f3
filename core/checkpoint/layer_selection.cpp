#include "checkpoint/layer_selection.h"

#include <algorithm>
#include <tuple>

namespace q4 {
namespace {

// Patterns are typed by people; a bound keeps a pasted blob from becoming a slow regex.
constexpr std::size_t kMaxPatternLength = 1000;

}  // namespace

Expected<std::regex> compileLayerPattern(const std::string& pattern) {
    if (pattern.size() > kMaxPatternLength)
        return Error{"the layer pattern has " + std::to_string(pattern.size()) + " characters, more than " +
                         std::to_string(kMaxPatternLength),
                     "layers"};
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return Error{"'" + pattern + "' is not a valid regular expression: " + e.what(), "layers"};
    }
}

Expected<std::vector<CheckpointLayer>> selectLayers(const std::vector<CheckpointLayer>& layers,
                                                    const std::string& pattern, bool uniqueShapes) {
    auto regex = compileLayerPattern(pattern);
    if (!regex) return regex.takeError();
    std::vector<CheckpointLayer> selected;
    auto shapeOf = [](const CheckpointLayer& l) { return std::tuple(l.n, l.k, l.groupSize, l.actOrder); };
    for (const CheckpointLayer& layer : layers) {
        if (!pattern.empty() && !std::regex_search(layer.name, *regex)) continue;
        const bool seen = std::any_of(selected.begin(), selected.end(),
                                      [&](const CheckpointLayer& s) { return shapeOf(s) == shapeOf(layer); });
        if (uniqueShapes && seen) continue;
        selected.push_back(layer);
    }
    if (selected.empty()) {
        std::string examples;
        for (std::size_t i = 0; i < layers.size() && i < 3; ++i) examples += (i ? ", " : "") + layers[i].name;
        if (layers.empty()) return Error{"the checkpoint has no linear layers (no tensor ends in .qweight)", "checkpoint"};
        return Error{"no layer matches '" + pattern + "' (the checkpoint's layers are named like " + examples + ")",
                     "layers"};
    }
    return selected;
}

Expected<std::vector<CheckpointLayer>> selectCheckpointLayers(const std::string& directory,
                                                              const std::string& pattern, bool uniqueShapes) {
    auto checkpoint = Checkpoint::open(directory);
    if (!checkpoint) return Error{checkpoint.error(), "checkpoint"};
    return selectLayers(checkpoint->layers(), pattern, uniqueShapes);
}

}  // namespace q4
