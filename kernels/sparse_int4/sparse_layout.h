#pragma once
// Host-side reshuffle of a 2:4 sparse GPTQ layer (core/sparsity/sparse_gptq_layer.h) into the
// order sparse_int4's mma.sp consumes, with the metadata rewritten into the registers the
// instruction reads.
//
// The kernel computes C^T = W^T A^T with mma.sp::ordered_metadata m16n8k32 (f16 in, f32 out):
// the sparse operand is a 16 x 32 weight tile (16 output features n x 32 inputs k, 2:4 along k,
// so 16 x 16 stored halves) and the activations are the dense 32 x 8 operand. From the PTX ISA
// (sparse m16n8k32 .f16 fragments), lane l = 4 g + t holds four registers of two stored halves:
//   a0 = (n = g,     chunk t)      a1 = (n = g + 8, chunk t)
//   a2 = (n = g,     chunk t + 4)  a3 = (n = g + 8, chunk t + 4)
// where chunk c is k 4c..4c+3 of the tile, and a register's low half is the chunk's lower kept
// row. So each lane needs 8 kept nibbles per tile: one word, register p's halves at bits 4p and
// 16 + 4p, the positions tc_int4's dequantizeTile reads (the registers also pair rows g and
// g + 8 as the dense m16n8k16 fragment does, so its zero-point forms carry over unchanged).
//
// Metadata: per chunk, 4 bits from the LSB: the lower kept offset (0..3) in bits 0-1, the higher in
// bits 2-3 (increasing, as ::ordered_metadata requires). With sparsity selector s, lanes
// 4 g + 2 s and 4 g + 2 s + 1 of each quad supply it: the first for k 0-15 (chunks 0-3), the second
// for k 16-31 (chunks 4-7); bits 0-15 for row g, bits 16-31 for row g + 8. Our logical words
// (sparse_metadata.h) already hold a column's 8 chunks of 32 rows in that nibble format, so lane
// 4 g + 2 s + h takes the half h of the words of columns g and g + 8. The kernel runs two tiles
// (k 0-31 and 32-63 of a 64-k step) with selectors 0 and 1, so one register per lane covers both:
// lane 4 g + t carries block t / 2, half t % 2.
//
// Streams, per 64-k step and 16-feature tile, 32 lanes each (a warp reads 256 + 128 contiguous
// bytes; the tiles of one step are adjacent, as in fragment_layout.h):
//   words     index(k64, nTile, lane) * 2 + block   the lane's A word of block 0 and of block 1
//   metadata  index(k64, nTile, lane)               its metadata register
//   index(k64, nTile, lane) = (k64 * (n / 16) + nTile) * 32 + lane
// Sizes: k n / 4 bytes of nibbles and k n / 8 of metadata, exactly the compressed form's.
//
// Groups: when g_idx is the natural order and the group size a multiple of 32, every 32-row
// block lies in one group, and the kernel scales the mma sums of a group once in fp32 (tc_int4's
// scheme). Otherwise (act-order, or groups of 8 or 16 rows) each kept value looks up the group
// of its own row in g_idx: rows keep their stored order, which the 2:4 runs need (sorting rows
// by group, as tc_int4 does, would break the runs).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "sparsity/sparse_gptq_layer.h"

#if defined(__CUDACC__)
#define Q4_SPARSE_HD __host__ __device__
#else
#define Q4_SPARSE_HD
#endif

