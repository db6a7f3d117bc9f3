// sparse_int4: C [m, n] fp16 = A [m, k] fp16 * W, for int4 GPTQ weights pruned 2:4 along k, on the
// sparse tensor cores (mma.sp::ordered_metadata m16n8k32, f16 in, fp32 accumulation), which skip
// the dropped half of every weight tile.
//
// Operands: C^T = W^T A^T, so the 16 x 32 weight tile (16 output features x 32 inputs) is the sparse
// operand (2:4 along k, exactly the pruning pattern) and 8 activation rows are the dense 32 x 8
// operand. Weights are reshuffled at prepare so each lane's word holds the 8 kept nibbles of its
// fragment (rows g and g + 8, chunks t and t + 4 of a 32-k block) and its register holds the
// metadata the instruction reads: 4 bits a 4-row chunk from the LSB, lower kept offset in the low
// two bits; lane 4 g + 2 s + h supplies k 16 h..16 h + 15 of rows g (bits 0-15) and g + 8 (bits
// 16-31) for the block issued with sparsity selector s. sparse_layout.h has the whole layout.
//
// Work split (tc_int4's): a block of 8 warps owns 8 tiles of 16 features and one k slice. It stages
// the slice's activations (and, with block-uniform groups, its scales and zeros) in shared memory
// with cp.async, while each warp starts streaming its tile's weights: per 64-k step an 8-byte word
// pair and a 4-byte metadata register per lane, kPipeline steps in flight. Each step is two mma.sp
// per 8 activation rows, one per 32-k block, with sparsity selectors 0 and 1 on the same metadata
// register. B fragments come from one ldmatrix.x4 per block.
// Dequantization: with block-uniform groups, tc_int4's exact q - z in fp16 (lop3 magic number),
// the mma sums of a group scaled once in fp32 when the group ends. With per-row groups (act-order,
// or groups under 32 rows), each kept value takes the scale and zero of its own row's group: the
// lane gets the offsets of its values from the metadata lanes of its quad (two shuffles per block),
// looks their groups up in g_idx, and feeds scale * (q - z) in fp16 straight into the accumulators.
// Split-k over the grid's y fills whole waves at small m; slices write fp32 partials and the last
// block of each feature block sums them in slice order (deterministic), after an acquire-release
// arrival counter that it resets, so a run needs no memset and can be captured in a graph.
// In a model decoder (GpuContext::dependentLaunch) the first launch starts behind the kernel before
// it, its weight stream and scale copies in flight before it waits for the activations.
//
// On compute capability 9.0, with groups of whole 32-row blocks, above kSparseWgmmaAboveM rows the
// kernel is not used: the weights run through wgmma_int4's pipeline on the sparse wgmma instead
// (wgmma_int4_kernel.cuh, Sparse), the warpgroup tensor cores at the sparse rate. Elsewhere
// (act-order or small groups, or another GPU), above kSparseMmaMaxM rows the kept weights are
// expanded to a dense fp16 W^T a block of features at a time (sparse_expand.h) and multiplied by
// cuBLAS, at dense tensor-core speed. The record's path says which. The kernel takes 32 rows a
// launch.
//
// Limits: 2:4 only; n % 16, k % 64; any group size and g_idx; m any; sm_80 or newer.
#include "sparse_int4/sparse_int4.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <string>
#include <type_traits>

#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"
#include "cuda/kernel_launch.h"
#include "cuda/split_k.h"
#include "int4_layout/fragment_dequant.h"
#include "sparse_int4/sparse_expand.h"
#include "tc_int4/tc_int4_kernel.cuh"

