#pragma once
// Where a decoder's weights come from: seeded random GPTQ tensors (any architecture, any size,
// the same bits on every backend) or a real checkpoint. A source hands out one layer at a time,
// so a large model never sits whole in host memory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "model/architecture.h"
#include "sparsity/sparse_gptq_layer.h"

namespace q4 {

// Columns [firstColumn, firstColumn + columns) of a qweight [k/8, n] whose words are one
// counter-hash stream (counter_hash.h): word (r, firstColumn + c) is counterWord(key, r * columns + c).
struct GeneratedQweightPart {
    std::uint64_t key = 0;
    std::int64_t firstColumn = 0;
    std::int64_t columns = 0;
};

// One quantized linear layer of a decoder block. name is the projection: q_proj, k_proj, v_proj,
// o_proj, gate_proj, up_proj, down_proj, or the fused qkv_proj (columns q | k | v) and
// gate_up_proj (columns gate | up), as the model stores them.
struct DecoderLinear {
    std::string name;
    GptqLayer layer;  // k = input features, n = output features
    // Non-empty when layer.qweight is left empty for the device to generate: parts side by side
    // along n, together covering all n columns (a fused layer keeps each projection's part).
    std::vector<GeneratedQweightPart> generatedQweight = {};
    // A sparse model's layers (prune_linears.h): the kept nibbles and metadata of layer, whose
    // dropped nibbles hold their zero points.
    std::optional<SparseGptqLayer> sparse = std::nullopt;
};

// The fp16 tensors of one decoder block besides its linear layers.
struct DecoderBlockNorms {
    std::vector<HalfBits> inputNorm;          // input_layernorm.weight [hidden]
    std::vector<HalfBits> postAttentionNorm;  // post_attention_layernorm.weight [hidden]
};

class ModelWeightSource {
public:
    virtual ~ModelWeightSource() = default;
    virtual const ModelArchitecture& architecture() const = 0;
    virtual std::string name() const = 0;  // "llama2-13b", or the checkpoint directory's name
    virtual int groupSize() const = 0;     // -1: one group over k
    virtual bool actOrder() const = 0;     // any layer has a non-natural g_idx
    // embed_tokens [vocab, hidden] fp16, row-major.
    virtual Expected<std::vector<HalfBits>> embedding() const = 0;
    // lm_head [vocab, hidden] fp16, row-major (the embedding when tied).
    virtual Expected<std::vector<HalfBits>> lmHead() const = 0;
    virtual Expected<std::vector<HalfBits>> finalNorm() const = 0;  // model.norm.weight [hidden]
    virtual Expected<DecoderBlockNorms> blockNorms(std::int64_t block) const = 0;
    // The block's linear layers in forward order (q, k, v or qkv; o; gate, up or gate_up; down).
    virtual Expected<std::vector<DecoderLinear>> blockLinears(std::int64_t block) const = 0;
    // Whether blockLinearsWithoutQweight leaves qweight to the device (random weights, whose
    // packed words are counter hashes: a 70B model's never pass through host memory).
    virtual bool generatesQweightOnDevice() const { return false; }
    // blockLinears, except that layers with generatedQweight parts have an empty qweight.
    virtual Expected<std::vector<DecoderLinear>> blockLinearsWithoutQweight(std::int64_t block) const {
        return blockLinears(block);
    }
};

struct RandomWeightOptions {
    int groupSize = 128;
    bool actOrder = false;
    std::uint64_t seed = 1234;
};

// Random weights for an architecture: packed nibbles, scales near 1 / (4.6 sqrt(k)) so every
// projection keeps unit-scale activations unit-scale, symmetric v1 zeros, g_idx a seeded
// permutation with act-order. Every tensor is a pure function of (seed, block, tensor), so any
// block can be made in any order, on any thread, and the CPU and GPU backends see the same bits.
// The packed qweight can also be left to the device (blockLinearsWithoutQweight).
// name is what records show as the model.
Expected<std::unique_ptr<ModelWeightSource>> makeRandomWeights(const ModelArchitecture& arch, const std::string& name,
                                                              const RandomWeightOptions& options);

// A GPTQ checkpoint directory's weights (model.embed_tokens, the blocks' norms and linear
// layers, model.norm, lm_head). Layers with a bias are refused by name.
Expected<std::unique_ptr<ModelWeightSource>> openCheckpointWeights(const std::string& directory);

}  // namespace q4
