#pragma once
// Finds a checkpoint's linear layers among its tensors and checks each one's tensors against each
// other and against the config. Part of Checkpoint::open.
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"

namespace q4 {

// A tensor and the file that holds it.
struct LocatedTensor {
    const SafetensorsFile* file = nullptr;
    const TensorEntry* entry = nullptr;
};
// Null file when the checkpoint has no tensor of that name.
using TensorLookup = std::function<LocatedTensor(const std::string& name)>;

// Every tensor named "<prefix>.qweight" makes one layer; the result is in model order.
Expected<std::vector<CheckpointLayer>> findLinearLayers(const std::vector<std::string>& tensorNames,
                                                        const TensorLookup& lookup, const ModelArchitecture& arch,
                                                        const CheckpointQuantization& quant,
                                                        const std::string& configName);

}  // namespace q4
