#pragma once
// The tc_int4 device kernel: W4A16 GEMM on tensor cores (mma.sync m16n8k16, fp32 accumulate),
// for weights in the fragment layout of fragment_layout.h.
//
// Work split: a block of 8 warps owns 8 n tiles (128 output features) and one k slice. At the
// start it stages the slice's activations (with act-order, already reordered into sorted order
// by a pre-pass) and its scales and zeros in shared memory, once; then each warp streams its n
// tile's weights through the slice with 16-byte loads kept kPipeline<MT> deep in registers, and
// dequantizes in registers to the exact integers q - z, so the mma sums of a group need only
// its scale, applied once in fp32 when the group ends. Nothing inside the loop waits on anything
// but the weight stream.
// The grid's y dimension splits k so that small m fills every SM in whole waves; slices write
// fp32 partials and the last block of each n block sums them in slice order (deterministic).
#include <cuda_fp16.h>

#include <cstdint>

namespace q4::tc {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
// 16-byte weight loads in flight per lane. At one and two m tiles three measured faster than four
// (3 % at m = 1) and as fast as two (log step 51).
template <int MT>
constexpr int kPipeline = MT == 1 ? 3 : MT == 2 ? 3 : 8;
// Staged activation rows are padded so the row stride is 16 bytes mod 128: the 8 row addresses
// of each ldmatrix phase then fall in distinct banks.
constexpr int kRowPad = 8;  // halves
// Resident blocks per SM the register budget is capped for, and the plan sizes the grid by:
// four at one m tile and three at two (more warps to hide latency), two when the accumulators
// need registers.
__host__ __device__ constexpr int blocksPerSm(int mTiles) { return mTiles == 1 ? 4 : mTiles == 2 ? 3 : 2; }

// Shared memory of one block: activations [8 MT][sliceK + pad], then the scales and the zeros of
// the slice's groups for the block's 8 n tiles, [groups][8 tiles][8 lanes] half2 pairs each.
__host__ __device__ constexpr int activationBytes(int mt, int sliceK) { return 8 * mt * (sliceK + kRowPad) * 2; }
__host__ __device__ constexpr int sliceGroups(int sliceK, int groupSize) { return sliceK / groupSize + 2; }
__host__ __device__ constexpr int scaleBytes(int sliceK, int groupSize) {
    return 2 * sliceGroups(sliceK, groupSize) * kWarps * 8 * 4;
}

struct Params {
    const uint4* weights;          // fragment layout words
    const uint32_t* scales;        // half2 pairs [G][n/16][8]
    const uint32_t* zeros;         // half2 pairs (1024 + z) [G][n/16][8]
    const __half* a;               // [m, k], columns in sorted row order
    __half* c;                     // [m, n]
    float* partials;               // [slices][m][n] when slices > 1
    int* counters;                 // one per n block, zero between launches
    int m, n, k, groupSize, sliceK, slices;
};

__device__ __forceinline__ uint32_t hsub2Bits(uint32_t a, uint32_t b) {
    __half2 r = __hsub2(*reinterpret_cast<__half2*>(&a), *reinterpret_cast<__half2*>(&b));
    return *reinterpret_cast<uint32_t*>(&r);
}
__device__ __forceinline__ uint32_t hmul2Bits(uint32_t a, uint32_t b) {
    __half2 r = __hmul2(*reinterpret_cast<__half2*>(&a), *reinterpret_cast<__half2*>(&b));
    return *reinterpret_cast<uint32_t*>(&r);
}
__device__ __forceinline__ uint32_t hfma2Bits(uint32_t a, uint32_t b, uint32_t c) {
    __half2 r = __hfma2(*reinterpret_cast<__half2*>(&a), *reinterpret_cast<__half2*>(&b),
                        *reinterpret_cast<__half2*>(&c));
    return *reinterpret_cast<uint32_t*>(&r);
}
// Both halves set to the low (or high) half of pair.
__device__ __forceinline__ uint32_t broadcastLow(uint32_t pair) { return __byte_perm(pair, 0, 0x1010); }
__device__ __forceinline__ uint32_t broadcastHigh(uint32_t pair) { return __byte_perm(pair, 0, 0x3232); }

// The zero point of a group in the two forms the dequantization subtracts: for rows n = g the
// pair (1024 + z, 1024 + z), for rows n = g + 8 the pair -(64 + z) (see dequantizeTile).
struct GroupZero {
    uint32_t low1024, highNeg64;
};
__device__ __forceinline__ GroupZero groupZero(uint32_t zeroPair) {  // zeroPair: (1024 + z_g, 1024 + z_g+8)
    constexpr uint32_t k960 = 0x63806380u;
    return {broadcastLow(zeroPair), broadcastHigh(hsub2Bits(k960, zeroPair))};
}

// One lane's A fragment of a 16x16 weight tile as fp16 pairs of the exact integers q - z.
// Fragments 0 and 2 (rows n = g) sit at bits 0/16 and 8/24: masked into the mantissa of 1024.0
// they read 1024 + q, and one subtraction leaves q - z. Fragments 1 and 3 (rows g + 8) sit at
// bits 4/20 and 12/28: masked in place they read 1024 + 16 q, and one fma with 1/16 and
// -(64 + z) leaves q - z. One shift per word instead of three; every step is exact in fp16.
__device__ __forceinline__ void dequantizeTile(uint32_t (&frag)[4], uint32_t w, const GroupZero& z) {
    constexpr uint32_t kMagic = 0x64006400u, kSixteenth = 0x2C002C00u;
    auto masked = [](uint32_t word, uint32_t mask) {
        uint32_t out;
        asm("lop3.b32 %0, %1, %2, %3, 0xea;" : "=r"(out) : "r"(word), "r"(mask), "r"(kMagic));
        return out;  // (word & mask) | magic
    };
    const uint32_t upper = w >> 8;
    frag[0] = hsub2Bits(masked(w, 0x000F000Fu), z.low1024);
    frag[1] = hfma2Bits(masked(w, 0x00F000F0u), kSixteenth, z.highNeg64);
    frag[2] = hsub2Bits(masked(upper, 0x000F000Fu), z.low1024);
    frag[3] = hfma2Bits(masked(upper, 0x00F000F0u), kSixteenth, z.highNeg64);
}

__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Streaming weight load: read once, keep out of L1.
__device__ __forceinline__ uint4 loadStreaming(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// Programmatic dependent launch (sm_90; no-ops before it): a grid lets the next kernel in the
// stream start early, and that kernel waits for this grid's results before reading them.
__device__ __forceinline__ void allowDependentGrids() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;");
#endif
}
__device__ __forceinline__ void waitForPrerequisiteGrids() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// 16 bytes global -> shared without a register round trip; waitAsyncCopies() ends them all.
__device__ __forceinline__ void copyAsync16(void* shared, const void* global) {
    const unsigned to = static_cast<unsigned>(__cvta_generic_to_shared(shared));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(to), "l"(global));
}
__device__ __forceinline__ void waitAsyncCopies() { asm volatile("cp.async.wait_all;" ::: "memory"); }