namespace q4 {
namespace sp {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
// 64-k steps in flight per lane (12 bytes each): about tc_int4's bytes in flight.
template <int MT>
constexpr int kPipeline = MT == 4 ? 8 : 4;
// Staged activation rows padded so the row stride is 16 bytes mod 128: ldmatrix without bank conflicts.
constexpr int kRowPad = 8;  // halves
// Resident blocks per SM the register budget is capped for (tc_int4's).
__host__ __device__ constexpr int blocksPerSm(int mTiles) { return mTiles == 1 ? 4 : mTiles == 2 ? 3 : 2; }
// The dynamic shared memory a block may ask for (within sm_80's 163 KiB).
constexpr int kMaxSharedBytes = 160 * 1024;

// Shared memory: activations [8 MT][sliceK + pad], then (block-uniform groups) the scales and zeros
// of the slice's groups for the block's 8 tiles, [groups][8 tiles][8 lanes] half2 pairs each.
__host__ __device__ constexpr int activationBytes(int mt, int sliceK) { return 8 * mt * (sliceK + kRowPad) * 2; }
__host__ __device__ constexpr int sliceGroups(int sliceK, int groupSize) { return sliceK / groupSize + 2; }
__host__ __device__ constexpr int scaleBytes(int sliceK, int groupSize) {
    return groupSize > 0 ? 2 * sliceGroups(sliceK, groupSize) * kWarps * 8 * 4 : 0;
}

struct Params {
    const uint2* weights;       // [k/64][n/16][32]: A words of blocks 0 and 1
    const uint32_t* metadata;   // [k/64][n/16][32]: metadata registers
    const uint32_t* scales;     // half2 pairs [G][n/16][8]
    const uint32_t* zeros;      // half2 pairs (1024 + z) [G][n/16][8]
    const int32_t* gIdx;        // [k], per-row groups only
    const __half* a;            // [m, k]
    __half* c;                  // [m, n]
    float* partials;            // [slices][m][n] when slices > 1
    int* counters;              // one per feature block, zero between launches
    int m, n, k, groupSize, sliceK, slices;
};

constexpr unsigned kFullMask = 0xFFFFFFFFu;

// The sparse product of a 16 x 32 weight tile (its kept halves in a, which k they sit at in e)
// with 32 k of 8 activation rows, added into fp32 d. ordered_metadata: the PTX ISA warns that the
// plain mma.sp may be much slower, and our offsets are increasing anyway. Selector: which lane
// pair of each quad supplies e (an immediate).
template <int Selector>
__device__ __forceinline__ void mmaSparse16832(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[4],
                                               uint32_t e) {
    asm volatile(
        "mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9,%10,%11}, {%0,%1,%2,%3}, %12, %13;"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]), "r"(e),
          "n"(Selector));
}

// Streaming loads of the weight and metadata streams: read once, kept out of L1.
__device__ __forceinline__ uint2 loadStreaming(const uint2* p) {
    uint2 v;
    asm volatile("ld.global.nc.L1::no_allocate.v2.u32 {%0,%1}, [%2];" : "=r"(v.x), "=r"(v.y) : "l"(p));
    return v;
}
__device__ __forceinline__ uint32_t loadStreaming(const uint32_t* p) {
    uint32_t v;
    asm volatile("ld.global.nc.L1::no_allocate.u32 %0, [%1];" : "=r"(v) : "l"(p));
    return v;
}

// (word & mask) | 1024.0 in both halves, one lop3: nibbles at bits 0/16 read 1024 + q, at 4/20 1024 + 16 q.
__device__ __forceinline__ uint32_t magicNibbles(uint32_t word, uint32_t mask) {
    uint32_t out;
    asm("lop3.b32 %0, %1, %2, %3, 0xea;" : "=r"(out) : "r"(word), "r"(mask), "r"(0x64006400u));
    return out;
}

