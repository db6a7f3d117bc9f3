#pragma once
// Pruning W [k, n] to a sparsity pattern, quantizing what is kept, and the error pruning adds.
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "sparsity/sparsity.h"

namespace q4 {

// [k, n] row-major, 1 = kept, 0 = dropped.
using KeepMask = std::vector<std::uint8_t>;

// Checks the mask's size and that every run keeps exactly keptPerRun rows (and values are 0 or 1).
Status validateKeepMask(const KeepMask& mask, std::int64_t k, std::int64_t n, Sparsity sparsity);

// Magnitude pruning, per column along k: in each run of runLength rows of a column, the
// keptPerRun largest |w| are kept; on equal |w| the lower row is kept, so the mask is deterministic.
// w is [k, n] row-major and finite. None keeps everything.
Expected<KeepMask> magnitudeMask(const std::vector<float>& w, std::int64_t k, std::int64_t n, Sparsity sparsity);

// Magnitude pruning of a quantized layer in place: the mask magnitudeMask(dequantize(layer), ...)
// gives (the same fp32 values |scale * (q - z)|, the same ties), without the fp32 matrix, and each
// dropped nibble set to its group's true zero point, so the layer computes the pruned product.
// The layer's words must be on the host; its scales finite.
Expected<KeepMask> pruneQuantized(GptqLayer& layer, Sparsity sparsity);

// w with dropped entries set to 0. Empty when the sizes differ.
std::vector<float> applyMask(const std::vector<float>& w, const KeepMask& mask);

// quantizeRtn over the kept weights only. GPTQ's quantizer always puts 0 inside a group's range
// (and the 4-bit zero point makes 0 a grid point), so the zeros that pruning leaves cannot widen
// a range: this quantizes applyMask(w, mask). Each dropped nibble therefore holds its group's
// true zero point and dequantizes to exactly 0, the value expandToDense writes.
Expected<GptqLayer> quantizePruned(const std::vector<float>& w, std::int64_t k, std::int64_t n,
                                   const QuantConfig& config, const KeepMask& mask, Sparsity sparsity,
                                   const std::vector<std::int32_t>& gIdx = {});

// ||A*wPruned - A*wDense|| / ||A*wDense||, both products in double accumulation (referenceProduct).
// a is [m, k]; the weights are [k, n]. +inf when a size does not match the shape.
double pruningError(const std::vector<float>& a, std::int64_t m, const std::vector<float>& wDense,
                    const std::vector<float>& wPruned, std::int64_t k, std::int64_t n);

}  // namespace q4
