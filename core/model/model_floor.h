#pragma once
// What a model needs: the bytes a decode step must read (its floor at the measured copy
// bandwidth) and the device memory a run will hold, estimated before anything is loaded so a
// model that cannot fit says so at once.
#include <cstdint>
#include <string>

#include "model/architecture.h"
#include "model/model_instance.h"
#include "sparsity/sparsity.h"

namespace q4 {

// The fp16 KV cache of batch sequences of context positions: 2 (k, v) x layers x kv heads x head dim.
std::int64_t kvCacheBytes(const ModelArchitecture& arch, std::int64_t batch, std::int64_t context);
// Token embedding, LM head (unless tied) and every norm weight, fp16.
std::int64_t fp16TensorBytes(const ModelArchitecture& arch);
// The linear layers' GPTQ tensors: packed weights (a sparse model's kept nibbles and metadata),
// fp16 scales, packed zeros, and g_idx with act-order.
std::int64_t gptqWeightBytes(const ModelArchitecture& arch, int groupSize, bool actOrder,
                             Sparsity sparsity = Sparsity::None);
// The same layers as fp16 weights (the fp16 model the baseline runs).
std::int64_t fp16LinearBytes(const ModelArchitecture& arch);

// Bytes one decode step reads at least: the linear layers' weights as the kernel holds them
// (memory: quantized or fp16 weights, scales, zeros, g_idx), the LM head and norms, and the KV
// cache of batch sequences at context positions.
double decodeStepBytes(const ModelArchitecture& arch, const ModelMemory& memory, std::int64_t batch,
                       std::int64_t context);

// Device memory a run of batch sequences of context positions needs, estimated from the GPTQ
// linear layers' weightBytes (gptqWeightBytes, or fp16LinearBytes for the fp16 model), the fp16
// tensors and the KV cache; activations and workspace are left out, so the
// estimate is a lower bound.
std::int64_t estimatedModelBytes(const ModelArchitecture& arch, std::int64_t weightBytes, std::int64_t batch,
                                 std::int64_t context);

// "needs 31.4 GB (weights 26.0, KV cache 4.2, embeddings 0.3) but the device has 25.0 GB", or empty
// when it fits.
std::string memoryShortfall(const ModelArchitecture& arch, std::int64_t weightBytes, std::int64_t batch,
                            std::int64_t context, std::int64_t deviceBytes);

}  // namespace q4