// One lane's A fragment of block Block (sparsity selector) with per-row groups: each of its 8 kept
// values is scale * (q - z) in fp16, with the scale and zero of its own row's group. The offsets of
// the values come from the block's two metadata lanes of this quad (sparse::keptOffset).
// pairBase: this lane's pair in a group's scale row, nTile * 8 + g.
template <int Block>
__device__ __forceinline__ void dequantizePerRow(uint32_t (&frag)[4], uint32_t word, uint32_t meta, int lane,
                                                 int kBlockStart, const Params& p, int nTiles, int pairBase) {
    const int quad = lane & ~3, t = lane & 3;
    const uint32_t low = __shfl_sync(kFullMask, meta, quad + sparse::metadataLane(0, Block, 0));
    const uint32_t high = __shfl_sync(kFullMask, meta, quad + sparse::metadataLane(0, Block, 1));
    uint32_t scale[4], zero[4];
#pragma unroll
    for (int reg = 0; reg < 4; ++reg) {
        const int shift = 16 * (reg & 1);  // registers 1 and 3 hold row g + 8: the pairs' high halves
        uint32_t s[2], z[2];
#pragma unroll
        for (int e = 0; e < 2; ++e) {
            const int row = kBlockStart + sparse::keptOffset(low, high, t, reg, e);
            const size_t at = size_t(__ldg(p.gIdx + row)) * nTiles * 8 + pairBase;
            s[e] = (__ldg(p.scales + at) >> shift) & 0xFFFFu;
            z[e] = (__ldg(p.zeros + at) >> shift) & 0xFFFFu;
        }
        scale[reg] = s[0] | (s[1] << 16);
        zero[reg] = z[0] | (z[1] << 16);
    }
    // As tc::dequantizeTile, with a zero per value: registers 0 and 2 (bits 0/16, 8/24) read
    // 1024 + q, less 1024 + z; registers 1 and 3 (bits 4/20, 12/28) read 1024 + 16 q, times 1/16
    // plus 960 - (1024 + z). Both leave q - z exactly; one rounding multiplies in the scale.
    constexpr uint32_t kSixteenth = 0x2C002C00u, k960 = 0x63806380u;
    const uint32_t upper = word >> 8;
    frag[0] = tc::hmul2Bits(tc::hsub2Bits(magicNibbles(word, 0x000F000Fu), zero[0]), scale[0]);
    frag[1] = tc::hmul2Bits(tc::hfma2Bits(magicNibbles(word, 0x00F000F0u), kSixteenth, tc::hsub2Bits(k960, zero[1])),
                            scale[1]);
    frag[2] = tc::hmul2Bits(tc::hsub2Bits(magicNibbles(upper, 0x000F000Fu), zero[2]), scale[2]);
    frag[3] = tc::hmul2Bits(tc::hfma2Bits(magicNibbles(upper, 0x00F000F0u), kSixteenth, tc::hsub2Bits(k960, zero[3])),
                            scale[3]);
}

