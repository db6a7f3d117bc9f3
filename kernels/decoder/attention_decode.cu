// Decode attention, split-KV (flash-decoding): one query per sequence and head at position
// *length, attending to cache positions [0, *length] (its own key appended just before).
//
// Grid (splits, KV heads x head blocks, batch), sized once for the largest context so a captured
// graph serves every step: each step, every (sequence, KV head) cache is cut into `used` slices of
// equal length (a multiple of 16 keys) and blocks whose slice starts past the end exit at once. A
// block serves up to 8 query heads of one KV head, so K and V are read once for all of them (GQA).
//
// A programmatic dependent, the kernel starts its first K and V copies before it waits for the
// kernel before it: cache positions below *length were written by earlier steps, and *length by
// the step before (every decoder kernel lets its dependents launch only after its own wait, so
// all kernels before the one just before this have ended). Only the appended key's row, if a
// first copy holds it, is placed after the wait, with the queries.
//
// RoPE and the append: either launchRopeAppend ran just before (q rotated, the key in the cache),
// or, in the decoder's steps, this kernel does both (DecodeRope): each block rotates its queries,
// the block whose slice holds the step's position rotates that key for itself, and head block 0
// of that slice writes the key and value to the cache. Either way q and k are rounded to fp16
// after the rotation, so both give the same bits.
//
// Inside a block the four warps work apart, with no block-wide barrier in the main loop: warp w
// takes the slice's 16-key sub-tiles w, w + 4, ..., each loaded by cp.async into its own two
// stages of shared memory (16-byte copies, all issued before any is used: a block keeps up to 64
// KiB in flight at head dim 128), and keeps its own online softmax (base 2). Scores: two lanes per
// key, each half of the dimensions, every head; output: each lane owns D / 32 dimensions of every
// head over the sub-tile's keys. The warps merge in shared memory at the end.
//
// A slice that is the whole cache writes the output itself. Otherwise each slice writes its
// unnormalised output, max and sum to the workspace, and the last slice of its (sequence, head
// block) to finish, found by an arrival counter it then resets for the next launch, merges them
// by log-sum-exp in slice order (results are deterministic): no combine launch. fp32 throughout.
//
// Limits: head dim 64 or 128; any GQA ratio (groups of more than 8 heads take several blocks);
// length + 1 <= maxContext < 2^31; the workspace is zeroed once before its first launch.
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>

#include "cuda/cuda_check.h"
#include "decoder/decoder_device.cuh"
#include "decoder/decoder_launch.h"
#include "decoder/decoder_ops.h"

