#pragma once
// The wgmma_int4 device kernel (sm_90a): W4A16 GEMM on Hopper's warpgroup tensor-core
// instructions, for the fragment-layout weights of tc_int4.
//
// As in tc_int4 the weights are the left operand (C^T = W^T A^T): wgmma's A may come from
// registers, and the per-warp slice of that register operand is the mma.m16n8k16 A fragment that
// the fragment layout already stores, so a warp dequantizes its 16 rows straight into the
// instruction's inputs. The activations are wgmma's B, read by the tensor cores from shared
// memory in the 128-byte swizzled layout. One warpgroup's instruction covers 64 output features
// by N activation rows, so each weight is loaded once per N rows (tc_int4: once per 32).
//
// Roles: consumer warpgroups (64 features each, see consumerGroups) and one producer warp (a
// producer warpgroup at N = 256, which gives its registers to the consumers). One producer
// thread fills each ring stage (two k64 steps at N = 128, else one) with the copy engine: the
// activation tile and the weights by tensor copies (cp.async.bulk.tensor through 3-D tensor maps
// whose outer dimension is the k64 step, so one copy brings the stage's steps; the activation map
// writes the swizzled layout and zero-fills rows past m) and the scale/zero rows by bulk copy,
// all completing on the stage's "full" mbarrier. Consumers wait for it, dequantize each step
// (scale applied in fp16), issue four wgmma per step, and release the stage on its "empty"
// mbarrier when those of its last step have completed. The grid's z dimension splits k when the
// tiles alone would not fill the chip; the slices' fp32 partials are summed in slice order by the
// last block of each tile (deterministic).
//
// Sparse (sparse_int4 above 16 rows): the same pipeline over 2:4 sparse weights in sparse_int4's
// fragment layout (sparse_layout.h). Per warp, a 16-feature tile's 32-k block is the mma.sp
// m16n8k32 A fragment, one word of kept nibbles per lane, which is also the per-warp slice of the
// sparse wgmma m64nNk32's register operand; the lane's metadata register serves both blocks of a
// k64 step (sparsity selectors 0 and 1). A stage then holds half the weight bytes plus the
// metadata, and a step is two sparse wgmma of k32 instead of four dense ones of k16: the sparse
// tensor cores skip the dropped half. Groups: whole 32-k blocks (the layout's block-uniform
// groups); act-order and smaller groups stay on sparse_int4's other paths.
#include <cuda.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "tc_int4/tc_int4_kernel.cuh"
#include "wgmma_int4/wgmma_ops.cuh"

