#pragma once
// Device helpers shared by the decoder's kernels: block-wide reductions and a few fp16 moves.
#include <cuda_fp16.h>

#include <cstdint>

namespace q4::dec {

// A kernel launched as a programmatic dependent (decoder_launch.h) may start before the kernel
// before it has finished: it waits here, before any global memory access, until that kernel is
// complete and its writes are visible. Then it lets the kernel after it launch, which waits in
// turn: that launch, and a linear kernel's first weight loads before its own wait, overlap this
// kernel. No-ops on a normal launch and before sm_90.
__device__ __forceinline__ void waitForPrerequisites() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;");
#endif
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// The sum over the block, returned to every thread. blockDim.x a multiple of 32, at most 1024.
// Contains __syncthreads: every thread of the block must call it.
__device__ __forceinline__ float blockSum(float v) {
    __shared__ float partial[32];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
    v = warpSum(v);
    __syncthreads();  // partial may still be read by a previous call
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float total = lane < warps ? partial[lane] : 0.0f;
    return warpSum(total);
}

// RoPE's rotate-half of the pair (x1, x2) = (x_i, x_{i + d/2}) by the angle's (cos, sin), each
// output with its rounding fixed (one product, then one fma), so every kernel that rotates the
// same value gets the same bits.
__device__ __forceinline__ float2 ropeRotate(float x1, float x2, float2 cs) {
    return make_float2(__fmaf_rn(x1, cs.x, __fmul_rn(-x2, cs.y)), __fmaf_rn(x2, cs.x, __fmul_rn(x1, cs.y)));
}

__device__ __forceinline__ float2 halfPairToFloat2(uint32_t bits) {
    __half2 h;
    memcpy(&h, &bits, sizeof(h));
    return __half22float2(h);
}

__device__ __forceinline__ uint32_t float2ToHalfPair(float lo, float hi) {
    const __half2 h = __floats2half2_rn(lo, hi);  // lo in the low 16 bits
    uint32_t bits;
    memcpy(&bits, &h, sizeof(bits));
    return bits;
}

}  // namespace q4::dec
