#pragma once
// The gemv_int4 device kernel: m <= 8 rows on tensor cores (mma.sync m16n8k16, fp32 accumulate)
// over tc_int4's fragment-layout weights, built to have no fixed costs around the weight stream.
//
// A block owns one n tile (16 output features) for the whole of k, and its warps split k among
// themselves, so the split-k sum is a shared-memory reduction at the end: no partials in global
// memory, no arrival counter, no last block. Nothing is staged before the loop either: each warp
// keeps kStages k64 steps in flight, the weights in registers (16-byte streaming loads) and the
// activation rows of the same steps in its own shared-memory ring (cp.async), and fetches each
// group's scale and zero one group ahead. Dequantization and group scaling are tc_int4's.
#include <cuda_fp16.h>

#include <cstdint>

#include "tc_int4/tc_int4_kernel.cuh"

namespace q4::gemv {

constexpr int kMaxWarps = 16;
constexpr int kStages = 3;           // k64 steps in flight per warp (4 measured 1-5 % slower)
constexpr int kRowHalves = 64 + 8;   // a staged row of one step, padded: 16 bytes mod 128 apart for ldmatrix
constexpr int kStageHalves = 8 * kRowHalves;
constexpr int kWarpSharedBytes = kStages * kStageHalves * 2;
__host__ __device__ constexpr int sharedBytes(int warps) { return warps * kWarpSharedBytes; }

struct Params {
    const uint4* weights;      // fragment layout words
    const uint32_t* scales;    // half2 pairs [G][n/16][8]
    const uint32_t* zeros;     // half2 pairs (1024 + z) [G][n/16][8]
    const __half* a;           // [m, k], columns in sorted row order
    __half* c;                 // [m, n]
    int m, n, k, groupSize;    // groupSize: rows per group (k for one group)
};

__device__ __forceinline__ void commitAsyncCopies() { asm volatile("cp.async.commit_group;" ::: "memory"); }
template <int Pending>
__device__ __forceinline__ void waitAsyncCopiesBut() {
    asm volatile("cp.async.wait_group %0;" ::"n"(Pending) : "memory");
}

// 64 registers at most, so two blocks of 16 warps (or more, smaller blocks) fit on an SM.
__global__ void __launch_bounds__(kMaxWarps * 32, 2) gemvInt4Kernel(Params p) {
    extern __shared__ __align__(16) unsigned char shared[];
    const int warps = blockDim.x / 32;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4;
    const int nTiles = p.n / 16, tile = blockIdx.x;
    const int steps = p.k / 64;
    const int firstStep = warp * steps / warps;
    const int count = (warp + 1) * steps / warps - firstStep;  // the plan keeps warps <= steps
    const size_t stepStride = size_t(nTiles) * 32;             // uint4s between consecutive k64 steps
    const uint4* nextLoad = p.weights + (size_t(firstStep) * nTiles + tile) * 32 + lane;
    __half* ring = reinterpret_cast<__half*>(shared) + warp * (kWarpSharedBytes / 2);

    // The weight stream first: its latency covers everything else before the loop.
    uint4 words[kStages];
#pragma unroll
    for (int j = 0; j < kStages; ++j) {
        if (j < count) words[j] = tc::loadStreaming(nextLoad);
        nextLoad += stepStride;
    }
    // The first group's scale and zero pairs; each group fetches the next one's.
    const int groups = p.k / p.groupSize;
    int group = firstStep * 64 / p.groupSize;
    // Table indices as 32-bit offsets from the kernel parameters, which cost no registers.
    const int groupStride = nTiles * 8;
    int pairAt = group * groupStride + tile * 8 + g;
    uint32_t nextScale = p.scales[pairAt], nextZero = p.zeros[pairAt];
    --group;

    // A launch after the act-order reordering (a programmatic dependent) waits for its output here.
    tc::waitForPrerequisiteGrids();
    // One cp.async group per step (empty past the warp's range), so "all but the newest
    // kStages - 1 groups done" always means "this step's rows have landed".
    // Lane l copies the 16-byte piece l % 8 of a step's rows l / 8 and l / 8 + 4, where below m.
    const int piece = lane % 8, row = lane / 8;
    const bool copiesRow = row < p.m, copiesRowPlus4 = row + 4 < p.m;
    const int from = row * p.k + firstStep * 64 + piece * 8;  // element offset of step 0's piece
    __half* const to = ring + row * kRowHalves + piece * 8;
    auto stageRows = [&](int slot, int step) {
        if (step < count) {
            const __half* source = p.a + (from + step * 64);
            if (copiesRow) tc::copyAsync16(to + slot * kStageHalves, source);
            if (copiesRowPlus4) tc::copyAsync16(to + slot * kStageHalves + 4 * kRowHalves, source + 4 * p.k);
        }
        commitAsyncCopies();
    };
#pragma unroll
    for (int j = 0; j < kStages; ++j) stageRows(j, j);

    float acc[4] = {0, 0, 0, 0}, part[4] = {0, 0, 0, 0};
    float2 scale{0, 0};
    tc::GroupZero zero{};
    int groupEnd = (group + 1) * p.groupSize;  // the first check enters the first group
    bool inGroup = false;
    int kPos = firstStep * 64;
    const int bOffset = (lane % 8) * kRowHalves + (lane / 8) * 8;  // this lane's ldmatrix row
    for (int base = 0; base < count; base += kStages) {
#pragma unroll
        for (int j = 0; j < kStages; ++j) {
            const int step = base + j;
            if (step >= count) break;
            waitAsyncCopiesBut<kStages - 1>();
            __syncwarp();
            const uint32_t w[4] = {words[j].x, words[j].y, words[j].z, words[j].w};
#pragma unroll
            for (int pair = 0; pair < 2; ++pair) {  // groups are multiples of 32 k: one check per pair
                if (kPos + pair * 32 >= groupEnd) {  // uniform across the warp
                    if (inGroup)
#pragma unroll
                        for (int e = 0; e < 4; ++e) acc[e] += (e < 2 ? scale.x : scale.y) * part[e];
                    inGroup = true;
                    ++group;
                    groupEnd += p.groupSize;
                    scale = __half22float2(*reinterpret_cast<const __half2*>(&nextScale));
                    zero = tc::groupZero(nextZero);
                    part[0] = part[1] = part[2] = part[3] = 0.0f;
                    if (group + 1 < groups) {
                        pairAt += groupStride;
                        nextScale = p.scales[pairAt];
                        nextZero = p.zeros[pairAt];
                    }
                }
                uint32_t frag0[4], frag1[4], b[4];
                tc::dequantizeTile(frag0, w[2 * pair], zero);
                tc::dequantizeTile(frag1, w[2 * pair + 1], zero);
                tc::loadBPair(b, ring + j * kStageHalves + bOffset + pair * 32);
                tc::mma16816(part, frag0, b[0], b[1]);
                tc::mma16816(part, frag1, b[2], b[3]);
            }
            kPos += 64;
            __syncwarp();  // every lane has read the slot before it is refilled
            if (step + kStages < count) words[j] = tc::loadStreaming(nextLoad);
            nextLoad += stepStride;
            stageRows(j, step + kStages);
        }
    }
    if (inGroup)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[e] += (e < 2 ? scale.x : scale.y) * part[e];

    tc::allowDependentGrids();  // a decoder's next kernel may launch; it waits for this grid to end
    // The warps' sums meet in shared memory (each warp in its own ring, now idle) and are added
    // in warp order: deterministic.
    waitAsyncCopiesBut<0>();
    float4* sums = reinterpret_cast<float4*>(shared);
    sums[warp * (kWarpSharedBytes / 16) + lane] = make_float4(acc[0], acc[1], acc[2], acc[3]);
    __syncthreads();
    for (int i = threadIdx.x; i < 128; i += blockDim.x) {
        const int fromLane = i / 4, e = i % 4;
        // D fragment of lane 4 g + t: features g (e 0, 1) and g + 8 (e 2, 3); rows 2t, 2t + 1.
        const int row = 2 * (fromLane % 4) + (e & 1);
        if (row >= p.m) continue;
        const float* first = reinterpret_cast<const float*>(sums + fromLane) + e;
        float sum = 0.0f;
        for (int w = 0; w < warps; ++w) sum += first[w * (kWarpSharedBytes / 4)];
        p.c[size_t(row) * p.n + tile * 16 + fromLane / 4 + (e >> 1) * 8] = __float2half(sum);
    }
}

}  // namespace q4::gemv
