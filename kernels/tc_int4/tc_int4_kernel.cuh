#pragma once
// The tc_int4 device kernel: W4A16 GEMM on tensor cores (mma.sync m16n8k16, fp32 accumulate),
// for weights in the fragment layout of fragment_layout.h.
//
// Work split: a block of 8 warps owns 8 n tiles (128 output features) and one k slice. At the
// start it stages the slice's activations (gathered through the act-order permutation when
// there is one) and its scales and zeros in shared memory, once; then each warp streams its n
// tile's weights through the slice with 16-byte loads kept kPipeline<MT> deep in registers, and
// dequantizes in registers. Nothing inside the loop waits on anything but the weight stream.
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
constexpr int kRowPad = 8;                 // halves: row stride = 4 mod 32 words, conflict-free B loads
// Resident blocks per SM the register budget is capped for, and the plan sizes the grid by:
// three with few m tiles (more warps to hide latency), two when the accumulators need registers.
__host__ __device__ constexpr int blocksPerSm(int mTiles) { return mTiles <= 2 ? 3 : 2; }

// Shared memory of one block: activations [8 MT][sliceK + pad], scale/zero pairs
// [groups of the slice][8 warps][8] as uint2, then activation sums [groups][8 MT] as float.
__host__ __device__ constexpr int activationBytes(int mt, int sliceK) { return 8 * mt * (sliceK + kRowPad) * 2; }
__host__ __device__ constexpr int sliceGroups(int sliceK, int groupSize) { return sliceK / groupSize + 2; }
__host__ __device__ constexpr int scaleBytes(int sliceK, int groupSize) {
    return sliceGroups(sliceK, groupSize) * kWarps * 8 * 8;
}
// Per group and activation row, the sum of the slice's activations over the group (fp32).
__host__ __device__ constexpr int sumBytes(int mt, int sliceK, int groupSize) {
    return sliceGroups(sliceK, groupSize) * 8 * mt * 4;
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

// Two int4 values at bits 4p and 16 + 4p of word, as fp16 (1024 + q): or-ing a nibble into the
// mantissa of 1024.0 (0x6400) makes the value exactly 1024 + q with one lop3, no conversions.
__device__ __forceinline__ uint32_t nibblePairToHalf2(uint32_t word) {
    uint32_t out;
    asm("lop3.b32 %0, %1, %2, %3, 0xea;" : "=r"(out) : "r"(word), "r"(0x000F000Fu), "r"(0x64006400u));
    return out;  // (word & mask) | magic
}

__device__ __forceinline__ uint32_t hsub2Bits(uint32_t a, uint32_t b) {
    __half2 r = __hsub2(*reinterpret_cast<__half2*>(&a), *reinterpret_cast<__half2*>(&b));
    return *reinterpret_cast<uint32_t*>(&r);
}
__device__ __forceinline__ uint32_t hmul2Bits(uint32_t a, uint32_t b) {
    __half2 r = __hmul2(*reinterpret_cast<__half2*>(&a), *reinterpret_cast<__half2*>(&b));
    return *reinterpret_cast<uint32_t*>(&r);
}
// Both halves set to the low (or high) half of pair.
__device__ __forceinline__ uint32_t broadcastLow(uint32_t pair) { return __byte_perm(pair, 0, 0x1010); }
__device__ __forceinline__ uint32_t broadcastHigh(uint32_t pair) { return __byte_perm(pair, 0, 0x3232); }

__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

constexpr uint32_t kBiasPlusEight = 0x64086408u;  // fp16 pair (1032, 1032)

// Streaming weight load: read once, keep out of L1.
__device__ __forceinline__ uint4 loadStreaming(const uint4* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// The products of one 16x16 weight tile (as A fragments) with activation rows, added into fp32.
// Tensor cores: one mma per 8 rows. CUDA cores (gemv_int4, m <= 8): half2 FMAs over the lane's
// 4 k values of each of its two n rows, converted to fp32 per tile.
template <int MT>
__device__ __forceinline__ void tensorCoreTile(float (&acc)[MT][4], const uint32_t (&frag)[4], const __half* a,
                                               int rowStride, int g, int t, int rows) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
        // Activation rows past m are zero: select them instead of staging zeros in shared memory.
        const bool live = mt * 8 + g < rows;
        const __half* row = a + (mt * 8 + g) * rowStride + 2 * t;
        const uint32_t b0 = live ? *reinterpret_cast<const uint32_t*>(row) : 0u;
        const uint32_t b1 = live ? *reinterpret_cast<const uint32_t*>(row + 8) : 0u;
        mma16816(acc[mt], frag, b0, b1);
    }
}

