#pragma once
// A pruned GPTQ layer in its compressed, logical form: row-major and device-independent, from
// which kernels build their own layouts. Only the kept nibbles are stored, with metadata that
// says which rows they came from (sparse_metadata.h); scales, zeros and g_idx are the dense
// layer's, unchanged.
//
// Shapes (k % 32 == 0, see sparsity.h; n % 8 == 0 as for GptqLayer):
//   keptQweight int32  [k/16, n]  column c's k/2 kept nibbles in increasing row order, packed
//                                 8 per int32 along k as qweight is (lowest nibble = lowest row)
//   metadata    uint32 [k/32, n]  16:32 row masks or 2:4 offset pairs
//   qzeros, scales, g_idx          as GptqLayer; g_idx still has all k rows
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "sparsity/prune.h"
#include "sparsity/sparsity.h"

namespace q4 {

struct SparseGptqLayer {
    Sparsity sparsity = Sparsity::Sparse2of4;  // never None
    std::int64_t k = 0;
    std::int64_t n = 0;
    int groupSize = 128;  // as given, -1 allowed
    ZeroFormat zeroFormat = ZeroFormat::V1;
    std::vector<std::int32_t> keptQweight;  // [k/16, n]
    std::vector<std::uint32_t> metadata;    // [k/32, n]
    std::vector<std::int32_t> qzeros;       // [G, n/8]
    std::vector<HalfBits> scales;           // [G, n]
    std::vector<std::int32_t> gIdx;         // [k]

    std::int64_t effectiveGroupSize() const { return q4::effectiveGroupSize(groupSize, k); }
    std::int64_t numGroups() const { return k / effectiveGroupSize(); }
};

// Everything the functions below rely on: a sparse pattern, the shape rules, every vector's size,
// g_idx in range, and metadata that decodeMetadata accepts. For layers read from files.
Status validateSparseLayer(const SparseGptqLayer& layer);
// The rows the layer keeps, once validateSparseLayer's checks pass.
Expected<KeepMask> keepMaskOf(const SparseGptqLayer& layer);

// Keeps the nibbles of dense that mask keeps. dense's g_idx may be empty (natural order); the
// result's is filled in.
Expected<SparseGptqLayer> compressPruned(const GptqLayer& dense, const KeepMask& mask, Sparsity sparsity);

// Back to the dense layout. Each dropped nibble holds the true zero point of its group and column,
// so it dequantizes to exactly 0, as quantizePruned's dropped nibbles do.
Expected<GptqLayer> expandToDense(const SparseGptqLayer& layer);

// W [k, n] fp32, row-major, exactly 0 at dropped positions: a sparse point's reference weights.
// Empty when validateSparseLayer rejects the layer.
std::vector<float> dequantizePruned(const SparseGptqLayer& layer);

// C [m, n] = A [m, k] * W_pruned, read from the compressed form, accumulated in double over the
// kept rows in increasing order and returned as fp32: the same sums referenceProduct forms on
// dequantizePruned(layer). Single-threaded. Empty when the layer is invalid or a has not m*k values.
std::vector<float> sparseReferenceProduct(const std::vector<float>& a, std::int64_t m, const SparseGptqLayer& layer);

}  // namespace q4
