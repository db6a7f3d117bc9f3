#include "gptq_dequant/gptq_upload.h"

namespace q4 {

Status uploadGptqTensors(const GptqLayer& layer, const void* qweight, DeviceAllocator& allocator, GptqDeviceUpload& out) {
    if (Status s = uploadVector(allocator, layer.qzeros, MemoryUse::Zeros, out.qzeros); !s) return s;
    if (Status s = uploadVector(allocator, layer.scales, MemoryUse::Scales, out.scales); !s) return s;
    const std::vector<std::int32_t>& gIdx = layer.gIdx;
    if (Status s = uploadVector(allocator, gIdx.empty() ? naturalGroupIndex(layer.k, layer.groupSize) : gIdx,
                                MemoryUse::GIdx, out.gIdx);
        !s)
        return s;
    out.tensors = GptqDeviceTensors{};
    out.tensors.qweight = qweight;
    out.tensors.qzeros = out.qzeros.data();
    out.tensors.scales = out.scales.data();
    out.tensors.gIdx = out.gIdx.data();
    out.tensors.k = layer.k;
    out.tensors.n = layer.n;
    out.tensors.zeroFormat = layer.zeroFormat;
    return Status::success();
}

}  // namespace q4
