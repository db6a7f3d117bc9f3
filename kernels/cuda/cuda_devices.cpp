#include "cuda/cuda_devices.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

namespace q4 {
namespace {

std::string versionText(int v) {  // 13000 -> "13.0"
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

int attribute(cudaDeviceAttr attr, int device) {
    int value = 0;
    return cudaDeviceGetAttribute(&value, attr, device) == cudaSuccess ? value : 0;
}

}  // namespace

Expected<DeviceInfo> cudaDeviceInfo(int device) {
    cudaDeviceProp prop{};
    if (cudaError_t e = cudaGetDeviceProperties(&prop, device); e != cudaSuccess)
        return Error{"device " + std::to_string(device) + ": " + cudaGetErrorString(e)};
    DeviceInfo info;
    info.name = prop.name;
    info.computeCapability = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    info.multiprocessors = prop.multiProcessorCount;
    info.memoryBytes = std::int64_t(prop.totalGlobalMem);
    info.l2Bytes = prop.l2CacheSize;
    info.busWidthBits = prop.memoryBusWidth;
    // CUDA 13 removed the clock fields from cudaDeviceProp; the attributes remain (kHz).
    info.smClockMhz = attribute(cudaDevAttrClockRate, device) / 1000;
    info.memoryClockMhz = attribute(cudaDevAttrMemoryClockRate, device) / 1000;
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    info.driverVersion = driver ? versionText(driver) : "";
    info.runtimeVersion = versionText(runtime);
    int major = 0, minor = 0, patch = 0;
    cublasGetProperty(MAJOR_VERSION, &major);
    cublasGetProperty(MINOR_VERSION, &minor);
    cublasGetProperty(PATCH_LEVEL, &patch);
    info.cublasVersion = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    return info;
}

Expected<std::vector<DeviceInfo>> listCudaDevices() {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        cudaGetLastError();  // clear, so later calls are not blamed
        return Error{std::string("no CUDA device: ") + cudaGetErrorString(e) + " (cudaGetDeviceCount returned " +
                     std::to_string(int(e)) + ")"};
    }
    if (count == 0) return Error{"no CUDA device: the driver reports 0 devices"};
    std::vector<DeviceInfo> devices;
    for (int d = 0; d < count; ++d) {
        auto info = cudaDeviceInfo(d);
        if (!info) return Error{info.error()};
        devices.push_back(info.value());
    }
    return devices;
}

}  // namespace q4