// The B fragments of two adjacent k tiles for 8 activation rows, from row-major shared memory:
// lane l gives the address of row l % 8 of matrix l / 8 (k offsets 0, 8, 16, 24), and receives
// b = {tile 0 k 0-7, tile 0 k 8-15, tile 1 k 0-7, tile 1 k 8-15} exactly as mma wants them.
__device__ __forceinline__ void loadBPair(uint32_t (&b)[4], const __half* rowAddress) {
    const unsigned from = static_cast<unsigned>(__cvta_generic_to_shared(rowAddress));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                 : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3])
                 : "r"(from));
}

// The products of two 16x16 weight tiles (as A fragments) with activation rows, added into fp32:
// one ldmatrix and two mma per 8 rows. Rows past m hold stale shared memory; they only reach
// output columns past m, which are never stored (each mma output column is one row).
template <int MT>
__device__ __forceinline__ void tensorCorePair(float (&acc)[MT][4], const uint32_t (&frag0)[4],
                                               const uint32_t (&frag1)[4], const __half* bAddress, int rowStride) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
        uint32_t b[4];
        loadBPair(b, bAddress + mt * 8 * rowStride);
        mma16816(acc[mt], frag0, b[0], b[1]);
        mma16816(acc[mt], frag1, b[2], b[3]);
    }
}

