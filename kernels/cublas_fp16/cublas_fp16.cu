// cublas_fp16: the baseline of every speedup. Dense fp16 weights, dequantized once at prepare
// (untimed), multiplied through cuBLAS with fp32 accumulation. Its memory is the fp16 weight
// matrix, four times the int4 one. Weights already on the device (generated random weights) are
// dequantized there, to the same bits: scale x (q - z) is exact in fp32 and in fp16 arithmetic up
// to the one rounding to fp16 both make.
#include <cuda_fp16.h>

#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"
#include "gptq_dequant/gptq_dequant.h"

namespace q4 {
namespace {

class CublasFp16 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        n_ = point.n;
        k_ = point.k;
        const std::vector<float> w = dequantize(layer);
        std::vector<__half> half(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) half[i] = __float2half(w[i]);
        auto weights = context.allocator->upload(half.data(), half.size() * sizeof(__half), MemoryUse::Weights);
        if (!weights) return Status::failure(weights.error());
        weights_ = std::move(weights).value();
        return cublas_.create(context);
    }

    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override {
        n_ = point.n;
        k_ = point.k;
        auto weights = context.allocator->allocate(std::size_t(k_ * n_) * sizeof(__half), MemoryUse::Weights);
        if (!weights) return Status::failure(weights.error());
        weights_ = std::move(weights).value();
        {
            // The small tensors stay on the device only while dequantizing.
            DeviceBuffer qzeros, scales, gIdx;
            DeviceAllocator& alloc = *context.allocator;
            Q4_CHECK(uploadVector(alloc, layer.qzeros, MemoryUse::Zeros, qzeros));
            Q4_CHECK(uploadVector(alloc, layer.scales, MemoryUse::Scales, scales));
            Q4_CHECK(uploadVector(alloc, layer.gIdx.empty() ? naturalGroupIndex(k_, layer.groupSize) : layer.gIdx,
                                  MemoryUse::GIdx, gIdx));
            GptqDeviceTensors tensors;
            tensors.qweight = deviceQweight;
            tensors.qzeros = qzeros.data();
            tensors.scales = scales.data();
            tensors.gIdx = gIdx.data();
            tensors.k = k_;
            tensors.n = n_;
            tensors.zeroFormat = layer.zeroFormat;
            Q4_CHECK(launchGptqDequant(tensors, weights_.data(), context.stream));
            Q4_CHECK(cudaStatus(cudaStreamSynchronize(context.stream), "cublas_fp16 dequantize"));
        }
        return cublas_.create(context);
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext&) override {
        return cublasRowMajorGemm(cublas_.get(), a, weights_.data(), c, m, n_, k_);
    }

private:
    CublasHandle cublas_;
    DeviceBuffer weights_;  // fp16 [k, n]
    std::int64_t n_ = 0, k_ = 0;
};

}  // namespace

KernelEntry cublasFp16Entry() {
    return {{"cublas_fp16", "baseline",
             "Dense fp16 weights (dequantized once at prepare) through cuBLAS GemmEx with fp32 accumulation. "
             "The baseline of every speedup.",
             "any valid GPTQ shape; needs 2*k*n bytes of fp16 weights", true, true},
            [](const SweepPoint&, const GpuContext&) { return Status::success(); },
            [] { return std::make_unique<CublasFp16>(); }};
}

}  // namespace q4