namespace q4 {

struct SparseFragmentLayout {
    std::int64_t n = 0, k = 0;
    // Rows per group when every 32-row block lies in one group (k for one group); 0 when each kept
    // row looks up its group in gIdx.
    int groupSize = 0;
    std::vector<std::uint32_t> words;     // [k/64][n/16][32 lanes][2 blocks]
    std::vector<std::uint32_t> metadata;  // [k/64][n/16][32 lanes]
    std::vector<std::uint32_t> scales;    // [G][n/16][8]: half2 (scale of n = g, scale of n = g + 8)
    std::vector<std::uint32_t> zeros;     // [G][n/16][8]: half2 (1024 + zero of n = g, of n = g + 8)
    std::vector<std::int32_t> gIdx;       // [k], with per-row groups only
};

// Requires n % 16 == 0 (16-feature tiles) and k % 64 == 0 (steps of two 32-row tiles).
Status sparseLayoutSupports(std::int64_t n, std::int64_t k);
// 2:4 layers only; any group size and g_idx.
Expected<SparseFragmentLayout> makeSparseFragmentLayout(const SparseGptqLayer& layer);

namespace sparse {

// The bit of A-register p's half e (0: the lower kept row of its chunk) in a lane's word.
Q4_SPARSE_HD constexpr int nibbleShift(int p, int e) { return 4 * p + 16 * e; }
// The lane that supplies the metadata of half h (0: k 0-15, 1: k 16-31) of the block read with
// sparsity selector `block`, for rows g and g + 8.
Q4_SPARSE_HD constexpr int metadataLane(int g, int block, int h) { return 4 * g + 2 * block + h; }
// The k offset (0..31) within its block of half e of A-register p of lane 4 g + t, from the
// metadata registers of the block's two metadata lanes of that quad (low: k 0-15, high: 16-31).
Q4_SPARSE_HD constexpr int keptOffset(std::uint32_t low, std::uint32_t high, int t, int p, int e) {
    const std::uint32_t word = (p >> 1) ? high : low;
    const int nibble = int(word >> (16 * (p & 1) + 4 * t)) & 0xF;
    return 16 * (p >> 1) + 4 * t + ((nibble >> (2 * e)) & 3);
}

// Where element (feature n, row r) of W^T sits in the streams, for the fp16 expansion of the
// large-m path and for host checks. Row r of its 64-k step is in block (r % 64) / 32 (sparsity
// selector), chunk c = (r % 32) / 4 of that block, at offset r % 4; feature n is row g = n % 8 of
// tile n / 16, in the registers' high halves (hi = 1) when n % 16 >= 8.
//
// The entry of `lane` in the (64-k step, 16-feature tile) that holds (n, r).
Q4_SPARSE_HD constexpr std::size_t laneEntry(std::int64_t n, std::int64_t r, std::int64_t nTiles, int lane) {
    return std::size_t(((r / 64) * nTiles + n / 16) * 32 + lane);
}
// The metadata register that holds the offsets of (n, r)'s chunk: the one of metadataLane for
// the row's block and half (c / 4), which the 16 rows of that half share.
Q4_SPARSE_HD constexpr std::size_t metadataIndex(std::int64_t n, std::int64_t r, std::int64_t nTiles) {
    return laneEntry(n, r, nTiles, metadataLane(int(n % 8), int(r % 64 / 32), int(r % 32 / 16)));
}
// The word of lane 4 g + c % 4 that holds (n, r)'s chunk, kept or not (A-register hi + 2 (c / 4)).
Q4_SPARSE_HD constexpr std::size_t wordIndex(std::int64_t n, std::int64_t r, std::int64_t nTiles) {
    return laneEntry(n, r, nTiles, 4 * int(n % 8) + int(r % 16 / 4)) * 2 + std::size_t(r % 64 / 32);
}

struct KeptNibble {
    bool kept;         // false: one of the two rows its chunk drops, so the weight is exactly 0
    std::size_t word;  // wordIndex: the word that holds the chunk's two kept nibbles
    int shift;         // when kept, its nibble is (words[word] >> shift) & 0xF
};
// (n, r) from its metadata register (metadata[metadataIndex(n, r, nTiles)]): the chunk's nibble
// names the lower kept offset in bits 0-1 (register half e = 0) and the higher in bits 2-3 (e = 1).
Q4_SPARSE_HD constexpr KeptNibble keptNibble(std::uint32_t metadata, std::int64_t n, std::int64_t r,
                                             std::int64_t nTiles) {
    const int hi = int(n % 16 / 8), c = int(r % 32 / 4), offset = int(r % 4);
    const int nibble = int(metadata >> (16 * hi + 4 * (c % 4))) & 0xF;
    const int e = offset == (nibble & 3) ? 0 : offset == (nibble >> 2) ? 1 : -1;
    return {e >= 0, wordIndex(n, r, nTiles), e >= 0 ? nibbleShift(hi + 2 * (c / 4), e) : 0};
}

}  // namespace sparse
}  // namespace q4
