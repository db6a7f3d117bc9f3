#pragma once
// Inference engines fuse a block's projections that read the same input into one wider layer
// at load: q, k, v into qkv_proj (columns q | k | v) and gate, up into gate_up_proj (gate | up),
// so a decode step runs 4 linear kernels per block instead of 7, each streaming more weights per
// launch. The fused GPTQ tensors are the separate ones side by side along n, so the product is
// the same to the bit. Layers that differ in k, group size, zero format or g_idx (act-order
// checkpoints give each projection its own permutation) cannot share one g_idx and stay apart.
#include <vector>

#include "model/model_weights.h"

namespace q4 {

// Whether the layers can share one set of row-indexed tensors (same k, group, zero format, g_idx).
bool canFuseColumns(const std::vector<const GptqLayer*>& layers);
// The layers side by side along n (output features); requires canFuseColumns.
GptqLayer fuseColumns(const std::vector<const GptqLayer*>& layers);

// The block's layers with q/k/v and gate/up fused where they can be; others unchanged.
std::vector<DecoderLinear> fuseProjections(std::vector<DecoderLinear> linears);

}  // namespace q4