namespace q4 {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;
constexpr int kWarpKeys = 16;  // keys per sub-tile: two lanes per key when scoring
constexpr int kStages = 2;     // sub-tiles in flight per warp
constexpr int kMaxHeadsPerBlock = 8;
constexpr int kMinSliceKeys = 64;  // no more splits than this gives: each slice costs a merge
// One wave of blocks, and at most 8 slices per head: the split sweep (docs/kernels.md, step 59)
// is flat or rising past one block per SM, and past 8 slices the merge and the per-slice start
// cost more than the extra blocks bring, even at 4000 keys.
constexpr int kBlocksPerSmTarget = 1;
constexpr int kMaxSplits = 8;

// A staged K row is padded by 16 bytes so the 8 lanes of each 16-byte load phase, reading 8
// different keys, hit distinct banks; V rows are read one whole row per warp and need no padding.
template <int D>
constexpr int kKeyRowHalves = D + 8;
template <int D>
constexpr int kStageHalves = kWarpKeys * (kKeyRowHalves<D> + D);  // K rows, then V rows

// Blocks per SM the shared memory allows (at 8 heads), told to ptxas so it may use the registers.
template <int D>
constexpr int kResidentBlocks = D == 128 ? 3 : 4;

// Dynamic shared memory of a block serving H heads: queries, every warp's stages, every warp's
// probabilities. At the end the stages hold the warps' outputs and (max, sum) for the merge.
template <int D, int H>
struct SharedLayout {
    static constexpr int queryBytes = H * D * 4;
    static constexpr int tileBytes = kWarps * kStages * kStageHalves<D> * 2;
    static constexpr int probBytes = kWarps * H * kWarpKeys * 4;
    static constexpr int bytes = queryBytes + tileBytes + probBytes;
    static_assert(kWarps * H * (D + 2) * 4 <= tileBytes, "the merge reuses the stages");
};

struct DecodeParams {
    const __half* q;  // row s at q + s * qStride: [heads * D], before RoPE when rope is set
    long long qStride;
    __half* k;  // [batch][kvHeads][maxContext][D]
    __half* v;
    // Set when the kernel applies RoPE and appends the step's key itself (launchDecodeAttention's
    // DecodeRope): the table [maxContext][D / 2] of (cos, sin), and the step's k and v rows.
    const float2* rope;
    const __half* newK;
    const __half* newV;
    long long kStride, vStride;
    float* partial;  // [batch][heads][splits][D]: unnormalised output of each slice
    float2* stats;   // [batch][heads][splits]: (max, sum) of each slice, base 2
    int* arrivals;   // [batch][kvHeads * headBlocks]: slices done this launch, zero between launches
    __half* out;     // [batch, heads * D]
    const int* length;
    int heads, kvHeads, group, headBlocks, maxContext, splits;
    float scaleLog2;
};

// 16 bytes global -> shared, asynchronously, bypassing L1; srcBytes 0 fills them with zeros.
__device__ __forceinline__ void copyAsync16(void* shared, const void* global, int srcBytes) {
    const unsigned to = static_cast<unsigned>(__cvta_generic_to_shared(shared));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to), "l"(global), "r"(srcBytes));
}
__device__ __forceinline__ void commitAsync() { asm volatile("cp.async.commit_group;"); }
// Waits until at most one committed group of this thread is still in flight.
__device__ __forceinline__ void waitAsyncAllButOne() { asm volatile("cp.async.wait_group 1;" ::: "memory"); }
__device__ __forceinline__ void waitAsyncAll() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

// N consecutive fp16 values (N = 2 or 4, aligned to their size) as floats.
template <int N>
__device__ __forceinline__ void loadHalves(const __half* from, float (&to)[N]) {
    static_assert(N == 2 || N == 4, "one or two half pairs");
    if constexpr (N == 4) {
        const uint2 w = *reinterpret_cast<const uint2*>(from);
        const float2 a = dec::halfPairToFloat2(w.x), b = dec::halfPairToFloat2(w.y);
        to[0] = a.x, to[1] = a.y, to[2] = b.x, to[3] = b.y;
    } else {
        const float2 a = dec::halfPairToFloat2(*reinterpret_cast<const uint32_t*>(from));
        to[0] = a.x, to[1] = a.y;
    }
}

// Keys per slice for the current length: an equal share, rounded up to whole sub-tiles.
__device__ __forceinline__ int sliceKeys(int keys, int splits) {
    const int share = (keys + splits - 1) / splits;
    return (share + kWarpKeys - 1) / kWarpKeys * kWarpKeys;
}

