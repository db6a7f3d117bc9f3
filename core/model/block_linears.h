#pragma once
// The linear layers a decoder block has, the shapes the architecture gives them, and the check
// every weight source and decoder applies before trusting a block's layers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "model/architecture.h"
#include "model/model_weights.h"

namespace q4 {

// A projection's shape, with the config keys that give k and n (for messages).
struct LinearShape {
    std::string name;  // q_proj, ..., qkv_proj, gate_up_proj
    std::int64_t k = 0;
    std::int64_t n = 0;
    std::string kFrom;  // "hidden_size"
    std::string nFrom;  // "num_key_value_heads x head_dim"
};

// The separate projections in forward order: q, k, v, o, gate, up, down.
std::vector<LinearShape> separateLinearShapes(const ModelArchitecture& arch);
// Any projection by name, fused ones included; nullopt for a name no block has.
std::optional<LinearShape> linearShape(const ModelArchitecture& arch, const std::string& name);

// A block's layers: q_proj, k_proj, v_proj or qkv_proj; o_proj; gate_proj, up_proj or
// gate_up_proj; down_proj; in that order, each of the architecture's shape with tensors of the
// sizes k, n and its group size imply and g_idx entries in [0, G). Messages name the block and
// the projection.
Status checkBlockLinears(const ModelArchitecture& arch, std::int64_t block, const std::vector<DecoderLinear>& linears);

}  // namespace q4