// MT: m tiles of 8 rows per launch (m <= 8 MT). PerRowGroups: each kept value looks up its group
// (else every 32-row block lies in one group of p.groupSize rows).
template <int MT, bool PerRowGroups>
__global__ void __launch_bounds__(kThreads, blocksPerSm(MT)) sparseInt4Kernel(Params p) {
    extern __shared__ __align__(16) unsigned char shared[];
    const int rowStride = p.sliceK + kRowPad;
    __half* aTile = reinterpret_cast<__half*>(shared);
    uint32_t* scaleTable = reinterpret_cast<uint32_t*>(shared + activationBytes(MT, p.sliceK));

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4, t = lane % 4;
    const int nTiles = p.n / 16;
    const int nTile = blockIdx.x * kWarps + warp;
    const bool warpActive = nTile < nTiles;  // uniform across the warp
    const int kBegin = blockIdx.y * p.sliceK;
    const int kEnd = min(p.k, kBegin + p.sliceK);
    const int steps = (kEnd - kBegin) / 64;
    const size_t first = (size_t(kBegin / 64) * nTiles + nTile) * 32 + lane;
    const size_t stepStride = size_t(nTiles) * 32;  // lanes' entries between consecutive steps

    // Start the weight and metadata streams first, so their latency hides behind the staging below.
    uint2 ringWords[kPipeline<MT>];
    uint32_t ringMeta[kPipeline<MT>];
#pragma unroll
    for (int j = 0; j < kPipeline<MT>; ++j) {
        ringWords[j] = make_uint2(0, 0);
        ringMeta[j] = 0;
        if (warpActive && j < steps) {
            ringWords[j] = loadStreaming(p.weights + first + j * stepStride);
            ringMeta[j] = loadStreaming(p.metadata + first + j * stepStride);
        }
    }

    // Block-uniform groups: the scales and zeros of every group the slice touches, for this block's
    // 8 tiles (256 contiguous bytes per group and table), copied in 16-byte pieces.
    int firstGroup = 0;
    if constexpr (!PerRowGroups) {
        firstGroup = kBegin / p.groupSize;
        const int groups = (kEnd - 1) / p.groupSize - firstGroup + 1;
        const int firstTile = blockIdx.x * kWarps;
        for (int i = threadIdx.x; i < groups * 32; i += kThreads) {
            const int local = i / 32, piece = i % 32, table = piece / 16, word = (piece % 16) * 4;
            if (firstTile + word / 8 >= nTiles) continue;
            const uint32_t* from =
                (table == 0 ? p.scales : p.zeros) + (size_t(firstGroup + local) * nTiles + firstTile) * 8 + word;
            tc::copyAsync16(scaleTable + (table * sliceGroups(p.sliceK, p.groupSize) + local) * kWarps * 8 + word, from);
        }
    }
    // A launch behind a decoder's previous kernel (a programmatic dependent) has its weight stream
    // and scale copies in flight by now; the activations are that kernel's output: wait for it.
    tc::waitForPrerequisiteGrids();
    // The slice's activations, row-major; rows past m are not staged (their stale values reach only
    // output columns past m, which are never stored: each mma output column is one row).
    const int vectors = (kEnd - kBegin) / 8;
    for (int row = 0; row < p.m; ++row)
        for (int v = threadIdx.x; v < vectors; v += kThreads)
            tc::copyAsync16(aTile + row * rowStride + v * 8, p.a + size_t(row) * p.k + kBegin + v * 8);
    tc::waitAsyncCopies();
    __syncthreads();

    float acc[MT][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) acc[mt][0] = acc[mt][1] = acc[mt][2] = acc[mt][3] = 0.0f;

    if (warpActive) {
        // Block-uniform groups: the mma sums of q - z over the group being accumulated go into part,
        // scaled into acc in fp32 when the group ends. Groups are whole 32-row blocks, so each
        // boundary crossed moves to the next group (no division in the loop).
        float part[MT][4];
        int groupEnd = firstGroup * p.groupSize;
        bool inGroup = false;
        const int zeroOffset = PerRowGroups ? 0 : sliceGroups(p.sliceK, p.groupSize) * kWarps * 8;
        const uint32_t* groupScale = scaleTable + warp * 8 + g - kWarps * 8;  // moved one group on per boundary
        tc::GroupZero zero{};
        float2 scaleN{0, 0};  // rows g and g + 8
        auto finishGroup = [&]() {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
                acc[mt][0] += scaleN.x * part[mt][0];
                acc[mt][1] += scaleN.x * part[mt][1];
                acc[mt][2] += scaleN.y * part[mt][2];
                acc[mt][3] += scaleN.y * part[mt][3];
            }
        };
        float(&target)[MT][4] = PerRowGroups ? acc : part;  // where the mma adds

        const uint2* nextWords = p.weights + first + kPipeline<MT> * stepStride;  // one step on per step
        const uint32_t* nextMeta = p.metadata + first + kPipeline<MT> * stepStride;
        const __half* bRow = aTile + (lane % 8) * rowStride + (lane / 8) * 8;  // this lane's ldmatrix row
        for (int base = 0; base < steps; base += kPipeline<MT>) {
#pragma unroll
            for (int j = 0; j < kPipeline<MT>; ++j) {
                const int step = base + j;
                if (step >= steps) break;
                const uint2 words = ringWords[j];
                const uint32_t meta = ringMeta[j];
                auto block = [&](auto blockTag) {
                    constexpr int kBlock = decltype(blockTag)::value;
                    const int kLocal = step * 64 + kBlock * 32;
                    const uint32_t word = kBlock == 0 ? words.x : words.y;
                    uint32_t frag[4];
                    if constexpr (PerRowGroups) {
                        dequantizePerRow<kBlock>(frag, word, meta, lane, kBegin + kLocal, p, nTiles, nTile * 8 + g);
                    } else {
                        if (kBegin + kLocal >= groupEnd) {  // uniform across the warp
                            if (inGroup) finishGroup();
                            inGroup = true;
                            groupEnd += p.groupSize;
                            groupScale += kWarps * 8;
                            const uint32_t scalePair = groupScale[0];
                            zero = tc::groupZero(groupScale[zeroOffset]);
                            scaleN = __half22float2(*reinterpret_cast<const __half2*>(&scalePair));
#pragma unroll
                            for (int mt = 0; mt < MT; ++mt) part[mt][0] = part[mt][1] = part[mt][2] = part[mt][3] = 0.0f;
                        }
                        tc::dequantizeTile(frag, word, zero);
                    }
#pragma unroll
                    for (int mt = 0; mt < MT; ++mt) {
                        uint32_t b[4];  // k 8i + 2t, 8i + 2t + 1 of row g, i = 0..3: the m16n8k32 B fragment
                        tc::loadBPair(b, bRow + mt * 8 * rowStride + kLocal);
                        mmaSparse16832<kBlock>(target[mt], frag, b, meta);
                    }
                };
                block(std::integral_constant<int, 0>{});
                block(std::integral_constant<int, 1>{});
                // Refill the slot once its words are consumed: no register copies of the ring.
                if (step + kPipeline<MT> < steps) {
                    ringWords[j] = loadStreaming(nextWords);
                    ringMeta[j] = loadStreaming(nextMeta);
                }
                nextWords += stepStride;
                nextMeta += stepStride;
            }
        }
        if constexpr (!PerRowGroups)
            if (inGroup) finishGroup();
    }

    tc::allowDependentGrids();  // a decoder's next kernel may launch; it waits for this grid to end
    tc::storeOutputs<MT>(p, acc, nTile, g, t, warpActive);
}

}  // namespace sp

