// The LM head through cuBLAS: logits fp32 = h fp16 x lm_head^T, fp32 accumulation.
#include "cuda/cuda_check.h"
#include "decoder/decoder_ops.h"

namespace q4 {

Status launchLmHead(cublasHandle_t handle, const void* h, const void* lmHead, float* logits, std::int64_t rows,
                    std::int64_t vocab, std::int64_t hidden) {
    if (rows <= 0) return Status::success();
    // Column-major, logits^T [vocab, rows] = lm_head [vocab, hidden] (stored as its transpose,
    // leading dimension hidden) x h^T [hidden, rows] (h row-major is h^T column-major).
    const float alpha = 1.0f, beta = 0.0f;
    return cublasStatus(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(vocab), int(rows), int(hidden), &alpha,
                                     lmHead, CUDA_R_16F, int(hidden), h, CUDA_R_16F, int(hidden), &beta, logits,
                                     CUDA_R_32F, int(vocab), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                        "cublasGemmEx (lm head)");
}

}  // namespace q4