template <int D, int H>
__global__ void __launch_bounds__(kThreads, kResidentBlocks<D>) decodeAttentionKernel(DecodeParams p) {
    using Layout = SharedLayout<D, H>;
    constexpr int kPieces = D / 8;        // 16-byte pieces in a row
    constexpr int kChunks = D / 16;       // 8-dimension chunks in half a row (a scoring lane's share)
    constexpr int kDimsPerLane = D / 32;  // output dimensions of a lane
    extern __shared__ __align__(16) unsigned char shared[];
    float* qs = reinterpret_cast<float*>(shared);  // [H][D], pre-scaled by log2(e) / sqrt(D)
    __half* tiles = reinterpret_cast<__half*>(shared + Layout::queryBytes);
    float* probs = reinterpret_cast<float*>(shared + Layout::queryBytes + Layout::tileBytes);
    __shared__ bool lastToArrive;
    __shared__ __align__(16) __half newest[2 * D];  // with rope: the step's rotated key row, then its value row

    const int keys = min(*p.length + 1, p.maxContext);
    const int slice = sliceKeys(keys, p.splits);
    const int split = blockIdx.x;
    const int first = split * slice;
    if (first >= keys) return;
    const int count = min(keys - first, slice);  // keys of this slice
    const int used = (keys + slice - 1) / slice;
    const int subTiles = (count + kWarpKeys - 1) / kWarpKeys;
    const int sequence = blockIdx.z;
    const int kvHead = blockIdx.y / p.headBlocks;
    const int headInGroup = (blockIdx.y % p.headBlocks) * H;
    const int heads = min(H, p.group - headInGroup);
    const int firstHead = kvHead * p.group + headInGroup;
    const size_t sliceOffset = ((size_t(sequence) * p.kvHeads + kvHead) * size_t(p.maxContext) + first) * D;
    const __half* kSlice = p.k + sliceOffset;
    const __half* vSlice = p.v + sliceOffset;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __half* warpTiles = tiles + warp * kStages * kStageHalves<D>;
    float* warpProbs = probs + warp * H * kWarpKeys;  // [H][kWarpKeys]

    // The appended key's row (newestRow, if this slice holds it) into the stage of its sub-tile:
    // with rope from `newest`, else by a plain copy through L2, where the kernel before wrote it.
    // Lane l < 2 * kPieces copies piece l % kPieces of the K row (l < kPieces) or of the V row.
    const int newestRow = keys - 1 - first;
    const bool rope = p.rope != nullptr;
    const auto copyNewest = [&](__half* kTile, int lane) {
        const int key = newestRow % kWarpKeys, piece = lane % kPieces;
        const bool isValue = lane >= kPieces;
        __half* to = isValue ? kTile + kWarpKeys * kKeyRowHalves<D> + key * D : kTile + key * kKeyRowHalves<D>;
        reinterpret_cast<uint4*>(to)[piece] =
            rope ? reinterpret_cast<const uint4*>(newest + (isValue ? D : 0))[piece]
                 : __ldcg(reinterpret_cast<const uint4*>((isValue ? vSlice : kSlice) + size_t(newestRow) * D) + piece);
    };
    // The position's angles are read before the wait: a thread rotates only pairs
    // threadIdx.x % (D / 2) (kThreads is a multiple of D / 2).
    const float2 cs = rope ? p.rope[size_t(keys - 1) * (D / 2) + threadIdx.x % (D / 2)] : make_float2(1.0f, 0.0f);

    // Sub-tile t of the slice into one stage (an empty group past the last, so the counts of
    // committed groups stay uniform). Rows past the slice are zero-filled: their scores are masked,
    // and their V rows, multiplied by a zero probability, must be finite. Before the wait, the
    // appended key's row is left for later; after it, with rope, it comes from `newest`.
    const auto load = [&](int t, int stage, bool beforeWait) {
        if (t < subTiles) {
            __half* kTile = warpTiles + stage * kStageHalves<D>;
            __half* vTile = kTile + kWarpKeys * kKeyRowHalves<D>;
#pragma unroll
            for (int j = 0; j < kWarpKeys * kPieces / 32; ++j) {
                const int key = (lane + 32 * j) / kPieces, piece = lane % kPieces;
                const int row = t * kWarpKeys + key;
                const bool inSlice = row < count;
                if (row == newestRow && (beforeWait || rope)) continue;
                const size_t from = size_t(inSlice ? row : 0) * D + piece * 8;
                copyAsync16(kTile + key * kKeyRowHalves<D> + piece * 8, kSlice + from, inSlice ? 16 : 0);
                copyAsync16(vTile + key * D + piece * 8, vSlice + from, inSlice ? 16 : 0);
            }
            const bool holdsNewest = newestRow >= t * kWarpKeys && newestRow < (t + 1) * kWarpKeys;
            if (rope && !beforeWait && holdsNewest && lane < 2 * kPieces) copyNewest(kTile, lane);
        }
        commitAsync();
    };
#pragma unroll
    for (int s = 0; s < kStages; ++s) load(warp + s * kWarps, s, true);
    dec::waitForPrerequisites();
    // With rope, the block whose slice holds the step's key rotates it and stages it with its value
    // in `newest` (threads below D / 2: a K pair; the next D / 2: a V pair), and head block 0 of the
    // slice appends both to the cache.
    if (rope && newestRow < count) {
        const int i = threadIdx.x, half = D / 2;
        const bool append = blockIdx.y % p.headBlocks == 0;
        const size_t cacheRow = sliceOffset + size_t(newestRow) * D;
        if (i < half) {
            const __half* kIn = p.newK + sequence * p.kStride + size_t(kvHead) * D;
            const float2 r = dec::ropeRotate(__half2float(kIn[i]), __half2float(kIn[i + half]), cs);
            newest[i] = __float2half_rn(r.x);
            newest[i + half] = __float2half_rn(r.y);
            if (append) p.k[cacheRow + i] = newest[i], p.k[cacheRow + i + half] = newest[i + half];
        } else if (i < D) {
            const int pair = i - half;
            const uint32_t value = reinterpret_cast<const uint32_t*>(p.newV + sequence * p.vStride + size_t(kvHead) * D)[pair];
            reinterpret_cast<uint32_t*>(newest + D)[pair] = value;
            if (append) reinterpret_cast<uint32_t*>(p.v + cacheRow)[pair] = value;
        }
    }

    // Queries while the first sub-tiles load; rows past the block's heads are zero (never written out).
    // With rope each is rotated and rounded to fp16 first, as launchRopeAppend stores it.
    const __half* q = p.q + size_t(sequence) * p.qStride + size_t(firstHead) * D;
    if (rope) {
        for (int i = threadIdx.x; i < H * D / 2; i += kThreads) {
            const int h = i / (D / 2), at = h * D + i % (D / 2);
            float2 r = make_float2(0.0f, 0.0f);
            if (h < heads) {
                r = dec::ropeRotate(__half2float(q[at]), __half2float(q[at + D / 2]), cs);
                r = make_float2(__half2float(__float2half_rn(r.x)), __half2float(__float2half_rn(r.y)));
            }
            qs[at] = r.x * p.scaleLog2;
            qs[at + D / 2] = r.y * p.scaleLog2;
        }
    } else {
        for (int i = threadIdx.x; i < H * D / 2; i += kThreads) {
            const float2 f = i < heads * D / 2 ? dec::halfPairToFloat2(reinterpret_cast<const uint32_t*>(q)[i])
                                               : make_float2(0.0f, 0.0f);
            reinterpret_cast<float2*>(qs)[i] = make_float2(f.x * p.scaleLog2, f.y * p.scaleLog2);
        }
    }
    __syncthreads();
    // The appended key, if one of this warp's first copies skipped it (later loads place it themselves).
    if (newestRow < count) {
        const int t = newestRow / kWarpKeys, stage = t / kWarps;
        if (t % kWarps == warp && stage < kStages && lane < 2 * kPieces)
            copyNewest(warpTiles + stage * kStageHalves<D>, lane);
    }

    float runningMax[H], runningSum[H], acc[H][kDimsPerLane];
#pragma unroll
    for (int h = 0; h < H; ++h) {
        runningMax[h] = -INFINITY;
        runningSum[h] = 0.0f;
#pragma unroll
        for (int j = 0; j < kDimsPerLane; ++j) acc[h][j] = 0.0f;
    }
    const int key = lane % kWarpKeys, rowHalf = lane / kWarpKeys;  // when scoring

    int stage = 0;
    for (int t = warp; t < subTiles; t += kWarps) {
        waitAsyncAllButOne();
        __syncwarp();  // every lane's copies of this stage are visible to the warp
        const __half* kTile = warpTiles + stage * kStageHalves<D>;
        const __half* vTile = kTile + kWarpKeys * kKeyRowHalves<D>;
        const int valid = min(kWarpKeys, count - t * kWarpKeys);

        // Scores: this lane's half of its key against every head (two chains per head), then the
        // other half from lane ^ 16. Both lanes add the same two values: the results are identical.
        float score[H];
        {
            float a[H], b[H];
#pragma unroll
            for (int h = 0; h < H; ++h) a[h] = b[h] = 0.0f;
            const uint4* row = reinterpret_cast<const uint4*>(kTile + key * kKeyRowHalves<D> + rowHalf * (D / 2));
#pragma unroll
            for (int c = 0; c < kChunks; ++c) {
                const uint4 w = row[c];
                const float2 k0 = dec::halfPairToFloat2(w.x), k1 = dec::halfPairToFloat2(w.y);
                const float2 k2 = dec::halfPairToFloat2(w.z), k3 = dec::halfPairToFloat2(w.w);
#pragma unroll
                for (int h = 0; h < H; ++h) {
                    const float4* qRow = reinterpret_cast<const float4*>(qs + h * D + rowHalf * (D / 2)) + 2 * c;
                    const float4 x = qRow[0], y = qRow[1];
                    a[h] = fmaf(x.w, k1.y, fmaf(x.z, k1.x, fmaf(x.y, k0.y, fmaf(x.x, k0.x, a[h]))));
                    b[h] = fmaf(y.w, k3.y, fmaf(y.z, k3.x, fmaf(y.y, k2.y, fmaf(y.x, k2.x, b[h]))));
                }
            }
#pragma unroll
            for (int h = 0; h < H; ++h) {
                score[h] = a[h] + b[h];
                score[h] += __shfl_xor_sync(0xffffffffu, score[h], 16);
            }
        }

        // Online softmax per head over the sub-tile's keys (xor offsets below 16 keep each half of
        // the warp to itself, so every lane ends with the same max and sum). Key 0 is always
        // valid, so the new max is finite and the first sub-tile's rescale is exp2(-inf) = 0.
#pragma unroll
        for (int h = 0; h < H; ++h) {
            const float s = key < valid ? score[h] : -INFINITY;
            float tileMax = s;
#pragma unroll
            for (int offset = kWarpKeys / 2; offset > 0; offset /= 2)
                tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, offset));
            const float newMax = fmaxf(runningMax[h], tileMax);
            const float prob = exp2f(s - newMax);
            float sum = prob;
#pragma unroll
            for (int offset = kWarpKeys / 2; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
            const float rescale = exp2f(runningMax[h] - newMax);
            runningSum[h] = runningSum[h] * rescale + sum;
            runningMax[h] = newMax;
#pragma unroll
            for (int j = 0; j < kDimsPerLane; ++j) acc[h][j] *= rescale;
            if (rowHalf == 0) warpProbs[h * kWarpKeys + key] = prob;
        }
        __syncwarp();

        // Output: this lane's dimensions of every head, four keys' probabilities per shared load.
        const __half* vLane = vTile + lane * kDimsPerLane;
#pragma unroll
        for (int g = 0; g < kWarpKeys; g += 4) {
            float4 prob[H];
#pragma unroll
            for (int h = 0; h < H; ++h) prob[h] = *reinterpret_cast<const float4*>(warpProbs + h * kWarpKeys + g);
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                float vf[kDimsPerLane];
                loadHalves(vLane + (g + i) * D, vf);
#pragma unroll
                for (int h = 0; h < H; ++h) {
                    const float pk = i == 0 ? prob[h].x : i == 1 ? prob[h].y : i == 2 ? prob[h].z : prob[h].w;
#pragma unroll
                    for (int j = 0; j < kDimsPerLane; ++j) acc[h][j] = fmaf(pk, vf[j], acc[h][j]);
                }
            }
        }
        __syncwarp();  // the stage and the probabilities are read: they may be refilled
        load(t + kStages * kWarps, stage, false);
        stage ^= 1;
    }

    // Merge the warps (a warp without keys has max -inf and contributes zero).
    waitAsyncAll();   // only empty groups can remain
    __syncthreads();  // every warp is done with its stages: they become the merge area
    float* merged = reinterpret_cast<float*>(tiles);                       // [kWarps][H][D]
    float2* warpStats = reinterpret_cast<float2*>(merged + kWarps * H * D);  // [kWarps][H]
