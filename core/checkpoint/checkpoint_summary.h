#pragma once
// What `q4bench-cli inspect` and the workbench's checkpoint dialog show: each linear layer's shape
// and quantization, with the Frobenius norm of its dequantized weight (a fingerprint of the
// tensors that any other reader can recompute), then the architecture.
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "common/expected.h"

namespace q4 {

struct LayerSummary {
    CheckpointLayer layer;
    double dequantFroNorm = 0;
};

struct CheckpointSummary {
    std::string name;  // the directory's name
    ModelArchitecture architecture;
    CheckpointQuantization quantization;
    std::vector<LayerSummary> layers;
};

// Reads every layer's tensors (one at a time, so memory stays at one layer's dense copy).
Expected<CheckpointSummary> summarizeCheckpoint(const Checkpoint& checkpoint);

// {"architecture": {config.json keys}, "layers": [{"name", "n", "k", "group_size", "act_order",
// "zero_format", "symmetric", "dequant_fro_norm"}]}
std::string checkpointSummaryToJson(const CheckpointSummary& summary);
// One line per layer, then the architecture, for a terminal.
std::string checkpointSummaryText(const CheckpointSummary& summary);

}  // namespace q4
