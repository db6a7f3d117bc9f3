#include "cuda/cublas_handle.h"

#include "cuda/cuda_check.h"

namespace q4 {

// cuBLAS recommends 32 MiB of workspace on Hopper.
constexpr std::size_t kWorkspaceBytes = std::size_t(32) << 20;

CublasHandle::~CublasHandle() {
    if (handle_) cublasDestroy(handle_);
}

Status CublasHandle::create(GpuContext& context) {
    if (Status s = cublasStatus(cublasCreate(&handle_), "cublasCreate"); !s) return s;
    if (Status s = cublasStatus(cublasSetStream(handle_, context.stream), "cublasSetStream"); !s) return s;
    auto workspace = context.allocator->allocate(kWorkspaceBytes, MemoryUse::Workspace);
    if (!workspace) return Status::failure(workspace.error());
    workspace_ = std::move(workspace).value();
    return cublasStatus(cublasSetWorkspace(handle_, workspace_.data(), workspace_.bytes()), "cublasSetWorkspace");
}

Status cublasRowMajorGemm(cublasHandle_t handle, const void* a, const void* b, void* c, std::int64_t m,
                          std::int64_t n, std::int64_t k) {
    // Row-major C = A B is column-major C^T = B^T A^T: swap the operands, no transposes.
    const float alpha = 1.0f, beta = 0.0f;
    return cublasStatus(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, int(n), int(m), int(k), &alpha, b, CUDA_R_16F,
                                     int(n), a, CUDA_R_16F, int(k), &beta, c, CUDA_R_16F, int(n), CUBLAS_COMPUTE_32F,
                                     CUBLAS_GEMM_DEFAULT),
                        "cublasGemmEx");
}

Status cublasRowMajorGemmTransposedB(cublasHandle_t handle, const void* a, const void* bt, void* c, std::int64_t m,
                                     std::int64_t n, std::int64_t k, std::int64_t ldc) {
    // Column-major, Bt [n, k] row-major is a k x n matrix with leading dimension k: transpose it.
    const float alpha = 1.0f, beta = 0.0f;
    const int cStride = int(ldc > 0 ? ldc : n);
    return cublasStatus(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k), &alpha, bt, CUDA_R_16F,
                                     int(k), a, CUDA_R_16F, int(k), &beta, c, CUDA_R_16F, cStride, CUBLAS_COMPUTE_32F,
                                     CUBLAS_GEMM_DEFAULT),
                        "cublasGemmEx (transposed B)");
}

}  // namespace q4
