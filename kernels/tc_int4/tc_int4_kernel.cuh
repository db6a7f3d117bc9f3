#pragma once
// The tc_int4 device kernel: W4A16 GEMM on tensor cores (mma.sync m16n8k16, fp32 accumulate),
// for weights in the fragment layout of fragment_layout.h.
//
// Work split: a block of 8 warps owns 8 n tiles (128 output features) and one k slice. At the
// start it stages the slice's activations (gathered through the act-order permutation when
// there is one) and its scales and zeros in shared memory, once; then each warp streams its n
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
// 16-byte weight loads in flight per lane; fewer at 8 m tiles, whose accumulators need the registers.
template <int MT>
constexpr int kPipeline = MT == 1 ? 6 : MT == 2 ? 4 : MT >= 8 ? 4 : 8;
// Staged activation rows are stored in lane order (see stagedWord) and padded so the row stride
// is 2 mod 8 words: a half-warp's 64-bit B loads (4 rows x 4 lanes t) then hit 32 distinct banks.
constexpr int kRowPad = 4;  // halves
// Resident blocks per SM the register budget is capped for, and the plan sizes the grid by:
// three with few m tiles (more warps to hide latency), two when the accumulators need registers.
__host__ __device__ constexpr int blocksPerSm(int mTiles) { return mTiles <= 2 ? 3 : 2; }

// Shared memory of one block: activations [8 MT][sliceK + pad], then scale/zero pairs
// [groups of the slice][8 warps][8] as uint2.
__host__ __device__ constexpr int activationBytes(int mt, int sliceK) { return 8 * mt * (sliceK + kRowPad) * 2; }
__host__ __device__ constexpr int sliceGroups(int sliceK, int groupSize) { return sliceK / groupSize + 2; }
__host__ __device__ constexpr int scaleBytes(int sliceK, int groupSize) {
    return sliceGroups(sliceK, groupSize) * kWarps * 8 * 8;
}

// Where a staged activation word (two k values) lives in its row: within each 64-k chunk the
// 8 words a lane t needs for one step (k tiles j = 0..3, k pairs 2t and 2t + 8) are adjacent,
// so each tile's B fragment is one 64-bit load. Word w of the chunk holds k = 2w, 2w + 1, i.e.
// tile j = w / 8, upper half h = (w / 4) % 2, lane t = w % 4; it moves to 8 t + 2 j + h.
__host__ __device__ constexpr int stagedWord(int word) {
    return (word & ~31) + 8 * (word % 4) + 2 * ((word % 32) / 8) + (word / 4) % 2;
}

struct Params {
    const uint4* weights;          // fragment layout words
    const uint32_t* scales;        // half2 pairs [G][n/16][8]
    const uint32_t* zeros;         // half2 pairs (1024 + z) [G][n/16][8]
    const __half* a;               // [m, k]
    const int32_t* permutation;    // sorted row -> original row, or null
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

// The B fragment of tile j for lane t of a staged activation row: k pairs (2t, 2t+1) and
// (2t+8, 2t+9), adjacent in the lane-order layout, so one 64-bit shared load.
__device__ __forceinline__ uint2 loadBFragment(const __half* row, int chunk, int tile, int t) {
    return *reinterpret_cast<const uint2*>(row + chunk * 64 + 2 * (8 * t + 2 * tile));
}

// The products of one 16x16 weight tile (as A fragments) with activation rows, added into fp32.
// Tensor cores: one mma per 8 rows. CUDA cores (gemv_int4, m <= 8): half2 FMAs over the lane's
// 4 k values of each of its two n rows, converted to fp32 per tile.
template <int MT>
__device__ __forceinline__ void tensorCoreTile(float (&acc)[MT][4], const uint32_t (&frag)[4], const __half* a,
                                               int rowStride, int chunk, int tile, int g, int t, int rows) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
        // Activation rows past m are zero: select them instead of staging zeros in shared memory.
        const bool live = mt * 8 + g < rows;
        const uint2 b = live ? loadBFragment(a + (mt * 8 + g) * rowStride, chunk, tile, t) : make_uint2(0, 0);
        mma16816(acc[mt], frag, b.x, b.y);
    }
}

__device__ __forceinline__ void cudaCoreTile(float (&low)[8], float (&high)[8], const uint32_t (&frag)[4],
                                             const __half* a, int rowStride, int chunk, int tile, int t, int rows) {
    const __half2* f = reinterpret_cast<const __half2*>(frag);
#pragma unroll
    for (int r = 0; r < 8; ++r) {
        if (r >= rows) break;  // uniform
        const uint2 b = loadBFragment(a + r * rowStride, chunk, tile, t);
        const __half2 a0 = *reinterpret_cast<const __half2*>(&b.x), a1 = *reinterpret_cast<const __half2*>(&b.y);
        const float2 l = __half22float2(__hfma2(f[2], a1, __hmul2(f[0], a0)));
        const float2 h = __half22float2(__hfma2(f[3], a1, __hmul2(f[1], a0)));
        low[r] += l.x + l.y;
        high[r] += h.x + h.y;
    }
}