#pragma unroll
    for (int h = 0; h < H; ++h) {
        float* to = merged + (warp * H + h) * D + lane * kDimsPerLane;
#pragma unroll
        for (int j = 0; j < kDimsPerLane; ++j) to[j] = acc[h][j];
        if (lane == 0) warpStats[warp * H + h] = make_float2(runningMax[h], runningSum[h]);
    }
    __syncthreads();

    __half* out = p.out + (size_t(sequence) * p.heads + firstHead) * D;
    const size_t firstSlot = (size_t(sequence) * p.heads + firstHead) * p.splits;  // head 0 of the block, slice 0
    for (int i = threadIdx.x; i < heads * D; i += kThreads) {
        const int h = i / D, d = i % D;
        float m = -INFINITY;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) m = fmaxf(m, warpStats[w * H + h].x);
        float o = 0.0f, l = 0.0f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) {
            const float2 st = warpStats[w * H + h];
            const float e = exp2f(st.x - m);
            o = fmaf(e, merged[(w * H + h) * D + d], o);
            l = fmaf(e, st.y, l);
        }
        if (used == 1) {
            out[i] = __float2half_rn(o / l);
        } else {
            const size_t slot = firstSlot + size_t(h) * p.splits + split;
            p.partial[slot * D + d] = o;
            if (d == 0) p.stats[slot] = make_float2(m, l);
        }
    }
    if (used == 1) return;

    // Publish this slice, then count it in: the last of the `used` slices merges them all.
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
        int* arrivals = p.arrivals + size_t(sequence) * gridDim.y + blockIdx.y;
        lastToArrive = atomicAdd(arrivals, 1) == used - 1;
        if (lastToArrive) *arrivals = 0;  // every slice has arrived: ready for the next launch
    }
    __syncthreads();
    if (!lastToArrive) return;
    __threadfence();
    // out = sum_s 2^(m_s - M) o_s / sum_s 2^(m_s - M) l_s; read through L2, where the other SMs wrote.
    for (int i = threadIdx.x; i < heads * D; i += kThreads) {
        const int h = i / D, d = i % D;
        const size_t slots = firstSlot + size_t(h) * p.splits;
        float m = -INFINITY;
#pragma unroll 4
        for (int s = 0; s < used; ++s) m = fmaxf(m, __ldcg(&p.stats[slots + s]).x);
        float o = 0.0f, l = 0.0f;
#pragma unroll 4
        for (int s = 0; s < used; ++s) {
            const float2 st = __ldcg(&p.stats[slots + s]);
            const float e = exp2f(st.x - m);
            o = fmaf(e, __ldcg(&p.partial[(slots + s) * D + d]), o);
            l = fmaf(e, st.y, l);
        }
        out[i] = __float2half_rn(o / l);
    }
}

