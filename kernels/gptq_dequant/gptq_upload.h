#pragma once
// A layer's small GPTQ tensors on the device, and the GptqDeviceTensors view the dequantize kernel
// takes of them: the setup every "dequantize on the device" kernel shares.
#include "cuda/device_memory.h"
#include "gptq_dequant/gptq_dequant.h"

namespace q4 {

struct GptqDeviceUpload {
    DeviceBuffer qzeros, scales, gIdx;
    GptqDeviceTensors tensors;  // points into the buffers above and at the qweight given
};

// Uploads layer's zeros, scales and g_idx (the natural order when it has none) and points
// out.tensors at them and at qweight, which is already on the device.
Status uploadGptqTensors(const GptqLayer& layer, const void* qweight, DeviceAllocator& allocator, GptqDeviceUpload& out);

}  // namespace q4
