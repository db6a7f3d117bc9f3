// The decoder's row-wise and element-wise kernels: embedding gather into the fp32 residual,
// RMSNorm to fp16, the residual add and SiLU(gate) * up. All are memory-bound single passes with
// 16- or 8-byte accesses; hidden sizes must be multiples of 8 (as every GPTQ k is), widths and
// strides of the MLP product even.
#include <cuda_fp16.h>

#include <algorithm>

#include "cuda/cuda_check.h"
#include "decoder/decoder_device.cuh"
#include "decoder/decoder_launch.h"
#include "decoder/decoder_ops.h"

namespace q4 {
namespace {

constexpr int kRowThreads = 256;
constexpr int kElementThreads = 256;
constexpr std::int64_t kMaxElementBlocks = 8192;

// One block per row; each thread copies 8 fp16 values at a time into 8 fp32.
__global__ void embeddingKernel(const std::int32_t* __restrict__ tokens, int positions, long long tokenStride,
                                long long tokenOffset, const uint4* __restrict__ table, int vocab, int hidden,
                                float4* __restrict__ x) {
    dec::waitForPrerequisites();
    const long long row = blockIdx.x;
    const long long sequence = row / positions, position = row % positions;
    int token = tokens[sequence * tokenStride + tokenOffset + position];
    token = min(max(token, 0), vocab - 1);
    const int vectors = hidden / 8;
    const uint4* from = table + static_cast<long long>(token) * vectors;
    float4* to = x + row * (hidden / 4);
    for (int i = threadIdx.x; i < vectors; i += blockDim.x) {
        const uint4 v = from[i];
        const float2 a = dec::halfPairToFloat2(v.x), b = dec::halfPairToFloat2(v.y);
        const float2 c = dec::halfPairToFloat2(v.z), d = dec::halfPairToFloat2(v.w);
        to[2 * i] = make_float4(a.x, a.y, b.x, b.y);
        to[2 * i + 1] = make_float4(c.x, c.y, d.x, d.y);
    }
}

constexpr int kHeldQuads = 4;  // quads of a row each thread keeps in registers between the passes

__device__ __forceinline__ float sumOfSquares(float4 v) {
    return v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
}

__device__ __forceinline__ float4 plusHalves(float4 v, uint2 h) {
    const float2 a = dec::halfPairToFloat2(h.x), b = dec::halfPairToFloat2(h.y);
    return make_float4(v.x + a.x, v.y + a.y, v.z + b.x, v.w + b.y);
}

__device__ __forceinline__ uint2 normalized(float4 v, float r, uint2 w) {
    const float2 wa = dec::halfPairToFloat2(w.x), wb = dec::halfPairToFloat2(w.y);
    return make_uint2(dec::float2ToHalfPair(v.x * r * wa.x, v.y * r * wa.y),
                      dec::float2ToHalfPair(v.z * r * wb.x, v.w * r * wb.y));
}

// Both norms' second pass: to = x * r * w rounded to fp16, from the quads and weights this thread
// holds and, past them, from the row (this thread's own values, written or read in the first pass).
__device__ __forceinline__ void storeNormalized(const float4 (&held)[kHeldQuads], const uint2 (&heldWeight)[kHeldQuads],
                                                const float4* row, float r, const uint2* __restrict__ weight,
                                                int quads, uint2* __restrict__ to) {
#pragma unroll
    for (int j = 0; j < kHeldQuads; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < quads) to[i] = normalized(held[j], r, heldWeight[j]);
    }
    for (int i = threadIdx.x + kHeldQuads * blockDim.x; i < quads; i += blockDim.x)
        to[i] = normalized(row[i], r, weight[i]);
}

// The norm weights this thread applies first: constant through a run, so they are read before the
// kernel waits for the one before it, off the step's critical path.
__device__ __forceinline__ void loadHeldWeights(const uint2* __restrict__ weight, int quads,
                                                uint2 (&heldWeight)[kHeldQuads]) {
#pragma unroll
    for (int j = 0; j < kHeldQuads; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        heldWeight[j] = i < quads ? weight[i] : make_uint2(0, 0);
    }
}

// One block per output row, sized to the row (normThreads), so each thread loads one or two quads
// at once instead of looping: at batch 1 the kernel is a chain of load latencies, not bandwidth.
// The sum of squares in fp32 (block reduction), then one rounding of x * r * w to fp16; the row
// is read once (rows wider than kHeldQuads quads per thread re-read the rest).
__global__ void __launch_bounds__(1024)
    rmsNormKernel(const float* __restrict__ x, long long firstRow, long long rowStep, const uint2* __restrict__ weight,
                  int hidden, float eps, uint2* __restrict__ out) {
    const int quads = hidden / 4;
    uint2 heldWeight[kHeldQuads];
    loadHeldWeights(weight, quads, heldWeight);
    dec::waitForPrerequisites();  // x is the output of the kernel just before
    const long long inRow = firstRow + static_cast<long long>(blockIdx.x) * rowStep;
    const float4* row = reinterpret_cast<const float4*>(x + inRow * hidden);
    float4 held[kHeldQuads] = {};
    float squares = 0.0f;
#pragma unroll
    for (int j = 0; j < kHeldQuads; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < quads) held[j] = row[i];
        squares += sumOfSquares(held[j]);
    }
    for (int i = threadIdx.x + kHeldQuads * blockDim.x; i < quads; i += blockDim.x) squares += sumOfSquares(row[i]);
    const float r = rsqrtf(dec::blockSum(squares) / static_cast<float>(hidden) + eps);
    storeNormalized(held, heldWeight, row, r, weight, quads, out + static_cast<long long>(blockIdx.x) * quads);
}