template <int D, int H>
Status launchDecode(const DecodeParams& p, std::int64_t batch, cudaStream_t stream) {
    constexpr int kBytes = SharedLayout<D, H>::bytes;
    static const cudaError_t raised =  // once per instance: above 48 KiB of dynamic shared memory
        cudaFuncSetAttribute(decodeAttentionKernel<D, H>, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes);
    if (raised != cudaSuccess) return cudaStatus(raised, "decode attention shared memory limit");
    const dim3 grid(unsigned(p.splits), unsigned(p.kvHeads * p.headBlocks), unsigned(batch));
    Q4_CUDA(launchDecoderKernel(decodeAttentionKernel<D, H>, grid, dim3(kThreads), kBytes, stream, p));
    return launchStatus("decode attention kernel");
}

template <int D>
Status launchDecodeForDim(const DecodeParams& p, int headsPerBlock, std::int64_t batch, cudaStream_t stream) {
    switch (headsPerBlock) {
        case 1: return launchDecode<D, 1>(p, batch, stream);
        case 2: return launchDecode<D, 2>(p, batch, stream);
        case 4: return launchDecode<D, 4>(p, batch, stream);
        default: return launchDecode<D, kMaxHeadsPerBlock>(p, batch, stream);
    }
}

// Query heads per block: the group rounded up to a power of two, at most 8 (an instance each).
int headsPerBlockFor(std::int64_t heads, std::int64_t kvHeads) {
    const std::int64_t group = heads / std::max<std::int64_t>(kvHeads, 1);
    int perBlock = 1;
    while (perBlock < group && perBlock < kMaxHeadsPerBlock) perBlock *= 2;
    return perBlock;
}