SparseInt4Plan planSparseInt4(std::int64_t m, std::int64_t n, std::int64_t k, int groupSize, int multiprocessors) {
    SparseInt4Plan plan;
    plan.mPerLaunch = int(std::min<std::int64_t>(m, 32));
    plan.mTiles = plan.mPerLaunch <= 8 ? 1 : plan.mPerLaunch <= 16 ? 2 : 4;
    const std::int64_t nBlocks = (n + sp::kWarps * 16 - 1) / (sp::kWarps * 16);
    const std::int64_t slots = std::int64_t(sp::blocksPerSm(plan.mTiles)) * multiprocessors;
    plan.residentSlots = int(slots);
    // Activations of a slice take 16 mTiles bytes per k; keep them within 64 KiB.
    const std::int64_t maxSliceK =
        std::max<std::int64_t>(64, (65536 / (16 * plan.mTiles) - sp::kRowPad) / 64 * 64);
    const std::int64_t minSlices = (k + maxSliceK - 1) / maxSliceK;
    // A slice at least as long as the weight pipeline, or its warps never reach a steady stream.
    const std::int64_t pipelineK =
        64 * (plan.mTiles == 1 ? sp::kPipeline<1> : plan.mTiles == 2 ? sp::kPipeline<2> : sp::kPipeline<4>);
    const SplitK split = waveFillingSplit(k, nBlocks, slots, minSlices, std::max(minSlices, k / pipelineK));
    plan.slices = split.slices;
    plan.sliceK = split.sliceK;
    plan.sharedBytes = sp::activationBytes(plan.mTiles, plan.sliceK) + sp::scaleBytes(plan.sliceK, groupSize);
    return plan;
}

