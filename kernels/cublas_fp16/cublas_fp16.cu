// cublas_fp16: the baseline of every speedup. Dense fp16 weights, dequantized once at prepare
// (untimed), multiplied through cuBLAS with fp32 accumulation. Its memory is the fp16 weight
// matrix, four times the int4 one.
#include <cuda_fp16.h>

#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"

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