std::int64_t headBlocksFor(std::int64_t heads, std::int64_t kvHeads) {
    const std::int64_t group = heads / std::max<std::int64_t>(kvHeads, 1);
    const int perBlock = headsPerBlockFor(heads, kvHeads);
    return (group + perBlock - 1) / perBlock;
}

}  // namespace

int decodeAttentionSplits(std::int64_t batch, std::int64_t heads, std::int64_t kvHeads, std::int64_t maxContext,
                          int multiprocessors) {
    const std::int64_t blocks = std::max<std::int64_t>(1, batch * kvHeads * headBlocksFor(heads, kvHeads));
    const std::int64_t want = (std::int64_t(kBlocksPerSmTarget) * std::max(multiprocessors, 1) + blocks - 1) / blocks;
    const std::int64_t most = std::max<std::int64_t>(1, (maxContext + kMinSliceKeys - 1) / kMinSliceKeys);
    return int(std::clamp<std::int64_t>(want, 1, std::min<std::int64_t>(most, kMaxSplits)));
}

std::size_t decodeAttentionWorkspaceFloats(std::int64_t batch, std::int64_t heads, std::int64_t headDim, int splits) {
    // Partial outputs and (max, sum) per slice, then one arrival counter per block row (at most
    // one per head).
    return std::size_t(batch * heads * splits) * std::size_t(headDim + 2) + std::size_t(batch * heads);
}

