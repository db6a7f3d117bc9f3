// gptq_naive: C [m, n] fp16 = A [m, k] fp16 * W [k, n], W the GPTQ int4 layer read as stored, in
// the style of GPTQ-for-LLaMa's original CUDA kernel (VecQuant4MatMul with g_idx).
//
// Layout: qweight uint32 [k/8, n] as the checkpoint packs it (8 rows per word, lowest nibble =
// lowest row); zeros uint32 [G, n/8] holding the true zero points (v1 checkpoints are converted at
// prepare), lowest nibble = lowest column; scales fp16 [G, n]; g_idx int32 [k].
//
// Each thread owns one output column, each block a slab of 128 rows of k for 128 columns. The slab
// of one A row is staged in shared memory as float; every weight row looks up its group in g_idx
// and gathers that group's scale and zero, so act-order works natively and pays that cost on every
// row. Accumulation is fp32; slab partial sums are atomically added into an fp32 workspace [m, n]
// (zeroed first), which a second kernel converts to fp16 C. The weights are dequantized again for
// every row of A, so the work grows linearly in m.
//
// Limitations: atomicAdd over k slabs makes it not bitwise deterministic; the workspace costs
// 4*m*n bytes. Takes every valid GPTQ shape (k % 8 == 0, n % 8 == 0, any group size, act-order) whose
// groups*n fits 32 bits.
#include <cuda_fp16.h>

#include "cuda/kernel_entries.h"
#include "gptq_style/gptq_common.cuh"

namespace q4 {
namespace {

constexpr int kColumns = 128;   // threads per block, one output column each
constexpr int kSlabRows = 128;  // rows of k per block: one staged A value per thread
static_assert(kSlabRows == kColumns && kSlabRows % 8 == 0);

__global__ void __launch_bounds__(kColumns)
    gptqNaiveKernel(const __half* __restrict__ a, const std::uint32_t* __restrict__ qweight,
                    const std::uint32_t* __restrict__ zeros, const __half* __restrict__ scales,
                    const int* __restrict__ gIdx, float* __restrict__ workspace, int m, int n, int k) {
    __shared__ float aSlab[kSlabRows];

    const int t = threadIdx.x;
    const int col = blockIdx.x * kColumns + t;
    const int row0 = blockIdx.y * kSlabRows;
    const int rows = min(kSlabRows, k - row0);  // a multiple of 8, since k is
    const bool active = col < n;                // n % 8 == 0, so only the last block has idle columns
    const int zeroWidth = n / 8;
    const int zeroShift = 4 * (col % 8);
    const std::uint32_t* slabWeights = qweight + std::size_t(row0 / 8) * n + col;

    for (int b = blockIdx.z; b < m; b += gridDim.z) {
        aSlab[t] = t < rows ? __half2float(a[std::size_t(b) * k + row0 + t]) : 0.0f;
        __syncthreads();
        if (active) {
            float sum = 0.0f;
            const std::uint32_t* word = slabWeights;
            for (int i = 0; i < rows; i += 8, word += n) {
                const std::uint32_t packed = *word;  // a warp reads 32 consecutive columns: coalesced
#pragma unroll
                for (int j = 0; j < 8; ++j) {
                    // The per-row gather that act-order costs: group, then that group's scale and zero.
                    const int g = gIdx[row0 + i + j];
                    const float scale = __half2float(scales[g * n + col]);
                    const int zero = int(zeros[g * zeroWidth + col / 8] >> zeroShift) & 0xF;
                    const int q = int(packed >> (4 * j)) & 0xF;
                    sum = fmaf(scale * float(q - zero), aSlab[i + j], sum);
                }
            }
            atomicAdd(workspace + std::size_t(b) * n + col, sum);
        }
        __syncthreads();  // aSlab is rewritten for the next row of A
    }
}

class GptqNaive final : public AtomicSlabKernel {
    Status launchSlabs(const void* a, float* workspace, std::int64_t m, GpuContext& context) override {
        const unsigned columnBlocks = unsigned((n_ + kColumns - 1) / kColumns);
        const unsigned slabs = unsigned((k_ + kSlabRows - 1) / kSlabRows);
        const dim3 grid(columnBlocks, slabs,
                        splitRows(m, std::int64_t(columnBlocks) * slabs, multiprocessors_, kColumns));
        gptqNaiveKernel<<<grid, kColumns, 0, context.stream>>>(
            static_cast<const __half*>(a), layer_.qweight.as<std::uint32_t>(), layer_.zeros.as<std::uint32_t>(),
            layer_.scales.as<__half>(), layer_.gIdx.as<int>(), workspace, int(m), int(n_), int(k_));
        return launchStatus("gptq_naive kernel");
    }
};

}  // namespace

KernelEntry gptqNaiveEntry() {
    return {{"gptq_naive", "gptq",
             "GPTQ-for-LLaMa style (VecQuant4MatMul with g_idx): one thread per output column, packed qweight "
             "read directly, a g_idx lookup and scale/zero gather on every row (act-order native), fp32 "
             "accumulation. k slabs of 128 rows are atomically added into an fp32 workspace, then converted "
             "to fp16: not bitwise deterministic. Weights are dequantized again for every row of A.",
             "any valid GPTQ shape (k % 8 == 0, n % 8 == 0, any group size, act-order or not) with "
             "groups*n < 2^31; needs a 4*m*n byte fp32 workspace",
             true},
            [](const SweepPoint& point, const GpuContext&) { return checkGptqShape(point); },
            [] { return std::make_unique<GptqNaive>(); }};
}

}  // namespace q4
