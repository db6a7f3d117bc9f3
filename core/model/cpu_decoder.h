#pragma once
// The reference decoder: the Llama-family forward pass in plain loops on the host, every sum
// accumulated in double, from the dequantized GPTQ weights. It is the model view's correctness
// reference and lets the view run small models without a GPU; its times are CPU times.
#include <memory>

#include "common/expected.h"
#include "model/model_instance.h"
#include "model/model_weights.h"

namespace q4 {

// Refuses models whose weights would take more than maxBytes of host memory as fp32, naming both
// (and, at setBatch, a KV cache above maxBytes). setBatch must precede prefill. memory() counts the
// dequantized fp32 linear layers as quantWeights; scales, zeros and g_idx are not kept.
Expected<std::unique_ptr<ModelInstance>> loadCpuDecoder(const ModelWeightSource& weights, const ModelLoadOptions& options,
                                                        std::int64_t maxBytes = std::int64_t(2) << 30);

}  // namespace q4
