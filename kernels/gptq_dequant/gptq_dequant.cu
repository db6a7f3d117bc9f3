// GPTQ -> fp16 dequantization on the device (see gptq_dequant.h). Bandwidth-bound: each thread
// reads one 16-byte vector of packed words (8 rows x 4 adjacent columns) and writes 8 rows of 4
// halves; a warp covers 128 adjacent columns, so both reads and writes are coalesced.
// With g_idx the group is looked up per row (act-order rows of one word may sit in 8 groups);
// when all 8 rows share a group (natural order) its scale and zero are loaded once.
#include <cuda_fp16.h>

#include <algorithm>

#include "cuda/cuda_check.h"
#include "gptq_dequant/gptq_dequant.cuh"
#include "gptq_dequant/gptq_dequant.h"

namespace q4 {
namespace {

constexpr int kColsPerThread = 4;
constexpr int kBlockX = 64;  // threads along n: 256 columns per block
constexpr int kBlockY = 4;   // threads along k: 4 packed words (32 rows) per block
constexpr unsigned kMaxGridY = 65535;

// Scale and biased zero of 4 adjacent columns in one group, as half2 pairs (c0, c1) and (c2, c3).
struct GroupParams {
    __half2 scale01, scale23, zero01, zero23;
};

__device__ __forceinline__ GroupParams loadGroup(const __half* scales, const std::uint32_t* qzeros, int n, int col,
                                                 int group, std::uint32_t zeroOffset) {
    const uint2 s = *reinterpret_cast<const uint2*>(scales + std::int64_t(group) * n + col);
    // col is a multiple of 4, so its 4 zero nibbles are the low or the high half of one word.
    const std::uint32_t word = qzeros[std::int64_t(group) * (n / 8) + col / 8];
    const int shift = (col & 7) * 4;
    GroupParams p;
    p.scale01 = bitsToHalf2(s.x);
    p.scale23 = bitsToHalf2(s.y);
    p.zero01 = biasedZeroPair(trueZero(word, shift, zeroOffset), trueZero(word, shift + 4, zeroOffset));
    p.zero23 = biasedZeroPair(trueZero(word, shift + 8, zeroOffset), trueZero(word, shift + 12, zeroOffset));
    return p;
}

__global__ void __launch_bounds__(kBlockX* kBlockY)
    dequantKernel(const std::uint32_t* __restrict__ qweight, const std::uint32_t* __restrict__ qzeros,
                  const __half* __restrict__ scales, const int* __restrict__ gIdx, __half* __restrict__ out, int k,
                  int n, int groupRows, std::uint32_t zeroOffset) {
    const int col = (blockIdx.x * kBlockX + threadIdx.x) * kColsPerThread;
    if (col >= n) return;  // n % 8 == 0: a thread's 4 columns are all in range or all out
    const int wordRows = k / 8;
    for (int wordRow = blockIdx.y * kBlockY + threadIdx.y; wordRow < wordRows; wordRow += gridDim.y * kBlockY) {
        const uint4 q = *reinterpret_cast<const uint4*>(qweight + std::int64_t(wordRow) * n + col);
        // Pair columns (0, 1) and (2, 3): the low 16 bits of a word hold rows 0-3, the high 16 rows 4-7.
        const std::uint32_t rows03Cols01 = __byte_perm(q.x, q.y, 0x5410), rows47Cols01 = __byte_perm(q.x, q.y, 0x7632);
        const std::uint32_t rows03Cols23 = __byte_perm(q.z, q.w, 0x5410), rows47Cols23 = __byte_perm(q.z, q.w, 0x7632);
        __half* outRows = out + std::int64_t(wordRow) * 8 * n + col;

        auto writeRow = [&](int j, const GroupParams& p) {
            const int shift = 4 * (j & 3);
            const std::uint32_t bits01 = (j < 4 ? rows03Cols01 : rows47Cols01) >> shift;
            const std::uint32_t bits23 = (j < 4 ? rows03Cols23 : rows47Cols23) >> shift;
            // (q - z) is exact in fp16, so each weight is rounded once, by the multiply.
            const __half2 w01 = __hmul2(__hsub2(biasedNibblePair(bits01), p.zero01), p.scale01);
            const __half2 w23 = __hmul2(__hsub2(biasedNibblePair(bits23), p.zero23), p.scale23);
            *reinterpret_cast<uint2*>(outRows + std::int64_t(j) * n) = make_uint2(half2ToBits(w01), half2ToBits(w23));
        };

        int groups[8];
        if (gIdx) {
            const int4 g0 = *reinterpret_cast<const int4*>(gIdx + std::int64_t(wordRow) * 8);
            const int4 g1 = *reinterpret_cast<const int4*>(gIdx + std::int64_t(wordRow) * 8 + 4);
            groups[0] = g0.x, groups[1] = g0.y, groups[2] = g0.z, groups[3] = g0.w;
            groups[4] = g1.x, groups[5] = g1.y, groups[6] = g1.z, groups[7] = g1.w;
        } else {
            for (int j = 0; j < 8; ++j) groups[j] = wordRow * 8 / groupRows;
        }
        bool oneGroup = true;
#pragma unroll
        for (int j = 1; j < 8; ++j) oneGroup = oneGroup && groups[j] == groups[0];

        // The branch is uniform across a warp (its threads share the word row).
        if (oneGroup) {
            const GroupParams p = loadGroup(scales, qzeros, n, col, groups[0], zeroOffset);
#pragma unroll
            for (int j = 0; j < 8; ++j) writeRow(j, p);
        } else {
#pragma unroll
            for (int j = 0; j < 8; ++j) writeRow(j, loadGroup(scales, qzeros, n, col, groups[j], zeroOffset));
        }
    }
}

}  // namespace

Status launchGptqDequant(const GptqDeviceTensors& w, void* out, cudaStream_t stream) {
    if (w.k % 8 != 0 || w.n % 8 != 0) return Status::failure("gptq dequant: k and n must be multiples of 8");
    if (!w.gIdx && (w.groupRows <= 0 || w.groupRows % 8 != 0))
        return Status::failure("gptq dequant: without g_idx the group rows must be a positive multiple of 8");
    const std::int64_t quads = w.n / kColsPerThread, wordRows = w.k / 8;
    const dim3 block(kBlockX, kBlockY);
    // Rows beyond 65535 blocks are covered by the kernel's stride loop.
    const dim3 grid(unsigned((quads + kBlockX - 1) / kBlockX),
                    unsigned(std::min<std::int64_t>((wordRows + kBlockY - 1) / kBlockY, kMaxGridY)));
    dequantKernel<<<grid, block, 0, stream>>>(
        static_cast<const std::uint32_t*>(w.qweight), static_cast<const std::uint32_t*>(w.qzeros),
        static_cast<const __half*>(w.scales), static_cast<const int*>(w.gIdx), static_cast<__half*>(out), int(w.k),
        int(w.n), int(w.groupRows), zeroOffset(w.zeroFormat));
    return launchStatus("gptq dequant kernel");
}

}  // namespace q4