namespace q4::hopper {

constexpr int kMaxStages = 8;

// Consumer warpgroups per block, 64 features each: four while the accumulators are small (the
// activation tile, read from L2 by every block, then serves 256 features), two at N >= 128.
__host__ __device__ constexpr int consumerGroups(int n) { return n <= 64 ? 4 : 2; }
__host__ __device__ constexpr int featuresPerBlock(int n) { return 64 * consumerGroups(n); }

// The block shape for N activation rows per tile. One ring stage holds kStepsPerStage k64 steps:
// their activations [step][N rows][128 bytes] (swizzled, 1024-aligned), the weights of the
// block's n tiles [step][tile][512 bytes] (Sparse: 256 bytes, then their metadata [step][tile][128
// bytes]), then the scale rows and the zero rows of the groups the stage meets (at most two per
// k64 step: group sizes are multiples of 32).
template <int N, bool Sparse = false>
struct Shape {
    static constexpr int kConsumerWarps = 4 * consumerGroups(N);
    static constexpr int kConsumerThreads = 32 * kConsumerWarps;
    // At N = 256 the producer is a whole warpgroup, so that it can hand registers to the consumers
    // (setmaxnreg works per warpgroup); otherwise one producer warp.
    static constexpr bool kShiftRegisters = N == 256;
    static constexpr int kProducerThreads = kShiftRegisters ? 128 : 32;
    static constexpr int kThreads = kConsumerThreads + kProducerThreads;
    static constexpr int kBlockTiles = kConsumerWarps;      // 16-feature n tiles, one per warp
    // Two steps per stage halve the copies, barrier waits and releases per step: 6 % faster at
    // N = 128. At N <= 64 equal or slower (a stage then returns to the producer only when both
    // steps are done), at N = 256 slower (room for only two stages).
    static constexpr int kStepsPerStage = N == 128 ? 2 : 1;
    static constexpr int kActivationBytes = N * 128;  // one k64 step
    // One k64 step of a tile: 32 lanes x 4 words (dense) or x 2 words and a metadata register.
    static constexpr int kTileWordBytes = Sparse ? 256 : 512;
    static constexpr int kTileMetadataBytes = Sparse ? 128 : 0;
    static constexpr int kWeightBytes = kBlockTiles * kTileWordBytes;  // one k64 step of the block's tiles
    static constexpr int kMetadataBytes = kBlockTiles * kTileMetadataBytes;
    static constexpr int kGroupRowBytes = kBlockTiles * 8 * 4;  // scales (or zeros) of one group
    static constexpr int kMaxGroups = 2 * kStepsPerStage;       // groups one stage meets
    static constexpr int kWeightOffset = kStepsPerStage * kActivationBytes;
    static constexpr int kMetadataOffset = kWeightOffset + kStepsPerStage * kWeightBytes;
    static constexpr int kGroupOffset = kMetadataOffset + kStepsPerStage * kMetadataBytes;
    static constexpr int kStageBytes = (kGroupOffset + 2 * kMaxGroups * kGroupRowBytes + 1023) / 1024 * 1024;
    // At most kMaxStages steps in the ring, within 200 KB of shared memory.
    static constexpr int kStages = 200 * 1024 / kStageBytes < kMaxStages / kStepsPerStage
                                       ? 200 * 1024 / kStageBytes
                                       : kMaxStages / kStepsPerStage;
    static constexpr int kSharedBytes = kStages * kStageBytes + 1024 + 2 * kMaxStages * 8;
};

struct Params {
    const uint32_t* scales;    // half2 pairs [G][n/16][8]
    const uint32_t* zeros;     // half2 pairs (1024 + z) [G][n/16][8]
    __half* c;                 // [m, n]
    float4* partials;          // per tile and slice, in each thread's fragment order
    int* counters;             // one per (n block, row tile), zero between launches
    int m, n, k, groupSize, sliceK, slices;
};

__device__ __forceinline__ uint32_t sharedAddress(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// --- mbarrier and copies (PTX ISA 8.0, sm_90) ---
__device__ __forceinline__ void barrierInit(uint64_t* bar, int count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(sharedAddress(bar)), "r"(count));
}
__device__ __forceinline__ void barrierArrive(uint64_t* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(sharedAddress(bar)) : "memory");
}
__device__ __forceinline__ void barrierExpectBytes(uint64_t* bar, int bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(sharedAddress(bar)), "r"(bytes)
                 : "memory");
}
__device__ __forceinline__ void barrierWait(uint64_t* bar, uint32_t parity) {
    uint32_t done;
    do {
        asm volatile(
            "{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
            : "=r"(done)
            : "r"(sharedAddress(bar)), "r"(parity)
            : "memory");
    } while (!done);
}
// Bulk copy (the copy engine), counted in bytes on bar.
__device__ __forceinline__ void bulkCopy(void* shared, const void* global, int bytes, uint64_t* bar) {
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                     sharedAddress(shared)),
                 "l"(global), "r"(bytes), "r"(sharedAddress(bar))
                 : "memory");
}
// The box of a 3-D tensor map at coordinates (x, y, z), counted in bytes on bar (the whole box,
// elements outside the tensor included: the copy engine zero-fills them).
__device__ __forceinline__ void tensorCopy(void* shared, const CUtensorMap* map, int x, int y, int z, uint64_t* bar) {
    asm volatile(
        "cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], [%5];" ::"r"(
            sharedAddress(shared)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(x), "r"(y), "r"(z), "r"(sharedAddress(bar))
        : "memory");
}

// --- wgmma ordering ---
__device__ __forceinline__ void wgmmaFence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void wgmmaCommit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
// Until at most `pending` committed groups are still running.
template <int pending>
__device__ __forceinline__ void wgmmaWait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(pending) : "memory");
}
// Ties the accumulator registers to this point: no read or write of them moves across it while
// wgmma instructions may still be writing them.
template <int S>
__device__ __forceinline__ void fenceRegisters(float (&r)[S]) {
#pragma unroll
    for (int i = 0; i < S; ++i) asm volatile("" : "+f"(r[i])::"memory");
}
// The same for A fragments and metadata: the compiler sees wgmma read them at issue, but the
// tensor cores read them until the wait; without this it may reuse their registers for the next
// step's.
template <int B>
__device__ __forceinline__ void fenceRegisters(uint32_t (&r)[B][4]) {
#pragma unroll
    for (int j = 0; j < B; ++j)
#pragma unroll
        for (int i = 0; i < 4; ++i) asm volatile("" : "+r"(r[j][i])::"memory");
}
__device__ __forceinline__ void fenceRegister(uint32_t& r) { asm volatile("" : "+r"(r)::"memory"); }
// The consumer threads only (the producer warp has its own loop).
template <int kConsumerThreads>
__device__ __forceinline__ void consumerBarrier() {
    asm volatile("bar.sync 1, %0;" ::"n"(kConsumerThreads) : "memory");
}

