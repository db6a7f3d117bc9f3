#pragma once
// The inputs of a point, generated from a seed: random weights quantized to GPTQ,
// their dequantized fp32 copy (what every kernel must reproduce), and random activations.
// Never all-zero: weights and activations are drawn from continuous distributions.
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"

namespace q4 {

struct LayerData {
    GptqLayer layer;
    std::vector<float> dequantized;  // [k, n]
};

// Deterministic on every platform: own generator, not the standard distributions.
Expected<LayerData> makeLayerData(std::int64_t n, std::int64_t k, const QuantConfig& quant, std::uint64_t seed);
std::vector<HalfBits> makeActivations(std::int64_t m, std::int64_t k, std::uint64_t seed);
std::vector<float> toFloat(const std::vector<HalfBits>& values);

// Mixes values into a seed so each (shape, setting) gets its own stream.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t value);

}  // namespace q4