Status launchDecodeAttention(const void* q, const KvCacheView& cache, std::int64_t heads, const std::int32_t* length,
                             int splits, float* workspace, void* out, cudaStream_t stream, const DecodeRope* rope) {
    if (!decoderHeadDimSupported(cache.headDim))
        return Status::failure("decode attention: head dim " + std::to_string(cache.headDim) + " is not 64 or 128");
    if (cache.kvHeads <= 0 || heads % cache.kvHeads != 0)
        return Status::failure("decode attention: " + std::to_string(heads) + " heads are not a multiple of " +
                               std::to_string(cache.kvHeads) + " KV heads");
    if (splits < 1 || splits > 65535) return Status::failure("decode attention: splits must be in 1..65535");
    if (rope && (!rope->table || !rope->k || !rope->v))
        return Status::failure("decode attention: rope needs its table and the step's k and v");
    if (rope && (rope->kCache != cache.k || rope->vCache != cache.v))
        return Status::failure("decode attention: rope's kCache and vCache must be the cache attended to");
    if (cache.batch <= 0) return Status::success();
    const std::size_t slots = std::size_t(cache.batch * heads * splits);
    DecodeParams p{};
    p.q = static_cast<const __half*>(q);
    p.qStride = rope ? rope->qStride : heads * cache.headDim;
    // Written only with rope (the step's key and value); the view itself is read-only.
    p.k = static_cast<__half*>(const_cast<void*>(cache.k));
    p.v = static_cast<__half*>(const_cast<void*>(cache.v));
    if (rope) {
        p.rope = reinterpret_cast<const float2*>(rope->table);
        p.newK = static_cast<const __half*>(rope->k);
        p.newV = static_cast<const __half*>(rope->v);
        p.kStride = rope->kStride;
        p.vStride = rope->vStride;
    }
    p.partial = workspace;
    p.stats = reinterpret_cast<float2*>(workspace + slots * std::size_t(cache.headDim));
    p.arrivals = reinterpret_cast<int*>(workspace + slots * std::size_t(cache.headDim + 2));
    p.out = static_cast<__half*>(out);
    p.length = length;
    p.heads = int(heads);
    p.kvHeads = int(cache.kvHeads);
    p.group = int(heads / cache.kvHeads);
    p.headBlocks = int(headBlocksFor(heads, cache.kvHeads));
    p.maxContext = int(cache.maxContext);
    p.splits = splits;
    p.scaleLog2 = float(1.4426950408889634 / std::sqrt(double(cache.headDim)));
    const int perBlock = headsPerBlockFor(heads, cache.kvHeads);
    return cache.headDim == 64 ? launchDecodeForDim<64>(p, perBlock, cache.batch, stream)
                               : launchDecodeForDim<128>(p, perBlock, cache.batch, stream);
}

}  // namespace q4
