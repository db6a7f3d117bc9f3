#pragma once
// What every GPU test shares: a check that a device is usable (CI machines have none, and the
// tests must skip there rather than fail), and the stream and context a backend gives kernels.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cuda/cuda_devices.h"
#include "cuda/gpu_kernel.h"

namespace q4::test {

// Empty when device 0 can be used, else why not. Checked once per process.
inline const std::string& gpuUnavailableReason() {
    static const std::string reason = []() -> std::string {
        auto devices = listCudaDevices();
        if (!devices) return devices.error();
        // A device can be listed yet refuse a context (exclusive mode held by another process).
        if (cudaError_t e = cudaSetDevice(0); e != cudaSuccess) {
            cudaGetLastError();
            return std::string("cudaSetDevice(0): ") + cudaGetErrorString(e);
        }
        if (cudaError_t e = cudaFree(nullptr); e != cudaSuccess) {
            cudaGetLastError();
            return std::string("no CUDA context on device 0: ") + cudaGetErrorString(e);
        }
        return {};
    }();
    return reason;
}

inline bool gpuAvailable() { return gpuUnavailableReason().empty(); }

// The registered kernels that run dense weights, in registry order (sparse-only kernels have their
// own tests).
inline std::vector<std::string> denseKernelIds() {
    std::vector<std::string> ids;
    for (const KernelEntry& entry : kernelRegistry())
        if (std::find(entry.info.sparsity.begin(), entry.info.sparsity.end(), Sparsity::None) != entry.info.sparsity.end())
            ids.push_back(entry.info.id);
    return ids;
}

// A non-blocking stream on device 0 and the GpuContext a backend would hand a kernel.
class GpuTestContext {
public:
    GpuTestContext() {
        cudaSetDevice(0);
        cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking);
        cudaDeviceProp prop{};
        cudaGetDeviceProperties(&prop, 0);
        multiprocessors_ = prop.multiProcessorCount;
        computeCapability_ = prop.major * 10 + prop.minor;
    }
    ~GpuTestContext() {
        if (stream_) cudaStreamDestroy(stream_);
    }
    GpuTestContext(const GpuTestContext&) = delete;
    GpuTestContext& operator=(const GpuTestContext&) = delete;

    cudaStream_t stream() const { return stream_; }
    GpuContext context(DeviceAllocator* allocator) const {
        return GpuContext{stream_, allocator, multiprocessors_, computeCapability_};
    }

private:
    cudaStream_t stream_ = nullptr;
    int multiprocessors_ = 0;
    int computeCapability_ = 0;
};

inline double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

}  // namespace q4::test

// Skips the calling test (or SetUp) with the reason when no device is usable.
#define Q4_REQUIRE_GPU()                                                                   \
    do {                                                                                   \
        if (!::q4::test::gpuAvailable()) GTEST_SKIP() << ::q4::test::gpuUnavailableReason(); \
    } while (0)
