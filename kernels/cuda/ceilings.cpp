#include "cuda/ceilings.h"

#include <cublas_v2.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuda/device_fill.h"
#include "cuda/device_memory.h"

namespace q4 {
namespace {

// Best of several timed repetitions of enqueue, in seconds; 0 on failure.
template <class Enqueue>
double bestTime(cudaStream_t stream, int repetitions, Enqueue&& enqueue) {
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    double best = 0;
    for (int i = 0; i < repetitions + 1; ++i) {  // the first is a warm-up
        cudaEventRecord(start, stream);
        if (!enqueue()) break;
        cudaEventRecord(stop, stream);
        if (cudaEventSynchronize(stop) != cudaSuccess) break;
        float ms = 0;
        cudaEventElapsedTime(&ms, start, stop);
        if (i > 0 && (best == 0 || ms * 1e-3 < best)) best = ms * 1e-3;
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    cudaGetLastError();
    return best;
}

std::optional<double> copyBandwidth(cudaStream_t stream) {
    DeviceAllocator allocator;
    const std::size_t bytes = std::size_t(1) << 30;
    auto src = allocator.allocate(bytes, MemoryUse::Workspace);
    auto dst = allocator.allocate(bytes, MemoryUse::Workspace);
    if (!src || !dst) return std::nullopt;
    cudaMemsetAsync(src->data(), 1, bytes, stream);
    const double t = bestTime(stream, 10, [&] {
        return cudaMemcpyAsync(dst->data(), src->data(), bytes, cudaMemcpyDeviceToDevice, stream) == cudaSuccess;
    });
    if (t <= 0) return std::nullopt;
    return 2.0 * double(bytes) / t;
}

std::optional<double> fp16MatrixRate(cudaStream_t stream) {
    const int size = 8192;
    const std::size_t bytes = std::size_t(size) * size * sizeof(__half);
    DeviceAllocator allocator;
    auto a = allocator.allocate(bytes, MemoryUse::Workspace);
    auto b = allocator.allocate(bytes, MemoryUse::Workspace);
    auto c = allocator.allocate(bytes, MemoryUse::Workspace);
    if (!a || !b || !c) return std::nullopt;
    if (!fillRandomHalf(a->data(), bytes / 2, 1, stream) || !fillRandomHalf(b->data(), bytes / 2, 2, stream))
        return std::nullopt;
    cublasHandle_t handle = nullptr;
    if (cublasCreate(&handle) != CUBLAS_STATUS_SUCCESS) return std::nullopt;
    cublasSetStream(handle, stream);
    const float alpha = 1.0f, beta = 0.0f;
    const double t = bestTime(stream, 10, [&] {
        return cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, size, size, size, &alpha, a->data(), CUDA_R_16F, size,
                            b->data(), CUDA_R_16F, size, &beta, c->data(), CUDA_R_16F, size, CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT) == CUBLAS_STATUS_SUCCESS;
    });
    cublasDestroy(handle);
    if (t <= 0) return std::nullopt;
    return 2.0 * double(size) * size * size / t;
}

std::filesystem::path cacheFile() {
    std::filesystem::path base;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home) base = std::filesystem::path(home) / ".cache";
    else return {};
    return base / "q4bench" / "ceilings.json";
}

std::string deviceKey(int device, const DeviceInfo& info) {
    char uuid[64] = {};
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, device) == cudaSuccess)
        for (int i = 0; i < 16; ++i) std::snprintf(uuid + 2 * i, 3, "%02x", unsigned(std::uint8_t(prop.uuid.bytes[i])));
    return info.name + "|" + uuid + "|driver " + info.driverVersion + "|cublas " + info.cublasVersion;
}

}  // namespace

Ceilings measureCeilings(cudaStream_t stream) {
    Ceilings ceilings;
    ceilings.copyBytesPerSecond = copyBandwidth(stream);
    ceilings.fp16FlopsPerSecond = fp16MatrixRate(stream);
    return ceilings;
}

Ceilings measureOrLoadCeilings(int device, const DeviceInfo& info, cudaStream_t stream) {
    const auto path = cacheFile();
    const std::string key = deviceKey(device, info);
    nlohmann::json cache = nlohmann::json::object();
    if (!path.empty()) {
        std::ifstream in(path);
        if (in) cache = nlohmann::json::parse(in, nullptr, false);
        if (!cache.is_object()) cache = nlohmann::json::object();
        if (cache.contains(key)) {
            const auto& entry = cache[key];
            Ceilings cached;
            if (entry.value("copy_bytes_per_second", 0.0) > 0)
                cached.copyBytesPerSecond = entry["copy_bytes_per_second"].get<double>();
            if (entry.value("fp16_flops_per_second", 0.0) > 0)
                cached.fp16FlopsPerSecond = entry["fp16_flops_per_second"].get<double>();
            if (cached.copyBytesPerSecond && cached.fp16FlopsPerSecond) return cached;
        }
    }
    const Ceilings measured = measureCeilings(stream);
    if (!path.empty() && measured.copyBytesPerSecond && measured.fp16FlopsPerSecond) {
        std::error_code ignored;
        std::filesystem::create_directories(path.parent_path(), ignored);
        cache[key] = {{"copy_bytes_per_second", *measured.copyBytesPerSecond},
                      {"fp16_flops_per_second", *measured.fp16FlopsPerSecond}};
        std::ofstream(path) << cache.dump(2) << "\n";
    }
    return measured;
}

}  // namespace q4
