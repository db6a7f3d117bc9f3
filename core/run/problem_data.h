#pragma once
// The inputs of a point, generated from a seed: random weights quantized to GPTQ,
// their dequantized fp32 copy (what every kernel must reproduce), and random activations.
// Never all-zero: weights and activations are drawn from continuous distributions.
#include <cstdint>
#include <optional>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "sparsity/sparse_gptq_layer.h"

namespace q4 {

struct LayerData {
    GptqLayer layer;                 // sparse points: the pruned layer, each dropped nibble its zero point
    std::vector<float> dequantized;  // [k, n]; sparse points: exactly 0 where pruned
    std::optional<SparseGptqLayer> sparse;  // sparse points: the kept nibbles and their metadata
    std::vector<float> unpruned;            // sparse points: the dense layer's dequantized weights
};

// Deterministic on every platform: own generator, not the standard distributions. Every sparsity
// draws the same random weights, so a sparse point prunes exactly what its dense twin runs.
Expected<LayerData> makeLayerData(std::int64_t n, std::int64_t k, const QuantConfig& quant, std::uint64_t seed,
                                  Sparsity sparsity = Sparsity::None);
std::vector<HalfBits> makeActivations(std::int64_t m, std::int64_t k, std::uint64_t seed);
std::vector<float> toFloat(const std::vector<HalfBits>& values);

// Mixes values into a seed so each (shape, setting) gets its own stream.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t value);

}  // namespace q4