std::size_t sparseInt4PartialFloats(const SparseInt4Plan& plan, std::int64_t n) { return splitKPartialFloats(plan, n); }

std::size_t sparseInt4PartialFloats(std::int64_t maxM, std::int64_t n, std::int64_t k, int groupSize,
                                    int multiprocessors) {
    return splitKPartialFloatsUpTo(
        maxM, n, [&](std::int64_t m) { return planSparseInt4(m, n, k, groupSize, multiprocessors); });
}

namespace {

// Lets every m-tile instantiation of a path take up to kMaxSharedBytes of dynamic shared memory:
// once per process, at prepare, so no run (nor a graph capture) makes the call.
template <bool PerRowGroups>
Status allowSharedMemory() {
    static const cudaError_t raised = [] {
        for (const auto kernel : {sp::sparseInt4Kernel<1, PerRowGroups>, sp::sparseInt4Kernel<2, PerRowGroups>,
                                  sp::sparseInt4Kernel<4, PerRowGroups>})
            if (cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                     sp::kMaxSharedBytes);
                e != cudaSuccess)
                return e;
        return cudaSuccess;
    }();
    return cudaStatus(raised, "sparse_int4 shared memory limit");
}

template <int MT, bool PerRowGroups>
Status launch(const sp::Params& p, int nBlocks, int sharedBytes, bool dependent, cudaStream_t stream) {
    const KernelLaunch shape(dim3(unsigned(nBlocks), unsigned(p.slices)), dim3(sp::kThreads),
                             std::size_t(sharedBytes), stream, dependent);
    Q4_CHECK(cudaStatus(cudaLaunchKernelEx(shape.config(), sp::sparseInt4Kernel<MT, PerRowGroups>, p),
                        "sparse_int4 launch"));
    return launchStatus("sparse_int4 kernel");
}

template <bool PerRowGroups>
Status launchTiles(int mTiles, const sp::Params& p, int nBlocks, int sharedBytes, bool dependent,
                   cudaStream_t stream) {
    switch (mTiles) {
        case 1: return launch<1, PerRowGroups>(p, nBlocks, sharedBytes, dependent, stream);
        case 2: return launch<2, PerRowGroups>(p, nBlocks, sharedBytes, dependent, stream);
        default: return launch<4, PerRowGroups>(p, nBlocks, sharedBytes, dependent, stream);
    }
}

}  // namespace

Status SparseInt4::prepare(const GptqLayer&, const SweepPoint&, GpuContext&) {
    return Status::failure("sparse_int4 runs 2:4 sparse weights only: prepare it with prepareSparse");
}

