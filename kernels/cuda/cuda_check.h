#pragma once
// CUDA and cuBLAS status checks that turn failures into Status values with the call named.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "common/expected.h"

namespace q4 {

inline Status cudaStatus(cudaError_t e, const char* what) {
    if (e == cudaSuccess) return Status::success();
    return Status::failure(std::string(what) + ": " + cudaGetErrorString(e));
}

inline Status cublasStatus(cublasStatus_t s, const char* what) {
    if (s == CUBLAS_STATUS_SUCCESS) return Status::success();
    return Status::failure(std::string(what) + ": " + cublasGetStatusString(s));
}

// Checks the launch just made (configuration errors) without synchronizing.
inline Status launchStatus(const char* kernel) { return cudaStatus(cudaGetLastError(), kernel); }

}  // namespace q4

// Returns the failure from the enclosing function (which returns Status or Expected<T>).
#define Q4_CUDA(call)                                                          \
    do {                                                                       \
        if (::q4::Status q4_s = ::q4::cudaStatus((call), #call); !q4_s)        \
            return ::q4::Error{q4_s.message};                                  \
    } while (0)
#define Q4_CUBLAS(call)                                                        \
    do {                                                                       \
        if (::q4::Status q4_s = ::q4::cublasStatus((call), #call); !q4_s)      \
            return ::q4::Error{q4_s.message};                                  \
    } while (0)
#define Q4_CHECK(status_expr)                                                  \
    do {                                                                       \
        if (::q4::Status q4_s = (status_expr); !q4_s) return ::q4::Error{q4_s.message}; \
    } while (0)
