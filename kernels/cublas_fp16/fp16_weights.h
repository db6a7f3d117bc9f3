#pragma once
// The dense fp16 weights of the cuBLAS baselines, dequantized once at prepare (untimed), in the
// layout each multiplies: GPTQ's W [k, n] or nn.Linear's W^T [n, k] (out_features x in_features),
// both row-major. From the host layer or from qweight already on the device, to the same bits:
// scale x (q - z) is exact in fp32 (an 11-bit scale times an integer of at most 5 bits), so the one
// rounding to fp16 is the only one on either side.
#include "cuda/gpu_kernel.h"

namespace q4 {

enum class WeightLayout {
    KN,  // W [k, n], as GPTQ's tensors index it
    NK,  // W^T [n, k], as frameworks store nn.Linear weights
};

// Dequantizes layer on the host and uploads it into out (2*k*n bytes of MemoryUse::Weights).
Status uploadFp16Weights(const GptqLayer& layer, WeightLayout layout, DeviceAllocator& allocator, DeviceBuffer& out);

// The same from qweight [k/8, n] already on the device (layer holds every other tensor); its
// scales, zeros and g_idx stay on the device only while dequantizing. Returns after the weights
// have landed.
Status dequantizeFp16WeightsOnDevice(const GptqLayer& layer, const void* deviceQweight, WeightLayout layout,
                                     GpuContext& context, DeviceBuffer& out);

}  // namespace q4
