// Decode attention, split-KV (flash-decoding): one query per sequence and head at position
// *length, attending to cache positions [0, *length] (its own key appended just before).
//
// Grid (splits, KV heads x head blocks, batch), sized once for the largest context so a captured
// graph serves every step: each step, every (sequence, KV head) cache is cut into slices of equal
// length, a multiple of 128 keys, as few as give each split at most one slice; blocks whose slice
// starts past the end exit at once. A block serves up to 8 query heads of one KV head, so K and V
// are read once for all of them (GQA). Per tile of 128 keys: K is staged in shared memory (rows
// padded to an odd word count, so one key per thread reads without bank conflicts); each thread
// scores its key against the block's heads; one warp per head updates the running max and sum
// (base 2, online softmax) and turns scores into probabilities; then every thread adds p v for
// its pair of dimensions over a share of the keys, V read straight from global memory (each key
// row in one coalesced pass). A slice's unnormalised output, max and sum go to a workspace; the
// combine kernel merges the slices by log-sum-exp into fp16. All arithmetic fp32.
//
// Limits: head dim 64 or 128; any GQA ratio (groups of more than 8 heads take several blocks);
// length + 1 <= maxContext < 2^31.
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>

#include "cuda/cuda_check.h"
#include "decoder/decoder_device.cuh"
#include "decoder/decoder_ops.h"

