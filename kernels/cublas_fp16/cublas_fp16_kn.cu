// cublas_fp16_kn: the baseline's product with the weights in GPTQ's layout, kept to compare layouts.
// C [m, n] fp16 = A [m, k] fp16 * W with W dense fp16 [k, n] row-major, dequantized once at prepare
// (untimed), multiplied through cuBLAS GemmEx with fp32 accumulation and cuBLAS's own algorithm
// choice. This was the baseline before it moved to nn.Linear's [n, k] layout through cublasLt
// (cublas_fp16).
// Memory: 2*k*n bytes of fp16 weights and the 32 MiB cuBLAS workspace. Limits: any valid GPTQ shape.
#include "cublas_fp16/fp16_weights.h"
#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"

namespace q4 {
namespace {

class CublasFp16Kn final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint&, GpuContext& context) override {
        n_ = layer.n;
        k_ = layer.k;
        Q4_CHECK(uploadFp16Weights(layer, WeightLayout::KN, *context.allocator, weights_));
        return cublas_.create(context);
    }

    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint&,
                             GpuContext& context) override {
        n_ = layer.n;
        k_ = layer.k;
        Q4_CHECK(dequantizeFp16WeightsOnDevice(layer, deviceQweight, WeightLayout::KN, context, weights_));
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

KernelEntry cublasFp16KnEntry() {
    return {{"cublas_fp16_kn", "baseline",
             "The baseline's product with the weights in GPTQ's [k, n] layout: dense fp16 W [k, n] (dequantized "
             "once at prepare) through cuBLAS GemmEx with fp32 accumulation. Kept to compare layouts with "
             "cublas_fp16 ([n, k] through cublasLt).",
             "any valid GPTQ shape; needs 2*k*n bytes of fp16 weights", true, false},
            [](const SweepPoint&, const GpuContext&) { return Status::success(); },
            [] { return std::make_unique<CublasFp16Kn>(); }};
}

}  // namespace q4