// MT: m tiles of 8 rows handled per launch (m <= 8 MT). kCudaCores: the gemv_int4 variant (MT 1).
template <int MT, bool kCudaCores = false>
__global__ void __launch_bounds__(kThreads, blocksPerSm(MT)) tcInt4Kernel(Params p) {
    extern __shared__ __align__(16) unsigned char shared[];
    __shared__ int isLastBlock;
    const int rowStride = p.sliceK + kRowPad;
    __half* aTile = reinterpret_cast<__half*>(shared);
    uint2* scaleTable = reinterpret_cast<uint2*>(shared + activationBytes(MT, p.sliceK));

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

    // Activations of the slice in lane order (rows past m are left unstaged and read as zero).
    // Loads are issued in batches of kBatch before their stores, so a block waits about one
    // latency, not one per element.
    constexpr int kBatch = MT <= 2 ? 4 : 8;  // fewer registers where the pipeline is deepest
    const int sliceLen = kEnd - kBegin;
    if (p.permutation) {
        for (int col0 = 0; col0 < sliceLen; col0 += kThreads * kBatch) {
            int source[kBatch];
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int col = col0 + j * kThreads + threadIdx.x;
                source[j] = col < sliceLen ? p.permutation[kBegin + col] : -1;
            }
            for (int row = 0; row < p.m; ++row) {
                __half v[kBatch];
#pragma unroll
                for (int j = 0; j < kBatch; ++j)
                    if (source[j] >= 0) v[j] = p.a[size_t(row) * p.k + source[j]];
#pragma unroll
                for (int j = 0; j < kBatch; ++j) {
                    const int col = col0 + j * kThreads + threadIdx.x;
                    if (source[j] >= 0) aTile[row * rowStride + 2 * stagedWord(col / 2) + col % 2] = v[j];
                }
            }
        }
    } else {
        const int vectors = sliceLen / 8, total = p.m * vectors;
        for (int i0 = 0; i0 < total; i0 += kThreads * kBatch) {
            uint4 v[kBatch];
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int i = i0 + j * kThreads + threadIdx.x;
                if (i < total) {
                    const int row = i / vectors;
                    v[j] = *reinterpret_cast<const uint4*>(p.a + size_t(row) * p.k + kBegin + (i - row * vectors) * 8);
                }
            }
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int i = i0 + j * kThreads + threadIdx.x;
                if (i < total) {
                    const int row = i / vectors, word = (i - row * vectors) * 4;
                    uint32_t* dst = reinterpret_cast<uint32_t*>(aTile + row * rowStride);
                    dst[stagedWord(word)] = v[j].x;  // the 4 words go to 4 lanes' runs
                    dst[stagedWord(word + 1)] = v[j].y;
                    dst[stagedWord(word + 2)] = v[j].z;
                    dst[stagedWord(word + 3)] = v[j].w;
                }
            }
        }
    }
    // Scale and zero pairs of every group the slice touches, for this block's 8 n tiles, batched.
    const int pairs = groups * kWarps * 8;
    for (int i0 = 0; i0 < pairs; i0 += kThreads * 4) {
        uint2 v[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int i = i0 + j * kThreads + threadIdx.x;
            const int local = i / (kWarps * 8), tile = blockIdx.x * kWarps + (i / 8) % kWarps, lane8 = i % 8;
            v[j] = make_uint2(0, 0);
            if (i < pairs && tile < nTiles) {
                const size_t at = (size_t(firstGroup + local) * nTiles + tile) * 8 + lane8;
                v[j] = make_uint2(p.scales[at], p.zeros[at]);
            }
        }
#pragma unroll
        for (int j = 0; j < 4; ++j)
            if (i0 + j * kThreads + threadIdx.x < pairs) scaleTable[i0 + j * kThreads + threadIdx.x] = v[j];
    }
    __syncthreads();

    float acc[MT][4];