namespace q4 {
namespace {

constexpr int kThreads = 128;
constexpr int kTile = 128;  // keys per tile: one per thread when scoring
constexpr int kHeadsPerBlock = 8;
constexpr int kCombineThreads = 128;
constexpr int kBlocksPerSmTarget = 8;  // enough resident blocks to keep the loads flowing

struct DecodeParams {
    const __half* q;  // [batch, heads * D]
    const __half* k;  // [batch][kvHeads][maxContext][D]
    const __half* v;
    float* partial;   // [batch][heads][splits][D]: unnormalised output of each slice
    float2* stats;    // [batch][heads][splits]: (max, sum) of each slice, base 2
    __half* out;      // [batch, heads * D]
    const int* length;
    int heads, kvHeads, group, headBlocks, maxContext, splits;
    float scaleLog2;
};

// Keys per slice for the current length: an equal share, rounded up to whole tiles.
__device__ __forceinline__ int sliceKeys(int keys, int splits) {
    const int share = (keys + splits - 1) / splits;
    return (share + kTile - 1) / kTile * kTile;
}

template <int D>
__global__ void __launch_bounds__(kThreads) decodeAttentionKernel(DecodeParams p) {
    constexpr int kWords = D / 2 + 1;  // a staged key row in 32-bit words, odd: conflict-free
    constexpr int kPairs = D / 2;
    constexpr int kKeyLanes = kThreads / kPairs;  // threads sharing a dimension pair, each a share of the keys
    __shared__ float qs[kHeadsPerBlock][D];       // queries, pre-scaled by log2(e) / sqrt(D)
    __shared__ uint32_t ks[kTile * kWords];       // K tile; then the key lanes' outputs to reduce
    __shared__ float ps[kHeadsPerBlock][kTile];   // scores, then probabilities
    __shared__ float runningMax[kHeadsPerBlock], runningSum[kHeadsPerBlock], rescale[kHeadsPerBlock];
    static_assert(kKeyLanes * kHeadsPerBlock * D <= kTile * kWords, "the reduction reuses the K tile");

    const int keys = min(*p.length + 1, p.maxContext);
    const int slice = sliceKeys(keys, p.splits);
    const int split = blockIdx.x;
    const int first = split * slice;
    if (first >= keys) return;
    const int last = min(keys, first + slice);
    const int sequence = blockIdx.z;
    const int kvHead = blockIdx.y / p.headBlocks;
    const int headInGroup = (blockIdx.y % p.headBlocks) * kHeadsPerBlock;
    const int heads = min(kHeadsPerBlock, p.group - headInGroup);
    const int firstHead = kvHead * p.group + headInGroup;
    const size_t headOffset = (size_t(sequence) * p.kvHeads + kvHead) * size_t(p.maxContext) * D;
    const __half* kHead = p.k + headOffset;
    const __half* vHead = p.v + headOffset;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

    const __half* q = p.q + (size_t(sequence) * p.heads + firstHead) * D;
    for (int i = threadIdx.x; i < heads * D; i += kThreads) qs[i / D][i % D] = __half2float(q[i]) * p.scaleLog2;
    if (threadIdx.x < kHeadsPerBlock) {
        runningMax[threadIdx.x] = -INFINITY;
        runningSum[threadIdx.x] = 0.0f;
    }

    const int pair = threadIdx.x % kPairs, keyLane = threadIdx.x / kPairs;
    float2 acc[kHeadsPerBlock];
#pragma unroll
    for (int h = 0; h < kHeadsPerBlock; ++h) acc[h] = make_float2(0.0f, 0.0f);

    for (int tileFirst = first; tileFirst < last; tileFirst += kTile) {
        const int count = min(kTile, last - tileFirst);
        __syncthreads();  // the previous tile's K and probabilities are no longer read
        for (int i = threadIdx.x; i < count * (D / 8); i += kThreads) {
            const int key = i / (D / 8), piece = i % (D / 8);
            const uint4 w = *reinterpret_cast<const uint4*>(kHead + size_t(tileFirst + key) * D + piece * 8);
            uint32_t* to = ks + key * kWords + piece * 4;
            to[0] = w.x;
            to[1] = w.y;
            to[2] = w.z;
            to[3] = w.w;
        }
        __syncthreads();

        {  // Scores: thread = key.
            const int key = threadIdx.x;
            float s[kHeadsPerBlock];
#pragma unroll
            for (int h = 0; h < kHeadsPerBlock; ++h) s[h] = 0.0f;
            if (key < count) {
                const uint32_t* row = ks + key * kWords;
#pragma unroll 4
                for (int j = 0; j < kPairs; ++j) {
                    const float2 kf = dec::halfPairToFloat2(row[j]);
#pragma unroll
                    for (int h = 0; h < kHeadsPerBlock; ++h) {
                        if (h < heads) {
                            const float2 qf = reinterpret_cast<const float2*>(qs[h])[j];
                            s[h] = fmaf(qf.x, kf.x, fmaf(qf.y, kf.y, s[h]));
                        }
                    }
                }
            }
#pragma unroll
            for (int h = 0; h < kHeadsPerBlock; ++h)
                if (h < heads) ps[h][key] = key < count ? s[h] : -INFINITY;
        }
        __syncthreads();

        // Softmax bookkeeping: one warp per head. The tile holds at least one key, so the new max
        // is finite and the first tile's rescale factor is exp2(-inf) = 0.
        for (int h = warp; h < heads; h += kThreads / 32) {
            float v[kTile / 32];
            float tileMax = -INFINITY;
#pragma unroll
            for (int i = 0; i < kTile / 32; ++i) {
                v[i] = ps[h][lane + 32 * i];
                tileMax = fmaxf(tileMax, v[i]);
            }
            tileMax = dec::warpMax(tileMax);
            const float oldMax = runningMax[h];
            const float newMax = fmaxf(oldMax, tileMax);
            float sum = 0.0f;
#pragma unroll
            for (int i = 0; i < kTile / 32; ++i) {
                const float e = exp2f(v[i] - newMax);
                ps[h][lane + 32 * i] = e;
                sum += e;
            }
            sum = dec::warpSum(sum);
            if (lane == 0) {
                const float alpha = exp2f(oldMax - newMax);
                rescale[h] = alpha;
                runningSum[h] = runningSum[h] * alpha + sum;
                runningMax[h] = newMax;
            }
        }
        __syncthreads();

        // Output: this thread's dimension pair over keys keyLane, keyLane + kKeyLanes, ...
#pragma unroll
        for (int h = 0; h < kHeadsPerBlock; ++h) {
            if (h < heads) {
                acc[h].x *= rescale[h];
                acc[h].y *= rescale[h];
            }
        }
        const uint32_t* vPairs = reinterpret_cast<const uint32_t*>(vHead + size_t(tileFirst) * D) + pair;
#pragma unroll 4
        for (int key = keyLane; key < count; key += kKeyLanes) {
            const float2 vf = dec::halfPairToFloat2(vPairs[size_t(key) * kPairs]);
#pragma unroll
            for (int h = 0; h < kHeadsPerBlock; ++h) {
                if (h < heads) {
                    const float prob = ps[h][key];
                    acc[h].x = fmaf(prob, vf.x, acc[h].x);
                    acc[h].y = fmaf(prob, vf.y, acc[h].y);
                }
            }
        }
    }

    // Sum the key lanes' outputs (through the K tile's shared memory) and write the slice.
    __syncthreads();
    float* reduce = reinterpret_cast<float*>(ks);  // [kKeyLanes][kHeadsPerBlock][D]
#pragma unroll
    for (int h = 0; h < kHeadsPerBlock; ++h) {
        if (h < heads) {
            float* to = reduce + (keyLane * kHeadsPerBlock + h) * D + 2 * pair;
            to[0] = acc[h].x;
            to[1] = acc[h].y;
        }
    }
    __syncthreads();
    const size_t slot = (size_t(sequence) * p.heads + firstHead) * p.splits + split;  // of head 0 of the block
    for (int i = threadIdx.x; i < heads * D; i += kThreads) {
        const int h = i / D, d = i % D;
        float sum = 0.0f;
#pragma unroll
        for (int l = 0; l < kKeyLanes; ++l) sum += reduce[(l * kHeadsPerBlock + h) * D + d];
        p.partial[(slot + size_t(h) * p.splits) * D + d] = sum;
    }
    if (threadIdx.x < heads)
        p.stats[slot + size_t(threadIdx.x) * p.splits] = make_float2(runningMax[threadIdx.x], runningSum[threadIdx.x]);
}

// One block per (head, sequence): out = sum_i 2^(m_i - M) o_i / sum_i 2^(m_i - M) l_i over the
// slices that ran at this length.
template <int D>
__global__ void __launch_bounds__(kCombineThreads) decodeCombineKernel(DecodeParams p) {
    const int keys = min(*p.length + 1, p.maxContext);
    const int used = (keys + sliceKeys(keys, p.splits) - 1) / sliceKeys(keys, p.splits);
    const size_t slot = (size_t(blockIdx.y) * p.heads + blockIdx.x) * p.splits;
    float m = -INFINITY;
    for (int i = 0; i < used; ++i) m = fmaxf(m, p.stats[slot + i].x);
    float denominator = 0.0f;
    for (int i = 0; i < used; ++i) {
        const float2 st = p.stats[slot + i];
        denominator += exp2f(st.x - m) * st.y;
    }
    const float inverse = 1.0f / denominator;
    __half* out = p.out + (size_t(blockIdx.y) * p.heads + blockIdx.x) * D;
    for (int d = threadIdx.x; d < D; d += kCombineThreads) {
        float sum = 0.0f;
        for (int i = 0; i < used; ++i) sum += exp2f(p.stats[slot + i].x - m) * p.partial[(slot + i) * D + d];
        out[d] = __float2half_rn(sum * inverse);
    }
}

template <int D>
Status launchDecode(const DecodeParams& p, std::int64_t batch, cudaStream_t stream) {
    const dim3 grid(unsigned(p.splits), unsigned(p.kvHeads * p.headBlocks), unsigned(batch));
    decodeAttentionKernel<D><<<grid, kThreads, 0, stream>>>(p);
    Q4_CHECK(launchStatus("decode attention kernel"));
    decodeCombineKernel<D><<<dim3(unsigned(p.heads), unsigned(batch)), kCombineThreads, 0, stream>>>(p);
    return launchStatus("decode attention combine kernel");
}

std::int64_t headBlocksFor(std::int64_t heads, std::int64_t kvHeads) {
    const std::int64_t group = heads / std::max<std::int64_t>(kvHeads, 1);
    return (group + kHeadsPerBlock - 1) / kHeadsPerBlock;
}

}  // namespace

int decodeAttentionSplits(std::int64_t batch, std::int64_t heads, std::int64_t kvHeads, std::int64_t maxContext,
                          int multiprocessors) {
    const std::int64_t blocks = std::max<std::int64_t>(1, batch * kvHeads * headBlocksFor(heads, kvHeads));
    const std::int64_t want = (std::int64_t(kBlocksPerSmTarget) * std::max(multiprocessors, 1) + blocks - 1) / blocks;
    const std::int64_t most = std::max<std::int64_t>(1, (maxContext + kTile - 1) / kTile);
    return int(std::clamp<std::int64_t>(want, 1, std::min<std::int64_t>(most, 65535)));
}

std::size_t decodeAttentionWorkspaceFloats(std::int64_t batch, std::int64_t heads, std::int64_t headDim, int splits) {
    return std::size_t(batch * heads * splits) * std::size_t(headDim + 2);
}

Status launchDecodeAttention(const void* q, const KvCacheView& cache, std::int64_t heads, const std::int32_t* length,
                             int splits, float* workspace, void* out, cudaStream_t stream) {
    if (!decoderHeadDimSupported(cache.headDim))
        return Status::failure("decode attention: head dim " + std::to_string(cache.headDim) + " is not 64 or 128");
    if (cache.kvHeads <= 0 || heads % cache.kvHeads != 0)
        return Status::failure("decode attention: " + std::to_string(heads) + " heads are not a multiple of " +
                               std::to_string(cache.kvHeads) + " KV heads");
    if (splits < 1) return Status::failure("decode attention: splits must be positive");
    if (cache.batch <= 0) return Status::success();
    DecodeParams p{};
    p.q = static_cast<const __half*>(q);
    p.k = static_cast<const __half*>(cache.k);
    p.v = static_cast<const __half*>(cache.v);
    p.partial = workspace;
    p.stats = reinterpret_cast<float2*>(workspace + std::size_t(cache.batch * heads * splits) * cache.headDim);
    p.out = static_cast<__half*>(out);
    p.length = length;
    p.heads = int(heads);
    p.kvHeads = int(cache.kvHeads);
    p.group = int(heads / cache.kvHeads);
    p.headBlocks = int(headBlocksFor(heads, cache.kvHeads));
    p.maxContext = int(cache.maxContext);
    p.splits = splits;
    p.scaleLog2 = float(1.4426950408889634 / std::sqrt(double(cache.headDim)));
    return cache.headDim == 64 ? launchDecode<64>(p, cache.batch, stream) : launchDecode<128>(p, cache.batch, stream);
}

}  // namespace q4