// Descriptor of a K-major [N rows][64 k] fp16 tile in the 128-byte swizzle: 8-row groups 1024
// bytes apart; the k16 slice j starts 32 j bytes in.
__device__ __forceinline__ uint64_t activationDescriptor(uint32_t tileAddress) {
    constexpr uint64_t kSwizzle128 = 1ull << 62, kRowGroupStride = uint64_t(1024 >> 4) << 32, kUnused = 1ull << 16;
    return kSwizzle128 | kRowGroupStride | kUnused | ((tileAddress & 0x3FFFF) >> 4);
}

// A lane's A fragment of one 16x16 tile as fp16 (q - z) * s: tc_int4's exact dequantization,
// then the group's scale (rows g: the low half of scalePair, rows g + 8: the high half).
__device__ __forceinline__ void dequantizeScaled(uint32_t (&frag)[4], uint32_t w, const tc::GroupZero& z,
                                                 uint32_t scaleLow, uint32_t scaleHigh) {
    tc::dequantizeTile(frag, w, z);
    frag[0] = tc::hmul2Bits(frag[0], scaleLow);
    frag[1] = tc::hmul2Bits(frag[1], scaleHigh);
    frag[2] = tc::hmul2Bits(frag[2], scaleLow);
    frag[3] = tc::hmul2Bits(frag[3], scaleHigh);
}

// Metadata for the tiles of a block past n, whose words the copy engine zero-fills: a valid
// pattern (each chunk keeps offsets 0 and 1), as all-zero metadata is not one.
constexpr uint32_t kPaddingMetadata = 0x44444444u;