// The end of both int4 mma kernels (tc_int4 here, sparse_int4), called by every thread of the
// block: a lane's accumulators (the D fragments of its 16-feature tile nTile, MT m tiles) go to C
// when k is not split; otherwise to the block's slice of fp32 partials, and the last block of the
// feature block to arrive sums the slices in order into C and resets its counter.
template <int MT, class KernelParams>
__device__ __forceinline__ void storeOutputs(const KernelParams& p, const float (&acc)[MT][4], int nTile, int g, int t,
                                             bool warpActive) {
    __shared__ int isLastBlock;
    // Every output this lane owns, as (row m, column n, value).
    const int nBase = nTile * 16 + g;
    auto forEachOutput = [&](auto&& visit) {  // D fragment: rows n = g (d0, d1) and g + 8 (d2, d3); columns m = 2t, 2t + 1
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int row = mt * 8 + 2 * t + (e & 1);
                if (row < p.m) visit(row, nBase + (e >> 1) * 8, acc[mt][e]);
            }
    };
    if (p.slices == 1) {
        if (warpActive)
            forEachOutput([&](int row, int col, float v) { p.c[size_t(row) * p.n + col] = __float2half(v); });
        return;
    }
    if (warpActive) {
        float* mine = p.partials + size_t(blockIdx.y) * p.m * p.n;
        forEachOutput([&](int row, int col, float v) { mine[size_t(row) * p.n + col] = v; });
    }
    // The barrier orders the block's partial stores before thread 0's arrival, whose release
    // (acq_rel at gpu scope) publishes them; the last block's acquire makes all slices visible.
    __syncthreads();
    if (threadIdx.x == 0) {
        int arrived;
        asm volatile("atom.acq_rel.gpu.global.add.s32 %0, [%1], 1;"
                     : "=r"(arrived)
                     : "l"(p.counters + blockIdx.x)
                     : "memory");
        isLastBlock = arrived == p.slices - 1;
    }
    __syncthreads();
    if (!isLastBlock) return;

    // The last block of this n block sums every slice in order: deterministic. Four columns per
    // thread and kUnroll slices loaded before they are added, so the block waits a few
    // latencies, not one per slice and output.
    const int colBase = blockIdx.x * kWarps * 16;
    const int quads = min(kWarps * 16, p.n - colBase) / 4;
    const size_t sliceStride = size_t(p.m) * p.n / 4;  // float4s
    constexpr int kUnroll = 8;
    for (int i = threadIdx.x; i < p.m * quads; i += kThreads) {
        const int row = i / quads, col = colBase + (i - row * quads) * 4;
        const float4* from = reinterpret_cast<const float4*>(p.partials + size_t(row) * p.n + col);
        float4 sum = make_float4(0, 0, 0, 0);
        for (int s0 = 0; s0 < p.slices; s0 += kUnroll) {
            float4 v[kUnroll];
#pragma unroll
            for (int u = 0; u < kUnroll; ++u)
                if (s0 + u < p.slices) v[u] = __ldcg(from + (s0 + u) * sliceStride);
#pragma unroll
            for (int u = 0; u < kUnroll; ++u)
                if (s0 + u < p.slices) sum = make_float4(sum.x + v[u].x, sum.y + v[u].y, sum.z + v[u].z, sum.w + v[u].w);
        }
        __half2* to = reinterpret_cast<__half2*>(p.c + size_t(row) * p.n + col);
        to[0] = __floats2half2_rn(sum.x, sum.y);
        to[1] = __floats2half2_rn(sum.z, sum.w);
    }
    if (threadIdx.x == 0) p.counters[blockIdx.x] = 0;  // ready for the next launch
}

