// gptq_half2: C [m, n] fp16 = A [m, k] fp16 * W [k, n], W the GPTQ int4 layer read as stored, in
// the style of AutoGPTQ's cuda-old / cuda kernels: fp16 (half2) arithmetic for dequantization and
// the multiply-add, activations staged in shared memory as half, the group of each row looked up in
// g_idx.
//
// Layout: qweight uint32 [k/8, n] as the checkpoint packs it (8 rows per word, lowest nibble =
// lowest row); zeros uint32 [G, n/8] holding the true zero points (v1 checkpoints are converted at
// prepare), lowest nibble = lowest column; scales fp16 [G, n]; g_idx int32 [k].
//
// Each thread owns 4 adjacent output columns (one 16-byte qweight load per packed row, two half2
// lanes), each block a slab of 128 rows of k for 256 columns. Per row the thread dequantizes two
// columns at a time as half2, (q - z) * scale, and adds it times the broadcast activation with
// __hfma2. The group comes from g_idx on every row; the scale and zero are gathered again whenever
// it changes, which is every few rows under act-order and once per group otherwise. The half2
// partial sum covers one packed word (8 rows) before it is added into fp32, which keeps the fp16
// rounding error near 1e-3 relative. Slab sums are atomically added into an fp32 workspace [m, n]
// (zeroed first), which a second kernel converts to fp16 C. Weights are dequantized again for every
// row of A, so the work grows linearly in m.
//
// Limitations: atomicAdd over k slabs makes it not bitwise deterministic; products and 8-row partial
// sums are fp16, so activations or weights near the fp16 range limit would overflow; the workspace
// costs 4*m*n bytes. Takes every valid GPTQ shape (k % 8 == 0, n % 8 == 0, any group size, act-order) whose
// groups*n fits 32 bits.
#include <cuda_fp16.h>

#include "cuda/kernel_entries.h"
#include "gptq_style/gptq_common.cuh"

