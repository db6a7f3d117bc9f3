#pragma once
// Which of a checkpoint's linear layers a sweep measures: the layers whose names contain a match
// of a regex (ECMAScript, searched), optionally one per distinct shape.
#include <regex>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "common/expected.h"

namespace q4 {

// An empty pattern matches every layer. A pattern that does not compile is an error saying why.
Expected<std::regex> compileLayerPattern(const std::string& pattern);

// The matching layers in model order; with uniqueShapes only the first of each
// (n, k, group size, act-order). An error when none matches, naming the pattern and some layers.
Expected<std::vector<CheckpointLayer>> selectLayers(const std::vector<CheckpointLayer>& layers,
                                                    const std::string& pattern, bool uniqueShapes);

// Opens the checkpoint and selects its layers; errors carry the field they are about
// ("checkpoint" or "layers").
Expected<std::vector<CheckpointLayer>> selectCheckpointLayers(const std::string& directory,
                                                              const std::string& pattern, bool uniqueShapes);

}  // namespace q4
