// dequant_cublas: C [m, n] fp16 = A [m, k] fp16 * W, with W kept as GPTQ int4 tensors and
// dequantized in full to an fp16 scratch [k, n] on every call, then multiplied through cuBLAS
// GemmEx with fp32 accumulation; both steps are timed. This is the approach of AutoGPTQ's
// fallback path (dequantize the layer, then a dense matmul): the int4 weights save memory at rest,
// but each call pays 2*k*n bytes of fp16 writes and reads on top of the GEMM.
// Layout expected: GPTQ checkpoint tensors (qweight int32 [k/8, n], qzeros int32 [G, n/8], scales
// fp16 [G, n], g_idx int32 [k], zero format v1 or v2); A and C row-major.
// Limitations: none beyond valid GPTQ shapes (k % 8, n % 8); the group of every row is read from
// g_idx, so act-order needs no reordering. Memory: the int4 tensors plus a 2*k*n byte scratch
// and the 32 MiB cuBLAS workspace.
#include <cuda_fp16.h>

#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"
#include "gptq_dequant/gptq_dequant.h"
#include "gptq_dequant/gptq_upload.h"

namespace q4 {
namespace {

class DequantCublas final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint&, GpuContext& context) override {
        const std::int64_t k = layer.k, n = layer.n;
        if (std::int64_t(layer.qweight.size()) != k / 8 * n || (!layer.gIdx.empty() && std::int64_t(layer.gIdx.size()) != k))
            return Status::failure("dequant_cublas: qweight or g_idx size does not match k=" + std::to_string(k) +
                                   ", n=" + std::to_string(n));
        if (Status s = uploadVector(*context.allocator, layer.qweight, MemoryUse::Weights, qweight_); !s) return s;
        if (Status s = uploadGptqTensors(layer, qweight_.data(), *context.allocator, small_); !s) return s;
        auto scratch = context.allocator->allocate(std::size_t(k * n) * sizeof(__half), MemoryUse::Workspace);
        if (!scratch) return Status::failure(scratch.error());
        scratch_ = std::move(scratch).value();
        return cublas_.create(context);
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        if (Status s = launchGptqDequant(small_.tensors, scratch_.data(), context.stream); !s) return s;
        return cublasRowMajorGemm(cublas_.get(), a, scratch_.data(), c, m, small_.tensors.n, small_.tensors.k);
    }

private:
    CublasHandle cublas_;
    DeviceBuffer qweight_;
    GptqDeviceUpload small_;  // zeros, scales, g_idx, and the view of all four
    DeviceBuffer scratch_;    // fp16 W [k, n], rewritten by every run
};

}  // namespace

KernelEntry dequantCublasEntry() {
    return {{"dequant_cublas", "dequant",
             "AutoGPTQ-style fallback: every call dequantizes all of W (int4 GPTQ, per-row g_idx lookup, "
             "act-order as is) into an fp16 scratch with a bandwidth-bound kernel, then multiplies through "
             "cuBLAS GemmEx with fp32 accumulation. Both steps are timed.",
             "any valid GPTQ shape (k % 8, n % 8, any group size, act-order on or off); needs a 2*k*n byte "
             "fp16 scratch and the 32 MiB cuBLAS workspace",
             true},
            [](const SweepPoint&, const GpuContext&) { return Status::success(); },
            [] { return std::make_unique<DequantCublas>(); }};
}

}  // namespace q4
