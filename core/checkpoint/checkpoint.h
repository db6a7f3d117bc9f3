#pragma once
// A GPTQ checkpoint directory as AutoGPTQ, GPTQModel, optimum and the model hubs write it:
// config.json (architecture, and quantization_config) or quantize_config.json /
// quantization_config.json beside it; weights in model.safetensors or in shards listed by
// model.safetensors.index.json. Everything in it is untrusted: shapes are checked against each
// other and against the config, and every error names the file, the tensor and the rule.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/safetensors.h"
#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "model/architecture.h"

namespace q4 {

// quantize_config: bits must be 4; group_size -1 allowed; checkpoint_format or format "gptq" (v1
// zeros, the default) or "gptq_v2"; kernel layouts (marlin, awq, bitblas, ...) refused by name.
struct CheckpointQuantization {
    int bits = 4;
    int groupSize = 128;
    bool descAct = false;  // as stored; g_idx, not this flag, decides act-order per layer
    bool symmetric = true;
    ZeroFormat zeroFormat = ZeroFormat::V1;
};
Expected<CheckpointQuantization> quantizationFromJson(const std::string& json, const std::string& context);

// One linear layer of the checkpoint: "model.layers.0.self_attn.q_proj" and its tensors
// (<name>.qweight [k/8, n], .qzeros [G, n/8], .scales [G, n], optional .g_idx [k], .bias [n]).
struct CheckpointLayer {
    std::string name;
    std::int64_t n = 0, k = 0;
    int groupSize = 128;  // from the config; -1 = one group over k
    bool actOrder = false;  // g_idx present and not the natural order
    bool hasGIdx = false;
    bool hasBias = false;
    bool symmetric = true;
    ZeroFormat zeroFormat = ZeroFormat::V1;
};

class Checkpoint {
public:
    // Reads the config and every shard's header, finds the linear layers and checks their shapes.
    // Tensor data is read only by loadLayer / tensor().
    static Expected<Checkpoint> open(const std::string& directory);

    const std::string& directory() const { return directory_; }
    std::string name() const;  // the directory's last component
    const ModelArchitecture& architecture() const { return architecture_; }
    const CheckpointQuantization& quantization() const { return quantization_; }
    const std::vector<CheckpointLayer>& layers() const { return layers_; }  // in model order
    const CheckpointLayer* findLayer(const std::string& name) const;

    // The layer's packed tensors copied into a GptqLayer (g_idx natural when the file has none),
    // with values checked: g_idx entries in [0, G).
    Expected<GptqLayer> loadLayer(const CheckpointLayer& layer) const;
    // The layer's bias as fp16 bits, empty when it has none.
    Expected<std::vector<HalfBits>> loadBias(const CheckpointLayer& layer) const;

    // Any tensor by its full name (embeddings, norms, lm_head), or null when absent.
    struct TensorView {
        const TensorEntry* entry = nullptr;
        const std::uint8_t* data = nullptr;
    };
    std::optional<TensorView> tensor(const std::string& name) const;

private:
    Status openWeights();  // model.safetensors, or the shards model.safetensors.index.json lists

    std::string directory_;
    ModelArchitecture architecture_;
    CheckpointQuantization quantization_;
    std::vector<SafetensorsFile> shards_;
    std::map<std::string, std::size_t> shardOf_;  // tensor name -> index into shards_
    std::vector<CheckpointLayer> layers_;
};

// The Frobenius norm of the dequantized weight, accumulated in double.
double dequantizedFrobeniusNorm(const GptqLayer& layer);

}  // namespace q4
