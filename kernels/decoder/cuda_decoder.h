#pragma once
// The CUDA decoder: a Llama-family forward pass on the GPU whose linear layers run through one
// registered kernel (GpuKernel), with our own embedding, RMSNorm, RoPE, KV-cache and attention
// kernels, greedy sampling on the device, and decode steps replayed from a CUDA graph.
#include <memory>

#include "common/expected.h"
#include "cuda/gpu_kernel.h"
#include "model/model_instance.h"
#include "model/model_weights.h"

namespace q4 {

// Loads every block's linear layers through kernel (each prepared for the largest m the model
// will give it: maxBatch * maxContext at prefill), the fp16 tensors, and the KV cache. context
// gives the stream and the device's facts; the decoder owns its allocators. A layer the kernel
// does not support fails the load with the kernel's reason and the layer's name.
Expected<std::unique_ptr<ModelInstance>> loadCudaDecoder(const ModelWeightSource& weights, const KernelEntry& kernel,
                                                         const ModelLoadOptions& options, const GpuContext& context);

}  // namespace q4
