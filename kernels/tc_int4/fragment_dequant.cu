#include "tc_int4/fragment_dequant.h"

#include <cuda_fp16.h>

#include "cuda_check.h"
#include "tc_int4/tc_int4_kernel.cuh"

namespace q4 {
namespace {

// One thread per (n tile, 64 k, lane): 4 words = 4 tiles of 8 fp16 pairs, written to W^T rows
// n = g and g + 8 as half2 (k pairs are adjacent in W^T), so each warp covers whole sectors.
__global__ void dequantTransposedKernel(const uint4* __restrict__ words, const uint32_t* __restrict__ scales,
                                        const uint32_t* __restrict__ zeros, __half2* __restrict__ wt, int n, int k,
                                        int groupSize) {
    const int k64s = k / 64;
    const long long item = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    const long long items = (long long)(n / 16) * k64s * 32;
    if (item >= items) return;
    const int lane = int(item % 32), g = lane / 4, t = lane % 4;
    const int k64 = int((item / 32) % k64s), nTile = int(item / 32 / k64s);
    const uint4 v = words[item];
    const uint32_t w4[4] = {v.x, v.y, v.z, v.w};
    const int rowLow = nTile * 16 + g, rowHigh = rowLow + 8;
#pragma unroll
    for (int tile = 0; tile < 4; ++tile) {
        const int kTile = k64 * 64 + tile * 16;
        const size_t at = (size_t(kTile / groupSize) * (n / 16) + nTile) * 8 + g;
        const uint32_t s = scales[at], z = zeros[at];
        const uint32_t sl = tc::broadcastLow(s), sh = tc::broadcastHigh(s);
        const uint32_t zl = tc::broadcastLow(z), zh = tc::broadcastHigh(z);
        const uint32_t w = w4[tile];
        const uint32_t f0 = tc::hmul2Bits(tc::hsub2Bits(tc::nibblePairToHalf2(w), zl), sl);
        const uint32_t f1 = tc::hmul2Bits(tc::hsub2Bits(tc::nibblePairToHalf2(w >> 4), zh), sh);
        const uint32_t f2 = tc::hmul2Bits(tc::hsub2Bits(tc::nibblePairToHalf2(w >> 8), zl), sl);
        const uint32_t f3 = tc::hmul2Bits(tc::hsub2Bits(tc::nibblePairToHalf2(w >> 12), zh), sh);
        const int kPair = (kTile + 2 * t) / 2;  // half2 index along k
        const size_t strideRow = size_t(k) / 2;
        wt[size_t(rowLow) * strideRow + kPair] = *reinterpret_cast<const __half2*>(&f0);
        wt[size_t(rowHigh) * strideRow + kPair] = *reinterpret_cast<const __half2*>(&f1);
        wt[size_t(rowLow) * strideRow + kPair + 4] = *reinterpret_cast<const __half2*>(&f2);
        wt[size_t(rowHigh) * strideRow + kPair + 4] = *reinterpret_cast<const __half2*>(&f3);
    }
}

__global__ void gatherColumnsKernel(const __half* __restrict__ a, const int32_t* __restrict__ permutation,
                                    __half* __restrict__ out, long long m, int k) {
    const long long total = m * k;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        const long long row = i / k;
        out[i] = a[row * k + permutation[i % k]];
    }
}

}  // namespace

Status dequantizeFragmentsTransposed(const FragmentWeightsView& w, void* wt, cudaStream_t stream) {
    const long long items = (w.n / 16) * (w.k / 64) * 32;
    const int threads = 256;
    dequantTransposedKernel<<<unsigned((items + threads - 1) / threads), threads, 0, stream>>>(
        static_cast<const uint4*>(w.words), static_cast<const uint32_t*>(w.scales),
        static_cast<const uint32_t*>(w.zeros), static_cast<__half2*>(wt), int(w.n), int(w.k), w.groupSize);
    return launchStatus("fragment dequantize kernel");
}

Status gatherColumns(const void* a, const std::int32_t* permutation, void* out, std::int64_t m, std::int64_t k,
                     cudaStream_t stream) {
    gatherColumnsKernel<<<1024, 256, 0, stream>>>(static_cast<const __half*>(a), permutation,
                                                  static_cast<__half*>(out), m, int(k));
    return launchStatus("gather columns kernel");
}

}  // namespace q4
