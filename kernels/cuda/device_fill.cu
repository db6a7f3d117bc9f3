#include <cuda_fp16.h>

#include "cuda/cuda_check.h"
#include "cuda/device_fill.h"

namespace q4 {
namespace {

__global__ void fillKernel(__half* data, std::size_t count, std::uint64_t seed) {
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < count;
         i += std::size_t(gridDim.x) * blockDim.x) {
        std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (i + 1);  // splitmix64 of the index
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        data[i] = __float2half(float(z >> 40) * 0x1.0p-23f - 1.0f);
    }
}

}  // namespace

Status fillRandomHalf(void* data, std::size_t count, std::uint64_t seed, cudaStream_t stream) {
    fillKernel<<<1024, 256, 0, stream>>>(static_cast<__half*>(data), count, seed);
    return launchStatus("fill kernel");
}

}  // namespace q4
