#pragma once
// Host-side reshuffle of GPTQ weights into the order the int4 kernels (tc_int4, gemv_int4,
// wgmma_int4) consume.
//
// The kernels compute C^T = W^T A^T with mma.sync m16n8k16: the weight tile is the 16x16 "A"
// operand (16 output features n x 16 inputs k) and the activations are the 16x8 "B" operand.
// Lane l = 4 g + t of a warp holds, for one tile, the A fragment
//   a0 = (n = g,     k = 2t, 2t+1)    a1 = (n = g + 8, k = 2t, 2t+1)
//   a2 = (n = g,     k = 2t+8, 2t+9)  a3 = (n = g + 8, k = 2t+8, 2t+9)
// i.e. 8 nibbles: exactly one int32 per lane per tile. Fragment p's two nibbles sit at bits
// 4p and 16 + 4p, so one lop3 with 0x000F000F pulls both into an fp16 pair (see
// dequantizeTile in tc_int4/tc_int4_kernel.cuh).
// A lane's 16-byte word holds 4 consecutive k tiles of one n tile; a warp's 32 words are one
// contiguous 512-byte block, and the blocks of all n tiles at one k64 step are adjacent:
//   index(k64, nTile, lane) = (k64 * (n / 16) + nTile) * 32 + lane.
// So the warps streaming different n tiles at the same step read one contiguous range, spread
// over every DRAM channel (an n-tile-major order put them 64 KiB apart, on few channels).
//
// Act-order: rows are first sorted by group (stable), so each group's rows are contiguous; the
// activation columns are moved into the same order before the kernel runs.
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"

namespace q4 {

struct FragmentLayout {
    std::int64_t n = 0, k = 0;
    int groupSize = 0;                  // rows per group after sorting (k for one group)
    std::vector<std::uint32_t> words;   // [k/64][n/16][32 lanes][4 k tiles]
    std::vector<std::uint32_t> scales;  // [G][n/16][8]: half2 (scale of n = g, scale of n = g + 8)
    std::vector<std::uint32_t> zeros;   // [G][n/16][8]: half2 (1024 + zero of n = g, of n = g + 8)
    std::vector<std::int32_t> permutation;  // sorted row -> original row; empty when natural order
};

// Requires n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1, and every group of
// exactly groupSize rows (as GPTQ's act-order produces).
Status fragmentLayoutSupports(std::int64_t n, std::int64_t k, int groupSize);
Expected<FragmentLayout> makeFragmentLayout(const GptqLayer& layer);
// Everything but the words (left empty), without reading qweight: for weights whose words are
// laid out on the device (fragment_words.h) from the permutation made here.
Expected<FragmentLayout> makeFragmentTensors(const GptqLayer& layer);

// The nibble stored for (row in sorted order, column): for tests of the layout.
int fragmentNibble(const FragmentLayout& layout, std::int64_t sortedRow, std::int64_t column);

}  // namespace q4
