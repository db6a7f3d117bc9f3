#pragma once
// A sparse model's linear layers: the random (or any) quantized layers pruned to a pattern by
// the magnitude of their dequantized weights |scale * (q - z)|, per column along k (the sweep's
// rule, sparsity/prune.h, applied to quantized weights, since a model's random nibbles have no
// fp32 origin). A dropped nibble is set to its zero point, so the layer computes the pruned
// product densely, and linear.sparse holds the kept nibbles and their metadata for sparse
// kernels. Columns are pruned independently, so pruning a fused layer equals fusing pruned ones.
#include <vector>

#include "common/expected.h"
#include "model/model_weights.h"
#include "sparsity/sparsity.h"

namespace q4 {

// None leaves the layers as they are. Needs host qweight.
Status pruneLinears(std::vector<DecoderLinear>& linears, Sparsity sparsity);

}  // namespace q4