#pragma unroll
    for (int i = 0; i < MT; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;
    float low[8] = {}, high[8] = {};  // gemv_int4: rows n = g and g + 8, per activation row

    if (warpActive) {
        // The group being accumulated. Tensor cores: the mma sums of q - z over the group go into
        // part, which is scaled into acc in fp32 when the group ends. CUDA cores: the scale is
        // applied to the weights in fp16. Groups change at multiples of 16 k.
        int groupEnd = 0, groupLocal = -1;
        GroupZero zero{};
        uint32_t scaleLow = 0, scaleHigh = 0;  // half2 broadcasts (CUDA cores)
        float2 scaleN{0, 0};                   // rows g and g + 8 (tensor cores)
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
        for (int base = 0; base < steps; base += kPipeline<MT>) {
#pragma unroll
            for (int j = 0; j < kPipeline<MT>; ++j) {
                const int step = base + j;
                if (step >= steps) break;
                const uint4 word = ring[j];
                if (step + kPipeline<MT> < steps) ring[j] = loadStreaming(weights + (step + kPipeline<MT>) * stepStride);
                const uint32_t words[4] = {word.x, word.y, word.z, word.w};
#pragma unroll
                for (int tile = 0; tile < 4; ++tile) {
                    const int kLocal = step * 64 + tile * 16;
                    if (kBegin + kLocal >= groupEnd) {  // uniform across the warp
                        if constexpr (!kCudaCores)
                            if (groupLocal >= 0) finishGroup();
                        const int group = (kBegin + kLocal) / p.groupSize;
                        groupLocal = group - firstGroup;
                        groupEnd = (group + 1) * p.groupSize;
                        const uint2 sz = scaleTable[(groupLocal * kWarps + warp) * 8 + g];
                        zero = groupZero(sz.y);
                        if constexpr (kCudaCores) {
                            scaleLow = broadcastLow(sz.x);
                            scaleHigh = broadcastHigh(sz.x);
                        } else {
                            scaleN = __half22float2(*reinterpret_cast<const __half2*>(&sz.x));
#pragma unroll
                            for (int mt = 0; mt < MT; ++mt) part[mt][0] = part[mt][1] = part[mt][2] = part[mt][3] = 0.0f;
                        }
                    }
                    uint32_t frag[4];
                    dequantizeTile(frag, words[tile], zero);
                    if constexpr (kCudaCores) {
                        frag[0] = hmul2Bits(frag[0], scaleLow);
                        frag[1] = hmul2Bits(frag[1], scaleHigh);
                        frag[2] = hmul2Bits(frag[2], scaleLow);
                        frag[3] = hmul2Bits(frag[3], scaleHigh);
                        cudaCoreTile(low, high, frag, aTile, rowStride, step, tile, t, p.m);
                    } else {
                        tensorCoreTile<MT>(part, frag, aTile, rowStride, step, tile, g, t, p.m);
                    }
                }
            }
        }
        if constexpr (!kCudaCores)
            if (groupLocal >= 0) finishGroup();
    }

    // Every output this lane owns, as (row m, column n, value).
    const int nBase = nTile * 16 + g;
    auto forEachOutput = [&](auto&& visit) {
        if constexpr (kCudaCores) {
#pragma unroll
            for (int r = 0; r < 8; ++r) {  // sum the 4 lanes t that share n rows g and g + 8
                low[r] += __shfl_xor_sync(0xffffffffu, low[r], 1);
                low[r] += __shfl_xor_sync(0xffffffffu, low[r], 2);
                high[r] += __shfl_xor_sync(0xffffffffu, high[r], 1);
                high[r] += __shfl_xor_sync(0xffffffffu, high[r], 2);
                if (t == 0 && r < p.m) {
                    visit(r, nBase, low[r]);
                    visit(r, nBase + 8, high[r]);
                }
            }
        } else {  // D fragment: rows n = g (d0, d1) and g + 8 (d2, d3); columns m = 2t, 2t + 1
#pragma unroll
            for (int mt = 0; mt < MT; ++mt)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int row = mt * 8 + 2 * t + (e & 1);
                    if (row < p.m) visit(row, nBase + (e >> 1) * 8, acc[mt][e]);
                }
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
    __threadfence();  // partials visible device-wide before the arrival is counted
    __syncthreads();
    if (threadIdx.x == 0) isLastBlock = atomicAdd(&p.counters[blockIdx.x], 1) == p.slices - 1;
    __syncthreads();
    if (!isLastBlock) return;
    __threadfence();

    // The last block of this n block sums every slice in order: deterministic.
    const int colBase = blockIdx.x * kWarps * 16;
    const int cols = min(kWarps * 16, p.n - colBase);
    for (int i = threadIdx.x; i < p.m * cols; i += kThreads) {
        const int row = i / cols, col = colBase + i % cols;
        float sum = 0.0f;
        for (int s = 0; s < p.slices; ++s) sum += __ldcg(p.partials + (size_t(s) * p.m + row) * p.n + col);
        p.c[size_t(row) * p.n + col] = __float2half(sum);
    }
    if (threadIdx.x == 0) p.counters[blockIdx.x] = 0;  // ready for the next launch
}

}  // namespace q4::tc
