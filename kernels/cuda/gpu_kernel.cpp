#include "cuda/gpu_kernel.h"

#include "cuda/cuda_check.h"

namespace q4 {

Status GpuKernel::prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                                    GpuContext& context) {
    GptqLayer host = layer;
    host.qweight.resize(std::size_t(layer.k / 8 * layer.n));
    Q4_CUDA(cudaMemcpyAsync(host.qweight.data(), deviceQweight, host.qweight.size() * sizeof(std::int32_t),
                            cudaMemcpyDeviceToHost, context.stream));
    Q4_CUDA(cudaStreamSynchronize(context.stream));
    return prepare(host, point, context);
}

Status entrySupports(const KernelEntry& entry, const SweepPoint& point, const GpuContext& context) {
    if (Status shape = validateLayerShape(point.k, point.n, point.quant.groupSize); !shape) return shape;
    if (Status sparsity = supportsSparsity(entry.info, point.sparsity); !sparsity) return sparsity;
    return entry.supports(point, context);
}

}  // namespace q4