__device__ __forceinline__ void cudaCoreTile(float (&low)[8], float (&high)[8], const uint32_t (&frag)[4],
                                             const __half* a, int rowStride, int t, int rows) {
    const __half2* f = reinterpret_cast<const __half2*>(frag);
#pragma unroll
    for (int r = 0; r < 8; ++r) {
        if (r >= rows) break;  // uniform
        const __half* row = a + r * rowStride + 2 * t;
        const __half2 a0 = *reinterpret_cast<const __half2*>(row), a1 = *reinterpret_cast<const __half2*>(row + 8);
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
    float* groupSums = reinterpret_cast<float*>(shared + activationBytes(MT, p.sliceK) + scaleBytes(p.sliceK, p.groupSize));

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

    // Activations of the slice (rows past m are left unstaged and read as zero). Loads are
    // issued in batches of kBatch before their stores, so a block waits about one latency, not one
    // per element.
    constexpr int kBatch = 8;
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
                for (int j = 0; j < kBatch; ++j)
                    if (source[j] >= 0) aTile[row * rowStride + col0 + j * kThreads + threadIdx.x] = v[j];
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
                    const int row = i / vectors;
                    *reinterpret_cast<uint4*>(&aTile[row * rowStride + (i - row * vectors) * 8]) = v[j];
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

    // Sums of each activation row over each group of the slice: the tensor-core path multiplies
    // q - 8 and removes (z - 8) * sum afterwards, once per group, then applies the scale.
    if constexpr (!kCudaCores) {
        for (int pair = warp; pair < groups * 8 * MT; pair += kWarps) {
            const int local = pair / (8 * MT), row = pair % (8 * MT);
            float sum = 0.0f;
            if (row < p.m) {  // rows past m are never staged; their products are zero
                const int from = max(kBegin, (firstGroup + local) * p.groupSize) - kBegin;
                const int to = min(kEnd, (firstGroup + local + 1) * p.groupSize) - kBegin;
                for (int col = from + lane; col < to; col += 32) sum += __half2float(aTile[row * rowStride + col]);
#pragma unroll
                for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
            }
            if (lane == 0) groupSums[pair] = sum;
        }
        __syncthreads();
    }

    float acc[MT][4];
#pragma unroll
    for (int i = 0; i < MT; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;
    float low[8] = {}, high[8] = {};  // gemv_int4: rows n = g and g + 8, per activation row

    if (warpActive) {
        // The group being accumulated: the tensor-core path keeps its own fp32 partial, scaled and
        // corrected for the zero point when the group ends. Groups change at multiples of 16 k.
        int groupEnd = 0, groupLocal = -1;
        uint32_t scaleLow = 0, scaleHigh = 0, zeroLow = 0, zeroHigh = 0;  // half2 broadcasts (CUDA cores)
        float scaleN[2] = {0, 0}, zeroN[2] = {0, 0};                        // rows g and g + 8 (tensor cores)
        float part[MT][4];
        auto finishGroup = [&]() {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const float sum = groupSums[groupLocal * 8 * MT + mt * 8 + 2 * t + (e & 1)];
                    acc[mt][e] += scaleN[e >> 1] * (part[mt][e] - zeroN[e >> 1] * sum);
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
                        if constexpr (kCudaCores) {
                            scaleLow = broadcastLow(sz.x);
                            scaleHigh = broadcastHigh(sz.x);
                            zeroLow = broadcastLow(sz.y);
                            zeroHigh = broadcastHigh(sz.y);
                        } else {
                            const float2 sc = __half22float2(*reinterpret_cast<const __half2*>(&sz.x));
                            const float2 zr = __half22float2(*reinterpret_cast<const __half2*>(&sz.y));
                            scaleN[0] = sc.x, scaleN[1] = sc.y, zeroN[0] = zr.x - 1032.0f, zeroN[1] = zr.y - 1032.0f;
#pragma unroll
                            for (int mt = 0; mt < MT; ++mt) part[mt][0] = part[mt][1] = part[mt][2] = part[mt][3] = 0.0f;
                        }
                    }
                    const uint32_t w = words[tile];
                    uint32_t frag[4] = {nibblePairToHalf2(w), nibblePairToHalf2(w >> 4), nibblePairToHalf2(w >> 8),
                                        nibblePairToHalf2(w >> 12)};  // 1024 + q
                    if constexpr (kCudaCores) {
                        frag[0] = hmul2Bits(hsub2Bits(frag[0], zeroLow), scaleLow);
                        frag[1] = hmul2Bits(hsub2Bits(frag[1], zeroHigh), scaleHigh);
                        frag[2] = hmul2Bits(hsub2Bits(frag[2], zeroLow), scaleLow);
                        frag[3] = hmul2Bits(hsub2Bits(frag[3], zeroHigh), scaleHigh);
                        cudaCoreTile(low, high, frag, aTile + kLocal, rowStride, t, p.m);
                    } else {
                        // q - 8, exact in fp16: small operands keep the per-group fp32 sums free of
                        // the cancellation that multiplying 1024 + q would bring.
#pragma unroll
                        for (int f = 0; f < 4; ++f) frag[f] = hsub2Bits(frag[f], kBiasPlusEight);
                        tensorCoreTile<MT>(part, frag, aTile + kLocal, rowStride, g, t, p.m);
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