// N: activation rows per tile (a wgmma shape, 16 .. 256; at 256 the consumers hold 128 accumulators
// and get 232 registers from the producer warpgroup by setmaxnreg). activations: the fp16
// tensor [k / 64][m][64 k], box [kStepsPerStage][N rows][64 k], 128-byte swizzle. weights: the
// fragment-layout words [k / 64][n / 16][128] (Sparse: [64]), box [kStepsPerStage][kBlockTiles][.].
// metadata (Sparse only; dense launches pass the weight map, unread): [k / 64][n / 16][32], box
// [kStepsPerStage][kBlockTiles][32].
template <int N, bool Sparse>
__global__ void __launch_bounds__(Shape<N, Sparse>::kThreads, 1)
    wgmmaInt4Kernel(const __grid_constant__ CUtensorMap activations, const __grid_constant__ CUtensorMap weights,
                    const __grid_constant__ CUtensorMap metadata, Params p) {
    using S = Shape<N, Sparse>;
    constexpr int kConsumerWarps = S::kConsumerWarps, kConsumerThreads = S::kConsumerThreads;
    constexpr int kBlockTiles = S::kBlockTiles, kWeightBytes = S::kWeightBytes, kGroupRowBytes = S::kGroupRowBytes;
    constexpr int kStepsPerStage = S::kStepsPerStage, kMaxGroups = S::kMaxGroups;
    constexpr int kBlocksPerStep = Sparse ? 2 : 4;  // wgmma per k64 step: k32 sparse or k16 dense
    constexpr int kBlockK = 64 / kBlocksPerStep;
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
    constexpr int kStages = S::kStages;
    constexpr int kDepth = N >= 64 ? 2 : 3;  // wgmma steps in flight (A fragment buffers; registers)
    constexpr int kAccumulators = N / 2;
    extern __shared__ unsigned char sharedRaw[];
    // Offset (not a cast through an integer) so the compiler still knows this is shared memory.
    unsigned char* ring = sharedRaw + ((1024 - (sharedAddress(sharedRaw) & 1023)) & 1023);
    uint64_t* full = reinterpret_cast<uint64_t*>(ring + kStages * S::kStageBytes);
    uint64_t* empty = full + kMaxStages;
    __shared__ int isLastBlock;

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int nTiles = p.n / 16;
    const int firstTile = blockIdx.x * kBlockTiles;
    const int blockTiles = min(kBlockTiles, nTiles - firstTile);
    const int rowBase = blockIdx.y * N;
    const int kBegin = blockIdx.z * p.sliceK;
    const int steps = (min(p.k, kBegin + p.sliceK) - kBegin) / 64;
    const bool groupsAligned = p.groupSize % 64 == 0;  // then a k64 step lies in one group

    if (threadIdx.x == 0) {
        for (int s = 0; s < kStages; ++s) {
            barrierInit(&full[s], 1);  // the producer's arrival with the stage's byte count
            barrierInit(&empty[s], kConsumerWarps);
        }
    }
    __syncthreads();

    if (warp >= kConsumerWarps) {  // producer: one thread drives the copy engine
        if constexpr (S::kShiftRegisters) asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
        if (warp != kConsumerWarps || lane != 0) return;
        tc::waitForPrerequisiteGrids();  // act-order: the reordered activations come from the previous grid
        const int groupRowBytes = blockTiles * 32;
        for (int fill = 0; fill * kStepsPerStage < steps; ++fill) {
            const int stage = fill % kStages;
            if (fill >= kStages) barrierWait(&empty[stage], ((fill / kStages) - 1) & 1);
            unsigned char* base = ring + stage * S::kStageBytes;
            const int k0 = kBegin + fill * kStepsPerStage * 64;
            const int stageK = 64 * min(kStepsPerStage, steps - fill * kStepsPerStage);
            const int firstGroup = k0 / p.groupSize, lastGroup = (k0 + stageK - 1) / p.groupSize;
            // Whole boxes count, also a last step past the slice that no consumer reads.
            barrierExpectBytes(&full[stage], kStepsPerStage * (S::kActivationBytes + kWeightBytes + S::kMetadataBytes) +
                                                 2 * (lastGroup - firstGroup + 1) * groupRowBytes);
            tensorCopy(base, &activations, 0, rowBase, k0 / 64, &full[stage]);
            tensorCopy(base + S::kWeightOffset, &weights, 0, firstTile, k0 / 64, &full[stage]);
            if constexpr (Sparse) tensorCopy(base + S::kMetadataOffset, &metadata, 0, firstTile, k0 / 64, &full[stage]);
            unsigned char* groupRows = base + S::kGroupOffset;
            for (int gi = 0; gi <= lastGroup - firstGroup; ++gi) {
                const size_t row = (size_t(firstGroup + gi) * nTiles + firstTile) * 8;
                bulkCopy(groupRows + gi * kGroupRowBytes, p.scales + row, groupRowBytes, &full[stage]);
                bulkCopy(groupRows + (kMaxGroups + gi) * kGroupRowBytes, p.zeros + row, groupRowBytes, &full[stage]);
            }
        }
        return;
    }

    if constexpr (S::kShiftRegisters) asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
    // Consumers: warpgroup wg owns features 64 wg .. 64 wg + 63 of the block; warp w of it the
    // n tile (firstTile + 4 wg + w).
    const int tile = warp;  // local n tile
    const int g = lane / 4, t = lane % 4;
    float acc[kAccumulators];
#pragma unroll
    for (int i = 0; i < kAccumulators; ++i) acc[i] = 0.0f;
    fenceRegisters(acc);

    const bool tileActive = tile < blockTiles;
    // One step's A fragments (and, sparse, its metadata register): wait for its stage (with the
    // stage's first step), then dequantize its k blocks.
    auto dequantizeStep = [&](int step, uint32_t (&frags)[kBlocksPerStep][4], uint32_t& meta) {
        const int fill = step / kStepsPerStage, part = step % kStepsPerStage, stage = fill % kStages;
        if (part == 0) barrierWait(&full[stage], (fill / kStages) & 1);
        const unsigned char* base = ring + stage * S::kStageBytes;
        const unsigned char* tileWords = base + S::kWeightOffset + part * kWeightBytes + tile * S::kTileWordBytes;
        uint32_t w[kBlocksPerStep];
        if constexpr (Sparse) {
            const uint2 words = *reinterpret_cast<const uint2*>(tileWords + lane * 8);
            w[0] = words.x;
            w[1] = words.y;
            meta = tileActive ? *reinterpret_cast<const uint32_t*>(base + S::kMetadataOffset + part * S::kMetadataBytes +
                                                                   (tile * 32 + lane) * 4)
                              : kPaddingMetadata;
        } else {
            const uint4 words = *reinterpret_cast<const uint4*>(tileWords + lane * 16);
            w[0] = words.x;
            w[1] = words.y;
            w[2] = words.z;
            w[3] = words.w;
        }
        const uint32_t* groupRows = reinterpret_cast<const uint32_t*>(base + S::kGroupOffset);
        const int stageGroup = (kBegin + fill * kStepsPerStage * 64) / p.groupSize;
        const int k0 = kBegin + step * 64, stepGroup = k0 / p.groupSize - stageGroup;
#pragma unroll
        for (int j = 0; j < kBlocksPerStep; ++j) {
            // Group of k block j within the stage's groups.
            const int local = groupsAligned ? stepGroup : (k0 + kBlockK * j) / p.groupSize - stageGroup;
            const uint32_t scalePair = groupRows[local * kBlockTiles * 8 + tile * 8 + g];
            const uint32_t zeroPair = groupRows[(kMaxGroups + local) * kBlockTiles * 8 + tile * 8 + g];
            dequantizeScaled(frags[j], w[j], tc::groupZero(zeroPair), tc::broadcastLow(scalePair),
                             tc::broadcastHigh(scalePair));
        }
    };
    // Software pipeline, kDepth steps deep: step s's wgmma are issued while steps s - 1 ..
    // s - kDepth + 1 may still run; the wait then retires step s - kDepth + 1 (its stage goes back
    // to the producer, its fragment buffer takes step s + 1). A wgmma takes far longer to complete
    // than to issue, so waiting for each step before the next would leave the tensor cores idle.
    uint32_t frags[kDepth][kBlocksPerStep][4];
    uint32_t metas[kDepth] = {};  // sparse only
    // A stage goes back to the producer once the wgmma of its last step (or the slice's) completed.
    auto release = [&](int step) {
        if (lane == 0 && (step % kStepsPerStage == kStepsPerStage - 1 || step == steps - 1))
            barrierArrive(&empty[(step / kStepsPerStage) % kStages]);
    };
    if (steps > 0) dequantizeStep(0, frags[0], metas[0]);
    for (int base = 0; base < steps; base += kDepth) {
#pragma unroll
        for (int b = 0; b < kDepth; ++b) {
            const int step = base + b;
            if (step >= steps) break;
            const unsigned char* activationTile = ring + (step / kStepsPerStage) % kStages * S::kStageBytes +
                                                  step % kStepsPerStage * S::kActivationBytes;
            const uint64_t descriptor = activationDescriptor(sharedAddress(activationTile));
            wgmmaFence();
            if constexpr (Sparse) {
                wgmmaSparseF16<0>(acc, frags[b][0], descriptor, metas[b]);
                wgmmaSparseF16<1>(acc, frags[b][1], descriptor + (64 >> 4), metas[b]);
            } else {
#pragma unroll
                for (int j = 0; j < 4; ++j) wgmmaF16(acc, frags[b][j], descriptor + ((32 * j) >> 4));
            }
            wgmmaCommit();
            wgmmaWait<kDepth - 1>();
            const int retired = step - (kDepth - 1);
            if (retired >= 0) release(retired);
            const int nextBuffer = (b + 1) % kDepth;  // static once unrolled
            fenceRegisters(frags[nextBuffer]);  // its wgmma (step s - kDepth + 1) has completed
            if constexpr (Sparse) fenceRegister(metas[nextBuffer]);
            if (step + 1 < steps) dequantizeStep(step + 1, frags[nextBuffer], metas[nextBuffer]);
        }
    }
    wgmmaWait<0>();
    for (int step = max(0, steps - (kDepth - 1)); step < steps; ++step) release(step);
#pragma unroll
    for (int b = 0; b < kDepth; ++b) {
        fenceRegisters(frags[b]);
        if constexpr (Sparse) fenceRegister(metas[b]);
    }
    fenceRegisters(acc);

    // This thread's outputs: accumulator 4 i + e is feature row g (+ 8 if e >= 2) of its tile,
    // activation row 8 i + 2 t (+ 1 if e is odd).
    const int feature = (firstTile + tile) * 16 + g;
    auto store = [&](const float* v) {
        if (!tileActive) return;
#pragma unroll
        for (int e = 0; e < kAccumulators; ++e) {
            const int row = rowBase + 8 * (e / 4) + 2 * t + (e & 1);
            if (row < p.m) p.c[size_t(row) * p.n + feature + 8 * ((e >> 1) & 1)] = __float2half(v[e]);
        }
    };
    if (p.slices == 1) {
        store(acc);
        return;
    }
    // Partials: [tile of the grid][slice][float4 index][consumer thread], coalesced.
    const size_t tileIndex = size_t(blockIdx.y) * gridDim.x + blockIdx.x;
    constexpr int kQuads = kAccumulators / 4;
    auto partial = [&](int slice, int q) {
        return p.partials + ((tileIndex * p.slices + slice) * kQuads + q) * kConsumerThreads + threadIdx.x;
    };
#pragma unroll
    for (int q = 0; q < kQuads; ++q)
        *partial(blockIdx.z, q) = make_float4(acc[4 * q], acc[4 * q + 1], acc[4 * q + 2], acc[4 * q + 3]);
    // The barrier orders the block's partial stores before thread 0's release at gpu scope; the
    // last block's acquire then sees every slice.
    consumerBarrier<kConsumerThreads>();
    if (threadIdx.x == 0) {
        int arrived;
        asm volatile("atom.acq_rel.gpu.global.add.s32 %0, [%1], 1;"
                     : "=r"(arrived)
                     : "l"(p.counters + tileIndex)
                     : "memory");
        isLastBlock = arrived == p.slices - 1;
    }
    consumerBarrier<kConsumerThreads>();
    if (!isLastBlock) return;
    // The sum over the slices in slice order (deterministic), in place: slice 0's partials replace
    // the accumulators (this block's own slice is read back like the others), then each later
    // slice is added, kBatch quads loaded before any of them is added. The block so waits about
    // 1 + (slices - 1) * kQuads / kBatch L2 round trips, not one per quad and slice.
    constexpr int kBatch = N == 256 ? 4 : kQuads < 8 ? kQuads : 8;  // 4 at N = 256: registers
#pragma unroll
    for (int q = 0; q < kQuads; ++q) {
        const float4 v = __ldcg(partial(0, q));
        acc[4 * q] = v.x;
        acc[4 * q + 1] = v.y;
        acc[4 * q + 2] = v.z;
        acc[4 * q + 3] = v.w;
    }
    for (int slice = 1; slice < p.slices; ++slice) {
#pragma unroll
        for (int first = 0; first < kQuads; first += kBatch) {
            float4 loaded[kBatch];
#pragma unroll
            for (int b = 0; b < kBatch; ++b) loaded[b] = __ldcg(partial(slice, first + b));
#pragma unroll
            for (int b = 0; b < kBatch; ++b) {
                float* sum = acc + 4 * (first + b);
                sum[0] += loaded[b].x;
                sum[1] += loaded[b].y;
                sum[2] += loaded[b].z;
                sum[3] += loaded[b].w;
            }
        }
    }
    store(acc);
    if (threadIdx.x == 0) p.counters[tileIndex] = 0;  // ready for the next launch
#endif
}

}  // namespace q4::hopper