Status SparseInt4::prepareSparse(const SparseGptqLayer& sparse, const GptqLayer& /*dense*/, const SweepPoint& point,
                                 GpuContext& context) {
    auto layout = makeSparseFragmentLayout(sparse);
    if (!layout) return Status::failure(layout.error());
    n_ = layout->n;
    k_ = layout->k;
    groupSize_ = layout->groupSize;
    multiprocessors_ = context.multiprocessors;
    Q4_CHECK(groupSize_ > 0 ? allowSharedMemory<false>() : allowSharedMemory<true>());
    DeviceAllocator& alloc = *context.allocator;
    // The compressed nibbles and the metadata are the layer's weights; scales, zeros and g_idx as named.
    Q4_CHECK(uploadVector(alloc, layout->words, MemoryUse::Weights, words_));
    Q4_CHECK(uploadVector(alloc, layout->metadata, MemoryUse::Weights, metadata_));
    Q4_CHECK(uploadVector(alloc, layout->scales, MemoryUse::Scales, scales_));
    Q4_CHECK(uploadVector(alloc, layout->zeros, MemoryUse::Zeros, zeros_));
    Q4_CHECK(uploadVector(alloc, layout->gIdx, MemoryUse::GIdx, gIdx_));

    const std::size_t partialFloats =
        sparseInt4PartialFloats(std::max<std::int64_t>(point.m, 1), n_, k_, groupSize_, multiprocessors_);
    if (partialFloats > 0) {
        auto partials = alloc.allocate(partialFloats * sizeof(float), MemoryUse::Workspace);
        if (!partials) return Status::failure(partials.error());
        partials_ = std::move(partials).value();
    }
    auto counters = alloc.allocate(std::size_t((n_ + 127) / 128) * sizeof(int), MemoryUse::Workspace);
    if (!counters) return Status::failure(counters.error());
    counters_ = std::move(counters).value();
    Q4_CHECK(cudaStatus(cudaMemsetAsync(counters_.data(), 0, counters_.bytes(), context.stream), "sparse_int4 counters"));

    chunkFeatures_ = dequantChunkFeatures(n_, k_);
    sparseWgmma_ = groupSize_ > 0 && wgmmaInt4Runs(context.computeCapability);
    if (wgmmaFor(point.m)) return wgmma_.prepare(point.m, n_, k_, multiprocessors_, alloc, context.stream);
    if (point.m <= kSparseMmaMaxM) return Status::success();
    auto wt = alloc.allocate(std::size_t(chunkFeatures_ * k_) * 2, MemoryUse::Workspace);
    if (!wt) return Status::failure(wt.error());
    wt_ = std::move(wt).value();
    return cublas_.create(context);
}

Status SparseInt4::runExpanded(const void* a, void* c, std::int64_t m, GpuContext& context) {
    if (!wt_.data() || !cublas_.get())
        return Status::failure("sparse_int4: m=" + std::to_string(m) + " was prepared for at most " +
                               std::to_string(kSparseMmaMaxM) + " rows");
    const SparseWeightsView view = weightsView();
    for (std::int64_t first = 0; first < n_; first += chunkFeatures_) {
        const std::int64_t features = std::min(chunkFeatures_, n_ - first);
        Q4_CHECK(expandSparseTransposed(view, first, features, wt_.data(), context.stream));
        Q4_CHECK(cublasRowMajorGemmTransposedB(cublas_.get(), a, wt_.data(), static_cast<__half*>(c) + first, m, features,
                                               k_, n_));
    }
    return Status::success();
}

Status SparseInt4::run(const void* a, void* c, std::int64_t m, GpuContext& context) {
    if (!words_.data()) return Status::failure("sparse_int4 was not prepared for a 2:4 layer");
    // In a decoder the sparse wgmma starts behind the kernel before it, as best_int4's wgmma path does.
    if (wgmmaFor(m)) return wgmma_.runSparse(weightsView(), a, c, m, context.dependentLaunch, context.stream);
    if (m > kSparseMmaMaxM) return runExpanded(a, c, m, context);
    const SparseInt4Plan plan = planSparseInt4(m, n_, k_, groupSize_, multiprocessors_);
    // Refuse a plan that would leave outputs unwritten (a slice without k), write partials past the
    // workspace, or ask for more shared memory than the kernel was allowed.
    const std::int64_t covered = std::int64_t(plan.slices) * plan.sliceK;
    if (plan.sliceK <= 0 || covered < k_ || covered - plan.sliceK >= k_)
        return Status::failure("sparse_int4: " + std::to_string(plan.slices) + " slices of " +
                               std::to_string(plan.sliceK) + " do not split k=" + std::to_string(k_));
    if (sparseInt4PartialFloats(plan, n_) * sizeof(float) > partials_.bytes())
        return Status::failure("sparse_int4: m=" + std::to_string(m) + " needs more split-k partials than prepared");
    if (plan.sharedBytes > sp::kMaxSharedBytes)
        return Status::failure("sparse_int4: a slice needs " + std::to_string(plan.sharedBytes) +
                               " bytes of shared memory, above " + std::to_string(sp::kMaxSharedBytes));
    const int nBlocks = int((n_ + 127) / 128);
    for (std::int64_t row = 0; row < m; row += plan.mPerLaunch) {
        sp::Params p{};
        p.weights = words_.as<uint2>();
        p.metadata = metadata_.as<uint32_t>();
        p.scales = scales_.as<uint32_t>();
        p.zeros = zeros_.as<uint32_t>();
        p.gIdx = gIdx_.as<int32_t>();
        p.a = static_cast<const __half*>(a) + row * k_;
        p.c = static_cast<__half*>(c) + row * n_;
        p.partials = partials_.as<float>();
        p.counters = counters_.as<int>();
        p.m = int(std::min<std::int64_t>(plan.mPerLaunch, m - row));
        p.n = int(n_);
        p.k = int(k_);
        p.groupSize = groupSize_;
        p.sliceK = plan.sliceK;
        p.slices = plan.slices;
        // In a decoder (sm_90 and up) the first grid may start behind the kernel before it.
        const bool dependent = row == 0 && context.dependentLaunch;
        const Status s =
            groupSize_ > 0 ? launchTiles<false>(plan.mTiles, p, nBlocks, plan.sharedBytes, dependent, context.stream)
                           : launchTiles<true>(plan.mTiles, p, nBlocks, plan.sharedBytes, dependent, context.stream);
        if (!s) return s;
    }
    return Status::success();
}

