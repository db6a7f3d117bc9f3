// Greedy sampling on the device, and the device-side sequence length that lets one captured decode
// graph serve every step: the arg max of each logits row (lowest index on ties, NaN never wins)
// becomes the next step's input token and is kept, by position, in the generated-token array; the
// step's last kernel moves the length on by one.
#include <cuda_runtime.h>

#include <cmath>
#include <climits>

#include "cuda/cuda_check.h"
#include "decoder/decoder_device.cuh"
#include "decoder/decoder_launch.h"
#include "decoder/decoder_ops.h"

namespace q4 {
namespace {

constexpr int kThreads = 512;

struct Best {
    float value;
    int index;
};

// a beats b: larger, or equal and earlier.
__device__ __forceinline__ Best better(Best a, Best b) {
    if (a.value > b.value || (a.value == b.value && a.index < b.index)) return a;
    return b;
}

// One block per row.
__global__ void __launch_bounds__(kThreads) argmaxKernel(const float* __restrict__ logits, int vocab,
                                                         int* __restrict__ tokens, int* __restrict__ generated,
                                                         long long generatedStride, const int* __restrict__ length,
                                                         int offset) {
    dec::waitForPrerequisites();
    __shared__ Best partial[kThreads / 32];
    const float* row = logits + static_cast<long long>(blockIdx.x) * vocab;
    Best best{-INFINITY, INT_MAX};
    for (int i = threadIdx.x; i < vocab; i += kThreads) {  // ascending: a strict > keeps the earliest
        float v = row[i];
        if (isnan(v)) v = -INFINITY;
        if (v > best.value || best.index == INT_MAX) best = Best{v, i};
    }
#pragma unroll
    for (int step = 16; step > 0; step /= 2) {
        const Best other{__shfl_xor_sync(0xffffffffu, best.value, step), __shfl_xor_sync(0xffffffffu, best.index, step)};
        best = better(best, other);
    }
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = best;
    __syncthreads();
    if (threadIdx.x != 0) return;
    for (int w = 1; w < kThreads / 32; ++w) best = better(best, partial[w]);
    const int token = best.index == INT_MAX ? 0 : best.index;
    tokens[blockIdx.x] = token;
    const long long position = static_cast<long long>(*length) + offset;
    if (generated && position >= 0 && position < generatedStride)
        generated[static_cast<long long>(blockIdx.x) * generatedStride + position] = token;
}

__global__ void setLengthKernel(int* length, int value) {
    dec::waitForPrerequisites();
    *length = value;
}
__global__ void incrementLengthKernel(int* length) {
    dec::waitForPrerequisites();
    *length += 1;
}

}  // namespace

Status launchArgmax(const float* logits, std::int64_t rows, std::int64_t vocab, std::int32_t* tokens,
                    std::int32_t* generated, std::int64_t generatedStride, const std::int32_t* length, int offset,
                    cudaStream_t stream) {
    if (rows <= 0) return Status::success();
    if (vocab <= 0) return Status::failure("argmax: empty vocabulary");
    Q4_CUDA(launchDecoderKernel(argmaxKernel, dim3(unsigned(rows)), dim3(kThreads), 0, stream, logits, int(vocab), tokens,
                                generated, generatedStride, length, offset));
    return launchStatus("argmax kernel");
}

Status launchSetLength(std::int32_t* length, std::int32_t value, cudaStream_t stream) {
    Q4_CUDA(launchDecoderKernel(setLengthKernel, dim3(1), dim3(1), 0, stream, length, value));
    return launchStatus("set length kernel");
}

Status launchIncrementLength(std::int32_t* length, cudaStream_t stream) {
    Q4_CUDA(launchDecoderKernel(incrementLengthKernel, dim3(1), dim3(1), 0, stream, length));
    return launchStatus("increment length kernel");
}

}  // namespace q4