// One block per row: x += y, the sum of squares of the new x, then the fp16 output as rmsNormKernel.
// In a decoder step y is the output of the linear kernel just before, and x was last written by
// the norm before that linear: kernels two back have ended when this one starts (decoder_device.cuh),
// so the held part of x is read with the weights before the wait, and only y after it.
__global__ void __launch_bounds__(1024)
    addRmsNormKernel(float* __restrict__ x, const uint2* __restrict__ y, const uint2* __restrict__ weight, int hidden,
                     float eps, uint2* __restrict__ out) {
    const int quads = hidden / 4;
    float4* row = reinterpret_cast<float4*>(x + static_cast<long long>(blockIdx.x) * hidden);
    const uint2* add = y + static_cast<long long>(blockIdx.x) * quads;
    uint2 heldWeight[kHeldQuads];
    loadHeldWeights(weight, quads, heldWeight);
    float4 held[kHeldQuads] = {};
#pragma unroll
    for (int j = 0; j < kHeldQuads; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < quads) held[j] = row[i];
    }
    dec::waitForPrerequisites();
    float squares = 0.0f;
#pragma unroll
    for (int j = 0; j < kHeldQuads; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < quads) {
            held[j] = plusHalves(held[j], add[i]);
            row[i] = held[j];
        }
        squares += sumOfSquares(held[j]);
    }
    for (int i = threadIdx.x + kHeldQuads * blockDim.x; i < quads; i += blockDim.x) {
        const float4 v = plusHalves(row[i], add[i]);
        row[i] = v;
        squares += sumOfSquares(v);
    }
    const float r = rsqrtf(dec::blockSum(squares) / static_cast<float>(hidden) + eps);
    storeNormalized(held, heldWeight, row, r, weight, quads, out + static_cast<long long>(blockIdx.x) * quads);
}

__global__ void residualAddKernel(float4* __restrict__ x, const uint2* __restrict__ y, long long quads) {
    dec::waitForPrerequisites();
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < quads;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const uint2 h = y[i];
        const float2 a = dec::halfPairToFloat2(h.x), b = dec::halfPairToFloat2(h.y);
        float4 v = x[i];
        v.x += a.x;
        v.y += a.y;
        v.z += b.x;
        v.w += b.y;
        x[i] = v;
    }
}

__device__ __forceinline__ float silu(float g) {
    return g / (1.0f + expf(-g));
}

// Pairs of features: pair j of row r reads gate[r * gateStride + 2j] and up[r * upStride + 2j].
__global__ void siluMulKernel(const uint32_t* __restrict__ gate, long long gatePairStride,
                              const uint32_t* __restrict__ up, long long upPairStride, long long rows, int pairs,
                              uint32_t* __restrict__ out) {
    dec::waitForPrerequisites();
    const long long total = rows * pairs;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const long long row = i / pairs, pair = i % pairs;
        const float2 g = dec::halfPairToFloat2(gate[row * gatePairStride + pair]);
        const float2 u = dec::halfPairToFloat2(up[row * upPairStride + pair]);
        out[i] = dec::float2ToHalfPair(silu(g.x) * u.x, silu(g.y) * u.y);
    }
}