std::string SparseInt4::path(std::int64_t m) const {
    if (wgmmaFor(m)) return "sparse " + wgmma_.path(m);
    if (m > kSparseMmaMaxM) {
        const std::int64_t blocks = (n_ + chunkFeatures_ - 1) / std::max<std::int64_t>(chunkFeatures_, 1);
        return "2:4 expanded to fp16, " + std::to_string(blocks) + (blocks == 1 ? " block" : " blocks") +
               " of features, + cuBLAS (dense math)" + (groupSize_ > 0 ? "" : ", per-row groups");
    }
    const SparseInt4Plan plan = planSparseInt4(m, n_, k_, groupSize_, multiprocessors_);
    return "mma.sp m" + std::to_string(plan.mPerLaunch) + " x" +
           std::to_string((m + plan.mPerLaunch - 1) / plan.mPerLaunch) + " split-k " + std::to_string(plan.slices) +
           (groupSize_ > 0 ? "" : " per-row groups");
}

Status sparseInt4Supports(const SweepPoint& point, const GpuContext& context) {
    if (point.sparsity != Sparsity::Sparse2of4)
        return Status::failure(std::string("sparse_int4 runs 2:4 sparse weights only, not ") + nameOf(point.sparsity));
    if (context.computeCapability != 0 && context.computeCapability < 80)
        return Status::failure("sparse_int4 needs sm_80 or newer (mma.sp m16n8k32 with ordered metadata)");
    return sparseLayoutSupports(point.n, point.k);
}

KernelEntry sparseInt4Entry() {
    return {{"sparse_int4", "sparse",
             "Ours: 2:4 sparse weights through mma.sp::ordered_metadata m16n8k32 (the weights are the sparse "
             "operand), kept nibbles and metadata reshuffled at prepare into fragment and metadata-register order, "
             "dequantized in registers (lop3 magic), split-k with a deterministic reduction at small m; act-order "
             "by each kept row's own group. On compute capability 9.0 with groups of whole 32-row blocks, above " +
                 std::to_string(kSparseWgmmaAboveM) +
                 " rows the sparse wgmma in wgmma_int4's pipeline; otherwise, above " + std::to_string(kSparseMmaMaxM) +
                 " rows, the kept weights expanded to fp16 a block of features at a time and multiplied by cuBLAS.",
             "2:4 only; n % 16 == 0, k % 64 == 0; any group size and g_idx; sm_80+", true, false,
             {Sparsity::Sparse2of4}},
            sparseInt4Supports,
            [] { return std::make_unique<SparseInt4>(); }};
}

}  // namespace q4