// MT: m tiles of 8 rows handled per launch (m <= 8 MT).
template <int MT>
__global__ void __launch_bounds__(kThreads, blocksPerSm(MT)) tcInt4Kernel(Params p) {
    extern __shared__ __align__(16) unsigned char shared[];
    const int rowStride = p.sliceK + kRowPad;
    __half* aTile = reinterpret_cast<__half*>(shared);
    uint32_t* scaleTable = reinterpret_cast<uint32_t*>(shared + activationBytes(MT, p.sliceK));

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4, t = lane % 4;
    const int nTile = blockIdx.x * kWarps + warp;
    const int nTiles = p.n / 16;
    const bool warpActive = nTile < nTiles;
    const int kBegin = blockIdx.y * p.sliceK;
    const int kEnd = min(p.k, kBegin + p.sliceK);
    const int steps = (kEnd - kBegin) / 64;
    const int firstGroup = kBegin / p.groupSize;
    const int groups = (kEnd - 1) / p.groupSize - firstGroup + 1;
    const uint4* weights = p.weights + (size_t(kBegin / 64) * nTiles + nTile) * 32 + lane;
    const size_t stepStride = size_t(nTiles) * 32;  // uint4s between consecutive k64 steps

    // Start the weight stream first, so its latency hides behind the staging below.
    uint4 ring[kPipeline<MT>] = {};
#pragma unroll
    for (int j = 0; j < kPipeline<MT>; ++j)
        if (warpActive && j < steps) ring[j] = loadStreaming(weights + j * stepStride);

    // Scales and zeros of every group the slice touches, for this block's 8 n tiles: 256
    // contiguous bytes per group and table, copied asynchronously in 16-byte pieces.
    const int firstTile = blockIdx.x * kWarps;
    for (int i = threadIdx.x; i < groups * 32; i += kThreads) {
        const int local = i / 32, piece = i % 32, table = piece / 16, word = (piece % 16) * 4;
        if (firstTile + word / 8 >= nTiles) continue;
        const uint32_t* from = (table == 0 ? p.scales : p.zeros) + (size_t(firstGroup + local) * nTiles + firstTile) * 8;
        copyAsync16(scaleTable + (table * sliceGroups(p.sliceK, p.groupSize) + local) * kWarps * 8 + word, from + word);
    }
    // A launch after the act-order reordering (a programmatic dependent) has its weight stream and
    // scale copies in flight by now; the activations are its output: wait for that grid.
    waitForPrerequisiteGrids();
    // Activations of the slice, row-major (rows past m are not staged).
    const int vectors = (kEnd - kBegin) / 8;
    for (int row = 0; row < p.m; ++row)
        for (int v = threadIdx.x; v < vectors; v += kThreads)
            copyAsync16(aTile + row * rowStride + v * 8, p.a + size_t(row) * p.k + kBegin + v * 8);
    waitAsyncCopies();
    __syncthreads();

    float acc[MT][4];
#pragma unroll
    for (int i = 0; i < MT; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;

    if (warpActive) {
        // The group being accumulated: the mma sums of q - z over the group go into part, which is
        // scaled into acc in fp32 when the group ends.
        // Groups are at least one 32-k pair of tiles, so each boundary crossed moves to the next
        // group: no division in the loop.
        int groupEnd = firstGroup * p.groupSize;
        bool inGroup = false;
        // This lane's scale pair in the table, moved one group on at each boundary; its zero pair
        // sits one table further.
        const int zeroOffset = sliceGroups(p.sliceK, p.groupSize) * kWarps * 8;
        const uint32_t* groupScale = scaleTable + warp * 8 + g - kWarps * 8;
        GroupZero zero{};
        float2 scaleN{0, 0};  // rows g and g + 8
        float part[MT][4];
        auto finishGroup = [&]() {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
                acc[mt][0] += scaleN.x * part[mt][0];
                acc[mt][1] += scaleN.x * part[mt][1];
                acc[mt][2] += scaleN.y * part[mt][2];
                acc[mt][3] += scaleN.y * part[mt][3];
            }
        };
        const uint4* nextLoad = weights + kPipeline<MT> * stepStride;  // advanced by one step per step
        const __half* bRow = aTile + (lane % 8) * rowStride + (lane / 8) * 8;  // this lane's ldmatrix row
        for (int base = 0; base < steps; base += kPipeline<MT>) {
#pragma unroll
            for (int j = 0; j < kPipeline<MT>; ++j) {
                const int step = base + j;
                if (step >= steps) break;
                const uint32_t words[4] = {ring[j].x, ring[j].y, ring[j].z, ring[j].w};
#pragma unroll
                for (int pair = 0; pair < 2; ++pair) {  // groups are multiples of 32 k: one check per pair
                    const int kLocal = step * 64 + pair * 32;
                    if (kBegin + kLocal >= groupEnd) {  // uniform across the warp
                        if (inGroup) finishGroup();
                        inGroup = true;
                        groupEnd += p.groupSize;
                        groupScale += kWarps * 8;
                        const uint32_t scalePair = groupScale[0];
                        zero = groupZero(groupScale[zeroOffset]);
                        scaleN = __half22float2(*reinterpret_cast<const __half2*>(&scalePair));
#pragma unroll
                        for (int mt = 0; mt < MT; ++mt) part[mt][0] = part[mt][1] = part[mt][2] = part[mt][3] = 0.0f;
                    }
                    uint32_t frag0[4], frag1[4];
                    dequantizeTile(frag0, words[2 * pair], zero);
                    dequantizeTile(frag1, words[2 * pair + 1], zero);
                    tensorCorePair<MT>(part, frag0, frag1, bRow + kLocal, rowStride);
                }
                // Refill the slot once its words are consumed: no register copies of the ring.
                if (step + kPipeline<MT> < steps) ring[j] = loadStreaming(nextLoad);
                nextLoad += stepStride;
            }
        }
        if (inGroup) finishGroup();
    }

    allowDependentGrids();  // a decoder's next kernel may launch; it waits for this grid to end
    storeOutputs<MT>(p, acc, nTile, g, t, warpActive);
}

}  // namespace q4::tc