// A norm block has a thread per quad of the row, up to 1024 (a whole number of warps).
unsigned normThreads(std::int64_t hidden) {
    const std::int64_t quads = hidden / 4;
    return unsigned(std::clamp<std::int64_t>((quads + 31) / 32 * 32, 32, 1024));
}

unsigned elementBlocks(std::int64_t items) {
    return unsigned(std::clamp<std::int64_t>((items + kElementThreads - 1) / kElementThreads, 1, kMaxElementBlocks));
}

}  // namespace

Status launchEmbedding(const std::int32_t* tokens, std::int64_t rows, std::int64_t positions, std::int64_t tokenStride,
                       std::int64_t tokenOffset, const void* table, std::int64_t vocab, std::int64_t hidden, float* x,
                       cudaStream_t stream) {
    if (hidden % 8 != 0)
        return Status::failure("embedding: hidden size " + std::to_string(hidden) + " is not a multiple of 8");
    if (rows <= 0) return Status::success();
    Q4_CUDA(launchDecoderKernel(embeddingKernel, dim3(unsigned(rows)), dim3(kRowThreads), 0, stream, tokens,
                                int(std::max<std::int64_t>(positions, 1)), tokenStride, tokenOffset,
                                static_cast<const uint4*>(table), int(vocab), int(hidden),
                                reinterpret_cast<float4*>(x)));
    return launchStatus("embedding kernel");
}

Status launchRmsNorm(const float* x, std::int64_t rows, std::int64_t firstRow, std::int64_t rowStep, const void* weight,
                     std::int64_t hidden, float eps, void* out, cudaStream_t stream) {
    if (hidden % 4 != 0)
        return Status::failure("rms norm: hidden size " + std::to_string(hidden) + " is not a multiple of 4");
    if (rows <= 0) return Status::success();
    Q4_CUDA(launchDecoderKernel(rmsNormKernel, dim3(unsigned(rows)), dim3(normThreads(hidden)), 0, stream, x, firstRow,
                                rowStep, static_cast<const uint2*>(weight), int(hidden), eps,
                                static_cast<uint2*>(out)));
    return launchStatus("rms norm kernel");
}

Status launchAddRmsNorm(float* x, const void* y, std::int64_t rows, const void* weight, std::int64_t hidden, float eps,
                        void* out, cudaStream_t stream) {
    if (hidden % 4 != 0)
        return Status::failure("add + rms norm: hidden size " + std::to_string(hidden) + " is not a multiple of 4");
    if (rows <= 0) return Status::success();
    Q4_CUDA(launchDecoderKernel(addRmsNormKernel, dim3(unsigned(rows)), dim3(normThreads(hidden)), 0, stream, x,
                                static_cast<const uint2*>(y), static_cast<const uint2*>(weight), int(hidden), eps,
                                static_cast<uint2*>(out)));
    return launchStatus("add + rms norm kernel");
}

Status launchResidualAdd(float* x, const void* y, std::int64_t count, cudaStream_t stream) {
    if (count % 4 != 0)
        return Status::failure("residual add: " + std::to_string(count) + " elements, not a multiple of 4");
    const std::int64_t quads = count / 4;
    if (quads == 0) return Status::success();
    Q4_CUDA(launchDecoderKernel(residualAddKernel, dim3(elementBlocks(quads)), dim3(kElementThreads), 0, stream,
                                reinterpret_cast<float4*>(x), static_cast<const uint2*>(y), quads));
    return launchStatus("residual add kernel");
}

Status launchSiluMul(const void* gate, std::int64_t gateStride, const void* up, std::int64_t upStride,
                     std::int64_t rows, std::int64_t width, void* out, cudaStream_t stream) {
    if (width % 2 != 0 || gateStride % 2 != 0 || upStride % 2 != 0)
        return Status::failure("silu * up: width and row strides must be even");
    const std::int64_t pairs = width / 2;
    if (rows <= 0 || pairs == 0) return Status::success();
    Q4_CUDA(launchDecoderKernel(siluMulKernel, dim3(elementBlocks(rows * pairs)), dim3(kElementThreads), 0, stream,
                                static_cast<const uint32_t*>(gate), gateStride / 2, static_cast<const uint32_t*>(up),
                                upStride / 2, rows, int(pairs), static_cast<uint32_t*>(out)));
    return launchStatus("silu * up kernel");
}

}  // namespace q4
