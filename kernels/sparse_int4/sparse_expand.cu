// Expands the 2:4 fragment layout into a dense fp16 W^T [features][k] for cuBLAS: the large-m
// path of sparse_int4, where one dense GEMM beats passes of mma.sp over the weights.
//
// Each thread writes 8 consecutive k of one feature as one 16-byte store. A warp covers the 16
// features of a tile at 16 consecutive k (two threads a feature, so each writes a whole 32-byte
// sector of its row), so its loads fall in one 64-k step's entry of one tile. The 8 rows of a
// thread are two 4-row chunks of one 32-row block: they share one metadata register
// (sparse::metadataIndex) and take their nibbles from two lanes' words (sparse::wordIndex);
// sparse::keptNibble says which of the 8 rows are kept and where their nibbles sit. Its 64-bit
// index arithmetic, eight times a thread, is the likely bound of this kernel (log step 70).
// Dropped weights are exactly 0; kept ones are scale * (q - z) in fp32, exact, rounded once to
// fp16, so the result has the bits of the pruned layer's dense fp16 weights.
#include <cuda_fp16.h>

#include <algorithm>
#include <climits>
#include <string>

#include "cuda/cuda_check.h"
#include "sparse_int4/sparse_expand.h"
#include "sparse_int4/sparse_layout.h"

namespace q4 {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxBlocks = 65535;  // the grid-stride loop covers the rest

__device__ __forceinline__ float halfAt(uint32_t pair, int shift) {
    return __half2float(__ushort_as_half((unsigned short)((pair >> shift) & 0xFFFFu)));
}

// groupSize > 0: every row r in group r / groupSize (a multiple of 8, so a thread's 8 rows share
// one); 0: each kept row's group from gIdx.
__global__ void __launch_bounds__(kThreads)
    expandSparseKernel(const uint32_t* __restrict__ words, const uint32_t* __restrict__ metadata,
                       const uint32_t* __restrict__ scales, const uint32_t* __restrict__ zeros,
                       const int32_t* __restrict__ gIdx, __half* __restrict__ wt, long long firstFeature,
                       long long features, int n, int k, int groupSize) {
    const int nTiles = n / 16, pairs = k / 16;  // pairs: 16-row runs per feature
    const long long total = features * pairs * 2;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        // i = ((tile * pairs + pair) * 16 + feature in tile) * 2 + half of the pair.
        const long long run = i / 32, tile = run / pairs;
        const int lane = int(i % 32), pairIndex = int(run - tile * pairs);
        const long long f = tile * 16 + lane / 2, feature = firstFeature + f;
        const int r0 = pairIndex * 16 + (lane % 2) * 8;
        const uint32_t meta = __ldg(metadata + sparse::metadataIndex(feature, r0, nTiles));
        const uint32_t chunk[2] = {__ldg(words + sparse::wordIndex(feature, r0, nTiles)),
                                   __ldg(words + sparse::wordIndex(feature, r0 + 4, nTiles))};
        // The feature is pair g of its tile in each group's row of scales and zeros, half (feature % 16) / 8.
        const size_t pair = size_t(feature / 16) * 8 + size_t(feature % 8);
        const int halfShift = 16 * int(feature % 16 / 8);
        float scale = 0.0f, zero = 0.0f;
        auto loadGroup = [&](int group) {
            const size_t at = size_t(group) * size_t(nTiles) * 8 + pair;
            scale = halfAt(__ldg(scales + at), halfShift);
            zero = halfAt(__ldg(zeros + at), halfShift) - 1024.0f;  // stored as 1024 + z, exact in fp16
        };
        if (groupSize > 0) loadGroup(r0 / groupSize);
        uint32_t packed[4] = {0, 0, 0, 0};
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const sparse::KeptNibble at = sparse::keptNibble(meta, feature, r0 + j, nTiles);
            if (!at.kept) continue;  // dropped: exactly 0, its bits stay clear
            if (groupSize == 0) loadGroup(__ldg(gIdx + r0 + j));
            const int q = int(chunk[j / 4] >> at.shift) & 0xF;
            // An 11-bit scale times an integer of at most 5 bits: exact in fp32, so the one
            // rounding is the host dequantization's.
            const float value = scale * (float(q) - zero);
            packed[j / 2] |= uint32_t(__half_as_ushort(__float2half_rn(value))) << (16 * (j % 2));
        }
        *reinterpret_cast<uint4*>(wt + f * k + r0) = make_uint4(packed[0], packed[1], packed[2], packed[3]);
    }
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

    const std::int64_t total = features * (w.k / 8);
    const unsigned blocks = unsigned(std::min<std::int64_t>((total + kThreads - 1) / kThreads, kMaxBlocks));
    expandSparseKernel<<<blocks, kThreads, 0, stream>>>(
        static_cast<const uint32_t*>(w.words), static_cast<const uint32_t*>(w.metadata),
        static_cast<const uint32_t*>(w.scales), static_cast<const uint32_t*>(w.zeros), w.gIdx, static_cast<__half*>(wt),
        firstFeature, features, int(w.n), int(w.k), w.groupSize);
    return launchStatus("sparse expand kernel");
}

}  // namespace q4
