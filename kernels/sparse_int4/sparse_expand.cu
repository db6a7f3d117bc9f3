// Expands the 2:4 fragment layout into a dense fp16 W^T [features][k] for cuBLAS: the large-m
// path of sparse_int4, where one dense GEMM beats passes of mma.sp over the weights.
//
// Each 128 threads of a block expand one (64-k step, 16-feature tile) entry of the streams: each
// thread writes 8 consecutive k of one feature as one 16-byte store (8 threads fill a feature's
// 128-byte line), from one metadata register and two words of the entry, located by the element
// addressing of sparse_layout.h (sparse::keptNibble) in entry-local coordinates.
// Dropped weights are exactly 0; kept ones are scale * (q - z) in fp32, exact, rounded once to
// fp16, so the result has the bits of the pruned layer's dense fp16 weights.
#include <cuda_fp16.h>

#include <climits>
#include <string>

#include "cuda/cuda_check.h"
#include "sparse_int4/sparse_expand.h"
#include "sparse_int4/sparse_layout.h"

namespace q4 {
namespace {

constexpr int kTileThreads = 128;  // 16 features x 8 pieces of 8 rows: one (64-k step, tile) entry
constexpr int kTilesPerBlock = 2;
constexpr int kThreads = kTileThreads * kTilesPerBlock;

__device__ __forceinline__ float halfAt(uint32_t pair, int shift) {
    return __half2float(__ushort_as_half((unsigned short)((pair >> shift) & 0xFFFFu)));
}

// Grid: x = the 64-k step, y = a pair of the chunk's tiles. A thread writes rows r0 .. r0 + 7 of
// one feature, so 8 consecutive threads write one whole 128-byte line of W^T. Every index inside
// the entry is below 64, so the element addressing runs in small integers the compiler folds; the
// entry's own offset is the one 64-bit product. groupSize > 0: rows r0 .. r0 + 7 share group
// row / groupSize (a multiple of 8); 0: each kept row's group from gIdx.
__global__ void __launch_bounds__(kThreads)
    expandSparseKernel(const uint32_t* __restrict__ words, const uint32_t* __restrict__ metadata,
                       const uint32_t* __restrict__ scales, const uint32_t* __restrict__ zeros,
                       const int32_t* __restrict__ gIdx, __half* __restrict__ wt, int firstTile, int tiles, int nTiles,
                       int k, int groupSize) {
    const int tileInChunk = blockIdx.y * kTilesPerBlock + threadIdx.x / kTileThreads;
    if (tileInChunk >= tiles) return;
    const int step = blockIdx.x;
    const int fi = threadIdx.x % kTileThreads / 8;  // feature within the tile
    const int r0 = threadIdx.x % 8 * 8;             // first row within the step
    const int tile = firstTile + tileInChunk;
    const size_t entry = size_t(step) * size_t(nTiles) + size_t(tile);
    const uint32_t* entryWords = words + entry * 64;  // 32 lanes x 2 blocks
    const uint32_t meta = __ldg(metadata + entry * 32 + sparse::metadataIndex(fi, r0, 1));
    const uint32_t chunk[2] = {__ldg(entryWords + sparse::wordIndex(fi, r0, 1)),
                               __ldg(entryWords + sparse::wordIndex(fi, r0 + 4, 1))};
    // The feature is pair g of its tile in each group's row of scales and zeros, half fi / 8.
    const size_t pair = size_t(tile) * 8 + size_t(fi % 8);
    const int halfShift = 16 * (fi / 8);
    const int row0 = step * 64 + r0;
    float scale = 0.0f, zero = 0.0f;
    auto loadGroup = [&](int group) {
        const size_t at = size_t(group) * size_t(nTiles) * 8 + pair;
        scale = halfAt(__ldg(scales + at), halfShift);
        zero = halfAt(__ldg(zeros + at), halfShift) - 1024.0f;  // stored as 1024 + z, exact in fp16
    };
    if (groupSize > 0) loadGroup(row0 / groupSize);
    uint32_t packed[4] = {0, 0, 0, 0};
#pragma unroll
    for (int j = 0; j < 8; ++j) {
        const sparse::KeptNibble at = sparse::keptNibble(meta, fi, r0 + j, 1);
        if (!at.kept) continue;  // dropped: exactly 0, its bits stay clear
        if (groupSize == 0) loadGroup(__ldg(gIdx + row0 + j));
        const int q = int(chunk[j / 4] >> at.shift) & 0xF;
        // An 11-bit scale times an integer of at most 5 bits: exact in fp32, so the one
        // rounding is the host dequantization's.
        const float value = scale * (float(q) - zero);
        packed[j / 2] |= uint32_t(__half_as_ushort(__float2half_rn(value))) << (16 * (j % 2));
    }
    const size_t f = size_t(tileInChunk) * 16 + size_t(fi);
    *reinterpret_cast<uint4*>(wt + f * size_t(k) + size_t(row0)) = make_uint4(packed[0], packed[1], packed[2], packed[3]);
}

Status fail(const std::string& why, const char* field) {
    return Status::failure("sparse expand: " + why, field);
}

}  // namespace

Status expandSparseTransposed(const SparseWeightsView& w, std::int64_t firstFeature, std::int64_t features, void* wt,
                              cudaStream_t stream) {
    if (Status s = sparseLayoutSupports(w.n, w.k); !s) return fail(s.message, s.field.c_str());
    if (w.n > INT_MAX)
        return fail("n=" + std::to_string(w.n) + " is over INT_MAX (the kernel indexes features with int)", "n");
    if (w.k > INT_MAX)
        return fail("k=" + std::to_string(w.k) + " is over INT_MAX (the kernel indexes rows with int)", "k");
    if (!w.words) return fail("words is null", "words");
    if (!w.metadata) return fail("metadata is null", "metadata");
    if (!w.scales) return fail("scales is null", "scales");
    if (!w.zeros) return fail("zeros is null", "zeros");
    if (w.groupSize < 0 || w.groupSize % 8 != 0)
        return fail("groupSize=" + std::to_string(w.groupSize) +
                        " is not 0 or a positive multiple of 8 (a thread's 8 rows take one group)",
                    "groupSize");
    if (w.groupSize == 0 && !w.gIdx)
        return fail("gIdx is null, but groupSize=0 looks each row's group up in it", "gIdx");
    if (firstFeature < 0 || firstFeature % 16 != 0)
        return fail(
            "firstFeature=" + std::to_string(firstFeature) + " is not a non-negative multiple of 16 (whole tiles)",
            "firstFeature");
    if (features < 0 || features % 16 != 0)
        return fail("features=" + std::to_string(features) + " is not a non-negative multiple of 16 (whole tiles)",
                    "features");
    if (firstFeature + features > w.n)
        return fail("firstFeature + features = " + std::to_string(firstFeature + features) +
                        " is over n=" + std::to_string(w.n),
                    "features");
    if (!wt || reinterpret_cast<std::uintptr_t>(wt) % 16 != 0)
        return fail("wt is null or not 16-byte aligned (each thread stores 8 halves at once)", "wt");
    if (features == 0) return Status::success();

    const std::int64_t tiles = features / 16, tileBlocks = (tiles + kTilesPerBlock - 1) / kTilesPerBlock;
    if (tileBlocks > 65535)
        return fail("features=" + std::to_string(features) + " needs " + std::to_string(tileBlocks) +
                        " blocks of tiles, over the grid's 65535",
                    "features");
    expandSparseKernel<<<dim3(unsigned(w.k / 64), unsigned(tileBlocks)), kThreads, 0, stream>>>(
        static_cast<const uint32_t*>(w.words), static_cast<const uint32_t*>(w.metadata),
        static_cast<const uint32_t*>(w.scales), static_cast<const uint32_t*>(w.zeros), w.gIdx, static_cast<__half*>(wt),
        int(firstFeature / 16), int(tiles), int(w.n / 16), int(w.k), w.groupSize);
    return launchStatus("sparse expand kernel");
}

}  // namespace q4
