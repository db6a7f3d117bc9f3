#pragma once
// A cuBLAS handle owned by one prepared kernel, bound to the backend stream, with its workspace
// taken from the kernel's tracked allocator so cuBLAS scratch shows in the memory breakdown.
#include <cublas_v2.h>

#include <cstdint>

#include "cuda/gpu_kernel.h"

namespace q4 {

class CublasHandle {
public:
    CublasHandle() = default;
    CublasHandle(const CublasHandle&) = delete;
    CublasHandle& operator=(const CublasHandle&) = delete;
    ~CublasHandle();
    Status create(GpuContext& context);
    cublasHandle_t get() const { return handle_; }

private:
    cublasHandle_t handle_ = nullptr;
    DeviceBuffer workspace_;
};

// C [m, n] = A [m, k] * B [k, n], all fp16 row-major, fp32 accumulation.
Status cublasRowMajorGemm(cublasHandle_t handle, const void* a, const void* b, void* c, std::int64_t m,
                          std::int64_t n, std::int64_t k);

// C [m, n] = A [m, k] * Bt^T where Bt is [n, k] row-major (all fp16, fp32 accumulation). C's rows
// are ldc elements apart (ldc >= n; 0 means n), so C may be a block of columns of a wider matrix.
Status cublasRowMajorGemmTransposedB(cublasHandle_t handle, const void* a, const void* bt, void* c, std::int64_t m,
                                     std::int64_t n, std::int64_t k, std::int64_t ldc = 0);

}  // namespace q4