namespace q4 {
namespace {

constexpr int kThreads = 64;
constexpr int kColumnsPerThread = 4;                    // one 16-byte qweight load per packed row
constexpr int kColumns = kThreads * kColumnsPerThread;  // per block
constexpr int kSlabRows = 128;                          // rows of k per block: one staged half2 per thread
static_assert(kSlabRows == 2 * kThreads && kSlabRows % 8 == 0);

constexpr std::uint32_t kHalf1024 = 0x64006400;  // half2 (1024, 1024): OR-ing in q <= 15 gives 1024 + q exactly

__device__ __forceinline__ __half2 asHalf2(std::uint32_t bits) {
    __half2 h;
    memcpy(&h, &bits, sizeof(h));
    return h;
}

// Column pair (c, c+1) of row `row` (0..3) of a word pair interleaved as (c in the low 16 bits, c+1
// in the high 16 bits), as half2 (1024 + q).
__device__ __forceinline__ __half2 nibblePair(std::uint32_t interleaved, int row) {
    return asHalf2(((interleaved >> (4 * row)) & 0x000F000F) | kHalf1024);
}

__global__ void __launch_bounds__(kThreads)
    gptqHalf2Kernel(const __half2* __restrict__ a, const std::uint32_t* __restrict__ qweight,
                    const std::uint32_t* __restrict__ zeros, const __half* __restrict__ scales,
                    const int* __restrict__ gIdx, float* __restrict__ workspace, int m, int n, int k) {
    __shared__ __align__(16) __half2 aSlab[kSlabRows / 2];  // rows (2i, 2i+1) of one A row
    __shared__ __align__(16) int gSlab[kSlabRows];

    const int t = threadIdx.x;
    const int col = (blockIdx.x * kThreads + t) * kColumnsPerThread;
    const int row0 = blockIdx.y * kSlabRows;
    const int rows = min(kSlabRows, k - row0);  // a multiple of 8, since k is
    const bool active = col < n;                // n % 4 == 0: a thread's columns are all in or all out
    const int zeroWidth = n / 8;
    const int zeroShift = 4 * (col % 8);  // 0 or 16: the thread's 4 zeros are 16 bits of one word
    const std::uint32_t* slabWeights = qweight + std::size_t(row0 / 8) * n + col;

    for (int i = t; i < rows; i += kThreads) gSlab[i] = gIdx[row0 + i];

    for (int b = blockIdx.z; b < m; b += gridDim.z) {
        if (2 * t < rows) aSlab[t] = a[(std::size_t(b) * k + row0) / 2 + t];
        __syncthreads();
        if (active) {
            float sum[kColumnsPerThread] = {0.0f, 0.0f, 0.0f, 0.0f};
            int group = -1;
            __half2 scale01 = {}, scale23 = {}, zero01 = {}, zero23 = {};
            const std::uint32_t* word = slabWeights;
            for (int i = 0; i < rows; i += 8, word += n) {
                // Columns c..c+3 of 8 rows; consecutive threads read consecutive 16 bytes.
                const uint4 packed = *reinterpret_cast<const uint4*>(word);
                // Interleave column pairs so one shift and mask yields a half2 of both columns.
                const std::uint32_t low01 = __byte_perm(packed.x, packed.y, 0x5410);  // rows 0..3
                const std::uint32_t high01 = __byte_perm(packed.x, packed.y, 0x7632);  // rows 4..7
                const std::uint32_t low23 = __byte_perm(packed.z, packed.w, 0x5410);
                const std::uint32_t high23 = __byte_perm(packed.z, packed.w, 0x7632);
                const uint4 aRows = *reinterpret_cast<const uint4*>(aSlab + i / 2);  // broadcast
                const int4 groups0 = *reinterpret_cast<const int4*>(gSlab + i);
                const int4 groups1 = *reinterpret_cast<const int4*>(gSlab + i + 4);
                const int rowGroups[8] = {groups0.x, groups0.y, groups0.z, groups0.w,
                                          groups1.x, groups1.y, groups1.z, groups1.w};
                const std::uint32_t aPairs[4] = {aRows.x, aRows.y, aRows.z, aRows.w};

                __half2 acc01 = __float2half2_rn(0.0f), acc23 = __float2half2_rn(0.0f);
#pragma unroll
                for (int j = 0; j < 8; ++j) {
                    const int g = rowGroups[j];
                    if (g != group) {  // uniform across the block: every thread is on the same row
                        group = g;
                        const uint2 s = *reinterpret_cast<const uint2*>(scales + g * n + col);
                        scale01 = asHalf2(s.x);
                        scale23 = asHalf2(s.y);
                        const std::uint32_t z = zeros[g * zeroWidth + col / 8] >> zeroShift;
                        zero01 = asHalf2((z & 0xF) | ((z & 0xF0) << 12) | kHalf1024);
                        zero23 = asHalf2(((z >> 8) & 0xF) | ((z & 0xF000) << 4) | kHalf1024);
                    }
                    const __half2 q01 = nibblePair(j < 4 ? low01 : high01, j % 4);
                    const __half2 q23 = nibblePair(j < 4 ? low23 : high23, j % 4);
                    const __half2 aPair = asHalf2(aPairs[j / 2]);
                    const __half2 aj = j % 2 == 0 ? __low2half2(aPair) : __high2half2(aPair);
                    // (1024 + q) - (1024 + z) is exact; the scale multiply is the one dequant rounding.
                    acc01 = __hfma2(__hmul2(__hsub2(q01, zero01), scale01), aj, acc01);
                    acc23 = __hfma2(__hmul2(__hsub2(q23, zero23), scale23), aj, acc23);
                }
                sum[0] += __low2float(acc01);
                sum[1] += __high2float(acc01);
                sum[2] += __low2float(acc23);
                sum[3] += __high2float(acc23);
            }
            float* out = workspace + std::size_t(b) * n + col;
#pragma unroll
            for (int c = 0; c < kColumnsPerThread; ++c) atomicAdd(out + c, sum[c]);
        }
        __syncthreads();  // aSlab is rewritten for the next row of A
    }
}

class GptqHalf2 final : public AtomicSlabKernel {
    Status launchSlabs(const void* a, float* workspace, std::int64_t m, GpuContext& context) override {
        const unsigned columnBlocks = unsigned((n_ + kColumns - 1) / kColumns);
        const unsigned slabs = unsigned((k_ + kSlabRows - 1) / kSlabRows);
        const dim3 grid(columnBlocks, slabs,
                        splitRows(m, std::int64_t(columnBlocks) * slabs, multiprocessors_, kThreads));
        gptqHalf2Kernel<<<grid, kThreads, 0, context.stream>>>(
            static_cast<const __half2*>(a), layer_.qweight.as<std::uint32_t>(), layer_.zeros.as<std::uint32_t>(),
            layer_.scales.as<__half>(), layer_.gIdx.as<int>(), workspace, int(m), int(n_), int(k_));
        return launchStatus("gptq_half2 kernel");
    }
};

}  // namespace

KernelEntry gptqHalf2Entry() {
    return {{"gptq_half2", "gptq",
             "AutoGPTQ cuda-old / cuda style: half2 dequantization (q - z) * scale of two columns at a time and "
             "__hfma2 multiply-add, activations staged in shared memory as half, the group of every row from "
             "g_idx (scale/zero gathered when it changes: every few rows under act-order). fp16 partial sums "
             "over 8 rows, then fp32; k slabs of 128 rows are atomically added into an fp32 workspace, then "
             "converted to fp16: not bitwise deterministic. Weights are dequantized again for every row of A.",
             "any valid GPTQ shape (k % 8 == 0, n % 8 == 0, any group size, act-order or not) with "
             "groups*n < 2^31; needs a 4*m*n byte fp32 workspace",
             true},
            [](const SweepPoint& point, const GpuContext&) { return checkGptqShape(point); },
            [] { return std::make_unique<GptqHalf2>(); }};
}

}  // namespace q4
