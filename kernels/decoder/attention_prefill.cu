// Prefill attention: causal, grouped-query, flash-attention style on tensor cores.
//
// A block of 4 warps owns 64 query rows of one (sequence, KV head): the rows are the chunk's
// (position, query head) pairs of that KV head, position-major, so the GQA heads that share the
// KV head share every K/V tile the block loads. Each warp owns 16 rows and keeps its Q fragments
// and its fp32 output accumulators in registers. Keys stream through shared memory in tiles of 64
// (K and V, double-buffered with cp.async; positions past the block's last needed key are zero-
// filled), and for each tile a warp computes S = Q K^T with mma.sync m16n8k16 (fp32 accumulate),
// masks keys after each row's position, updates the running max and sum (online softmax, in
// base 2 with the scale folded in), rescales its output and adds P V, P rounded to fp16 for the
// second product. The score matrix never leaves registers.
//
// Fragment layouts (PTX m16n8k16, g = lane / 4, t = lane % 4): A (16 x 16 row): a0 = (g, 2t..2t+1),
// a1 = (g + 8, 2t..), a2 = (g, 2t + 8..), a3 = (g + 8, 2t + 8..); B (16 x 8 col): b0 = (k 2t..2t+1,
// n g), b1 = (k 2t + 8.., n g); C (16 x 8): c0, c1 = (g, 2t..2t+1), c2, c3 = (g + 8, 2t..).
// K tiles give B fragments for S with plain ldmatrix (K is [key][dim], i.e. B^T row-major); V
// tiles give them for P V with ldmatrix.trans (V is [key][dim], i.e. B row-major). Two adjacent
// n8 tiles of S in C layout are exactly the A fragment of P for one k16 step.
//
// Limits: head dim 64 or 128 (template instances); any chunk length, start, batch and GQA ratio;
// cache positions below 2^31.
#include <cuda_fp16.h>

#include <cmath>

#include "cuda/cuda_check.h"
#include "decoder/decoder_device.cuh"
#include "decoder/decoder_ops.h"

namespace q4 {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kBlockRows = kWarps * 16;  // query rows per block
constexpr int kKeyTile = 64;             // keys per shared-memory tile
// Shared rows padded by 16 bytes: rows are then 16 bytes mod 128 apart, so the 8 row addresses
// of each ldmatrix phase fall in distinct banks.
template <int D>
constexpr int kRowHalves = D + 8;
template <int D>
constexpr int kStageHalves = 2 * kKeyTile * kRowHalves<D>;  // K tile, then V tile
template <int D>
constexpr int kSharedBytes = 2 * kStageHalves<D> * 2;  // two stages of fp16

struct PrefillParams {
    const __half* q;  // [batch * positions, heads * D]
    const __half* k;  // [batch][kvHeads][maxContext][D]
    const __half* v;
    __half* out;      // as q
    int positions, start, heads, kvHeads, group, maxContext;
    float scaleLog2;  // log2(e) / sqrt(D)
};

// 16 bytes global -> shared, asynchronously; srcBytes 0 fills the 16 bytes with zeros.
__device__ __forceinline__ void copyAsync16(void* shared, const void* global, int srcBytes) {
    const unsigned to = static_cast<unsigned>(__cvta_generic_to_shared(shared));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to), "l"(global), "r"(srcBytes));
}
__device__ __forceinline__ void commitAsync() { asm volatile("cp.async.commit_group;"); }
// Waits until at most one committed group is still in flight.
__device__ __forceinline__ void waitAsyncAllButOne() { asm volatile("cp.async.wait_group 1;" ::: "memory"); }

// Four 8x8 fp16 matrices: lane l gives the address of row l % 8 of matrix l / 8.
__device__ __forceinline__ void loadMatrices(uint32_t (&r)[4], const __half* rowAddress) {
    const unsigned from = static_cast<unsigned>(__cvta_generic_to_shared(rowAddress));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(from));
}
// The same, each matrix transposed on the way (lane gets rows 2t, 2t + 1 of column g).
__device__ __forceinline__ void loadMatricesTransposed(uint32_t (&r)[4], const __half* rowAddress) {
    const unsigned from = static_cast<unsigned>(__cvta_generic_to_shared(rowAddress));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(from));
}

__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ uint32_t load32(const __half* p) { return *reinterpret_cast<const uint32_t*>(p); }

template <int D>
__global__ void __launch_bounds__(kThreads) prefillAttentionKernel(PrefillParams p) {
    extern __shared__ __align__(16) unsigned char shared[];
    __half* stages = reinterpret_cast<__half*>(shared);
    constexpr int kRow = kRowHalves<D>;
    constexpr int kPieces = D / 8;  // 16-byte pieces per key row
    constexpr int kSteps = D / 16;  // k16 steps of Q K^T
    constexpr int kDimTiles = D / 8;  // n8 tiles of the output

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4, t = lane % 4;
    const int sequence = blockIdx.z, kvHead = blockIdx.y;
    const int totalRows = p.positions * p.group;
    const int blockRow = blockIdx.x * kBlockRows;
    const int blockLast = min(totalRows, blockRow + kBlockRows) - 1;
    const int keys = p.start + blockLast / p.group + 1;  // the block needs cache positions [0, keys)
    const int tiles = (keys + kKeyTile - 1) / kKeyTile;
    const size_t headOffset = (size_t(sequence) * p.kvHeads + kvHead) * size_t(p.maxContext) * D;
    const __half* kHead = p.k + headOffset;
    const __half* vHead = p.v + headOffset;

    auto loadTile = [&](int tile) {
        __half* kStage = stages + (tile & 1) * kStageHalves<D>;
        __half* vStage = kStage + kKeyTile * kRow;
        for (int i = threadIdx.x; i < kKeyTile * kPieces; i += kThreads) {
            const int key = i / kPieces, piece = i % kPieces;
            const int position = tile * kKeyTile + key;
            const bool valid = position < keys;
            const size_t from = size_t(valid ? position : 0) * D + piece * 8;
            copyAsync16(kStage + key * kRow + piece * 8, kHead + from, valid ? 16 : 0);
            copyAsync16(vStage + key * kRow + piece * 8, vHead + from, valid ? 16 : 0);
        }
    };
    loadTile(0);
    commitAsync();

    // This lane's two rows (g and g + 8 of the warp's 16); rows past the end are computed on the
    // last row's data and not stored.
    const int warpRow = blockRow + warp * 16;
    const bool warpActive = warpRow < totalRows;
    const int warpLastPosition = p.start + min(totalRows - 1, warpRow + 15) / p.group;
    const int rowA = warpRow + g, rowB = warpRow + g + 8;
    const bool storeA = rowA < totalRows, storeB = rowB < totalRows;
    const int clampedA = min(rowA, totalRows - 1), clampedB = min(rowB, totalRows - 1);
    const int positionA = clampedA / p.group, positionB = clampedB / p.group;
    const int limitA = p.start + positionA, limitB = p.start + positionB;  // the last key each row sees
    const size_t offsetA =
        ((size_t(sequence) * p.positions + positionA) * p.heads + kvHead * p.group + clampedA % p.group) * D;
    const size_t offsetB =
        ((size_t(sequence) * p.positions + positionB) * p.heads + kvHead * p.group + clampedB % p.group) * D;

    uint32_t qf[kSteps][4];
#pragma unroll
    for (int s = 0; s < kSteps; ++s) {
        qf[s][0] = load32(p.q + offsetA + s * 16 + 2 * t);
        qf[s][1] = load32(p.q + offsetB + s * 16 + 2 * t);
        qf[s][2] = load32(p.q + offsetA + s * 16 + 8 + 2 * t);
        qf[s][3] = load32(p.q + offsetB + s * 16 + 8 + 2 * t);
    }

    float o[kDimTiles][4];
#pragma unroll
    for (int i = 0; i < kDimTiles; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
    float maxA = -INFINITY, maxB = -INFINITY;  // running max of the scaled scores (base 2)
    float sumA = 0.0f, sumB = 0.0f;            // this lane's part of the running sums

    for (int tile = 0; tile < tiles; ++tile) {
        if (tile + 1 < tiles) loadTile(tile + 1);
        commitAsync();  // possibly empty: keeps the group count uniform
        waitAsyncAllButOne();
        __syncthreads();
        const int tileFirst = tile * kKeyTile;
        // Uniform per warp. Tile 0 always runs, so every row's max is finite from then on (key 0
        // is visible to every position).
        if (warpActive && tileFirst <= warpLastPosition) {
            const __half* kStage = stages + (tile & 1) * kStageHalves<D>;
            const __half* vStage = kStage + kKeyTile * kRow;

            float s[8][4];
#pragma unroll
            for (int nt = 0; nt < 8; ++nt) {
                s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
#pragma unroll
                for (int step = 0; step < kSteps; step += 2) {
                    uint32_t b[4];  // keys nt*8.., dims step*16 + {0, 8, 16, 24}
                    loadMatrices(b, kStage + (nt * 8 + lane % 8) * kRow + step * 16 + (lane / 8) * 8);
                    mma16816(s[nt], qf[step], b[0], b[1]);
                    mma16816(s[nt], qf[step + 1], b[2], b[3]);
                }
            }

            float tileMaxA = -INFINITY, tileMaxB = -INFINITY;
#pragma unroll
            for (int nt = 0; nt < 8; ++nt) {
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int key = tileFirst + nt * 8 + 2 * t + (e & 1);
                    const bool upper = e < 2;
                    const bool visible = key <= (upper ? limitA : limitB);
                    const float scaled = visible ? s[nt][e] * p.scaleLog2 : -INFINITY;
                    s[nt][e] = scaled;
                    if (upper) tileMaxA = fmaxf(tileMaxA, scaled);
                    else tileMaxB = fmaxf(tileMaxB, scaled);
                }
            }
            // The four lanes of a row (same g) hold its 64 scores between them.
            tileMaxA = fmaxf(tileMaxA, __shfl_xor_sync(0xffffffffu, tileMaxA, 1));
            tileMaxA = fmaxf(tileMaxA, __shfl_xor_sync(0xffffffffu, tileMaxA, 2));
            tileMaxB = fmaxf(tileMaxB, __shfl_xor_sync(0xffffffffu, tileMaxB, 1));
            tileMaxB = fmaxf(tileMaxB, __shfl_xor_sync(0xffffffffu, tileMaxB, 2));
            const float newMaxA = fmaxf(maxA, tileMaxA), newMaxB = fmaxf(maxB, tileMaxB);
            const float alphaA = exp2f(maxA - newMaxA), alphaB = exp2f(maxB - newMaxB);  // 0 on the first tile
            maxA = newMaxA;
            maxB = newMaxB;

            float tileSumA = 0.0f, tileSumB = 0.0f;
#pragma unroll
            for (int nt = 0; nt < 8; ++nt) {
                s[nt][0] = exp2f(s[nt][0] - maxA);
                s[nt][1] = exp2f(s[nt][1] - maxA);
                s[nt][2] = exp2f(s[nt][2] - maxB);
                s[nt][3] = exp2f(s[nt][3] - maxB);
                tileSumA += s[nt][0] + s[nt][1];
                tileSumB += s[nt][2] + s[nt][3];
            }
            sumA = sumA * alphaA + tileSumA;
            sumB = sumB * alphaB + tileSumB;
#pragma unroll
            for (int nt = 0; nt < kDimTiles; ++nt) {
                o[nt][0] *= alphaA;
                o[nt][1] *= alphaA;
                o[nt][2] *= alphaB;
                o[nt][3] *= alphaB;
            }

#pragma unroll
            for (int step = 0; step < kKeyTile / 16; ++step) {
                const uint32_t a[4] = {dec::float2ToHalfPair(s[2 * step][0], s[2 * step][1]),
                                       dec::float2ToHalfPair(s[2 * step][2], s[2 * step][3]),
                                       dec::float2ToHalfPair(s[2 * step + 1][0], s[2 * step + 1][1]),
                                       dec::float2ToHalfPair(s[2 * step + 1][2], s[2 * step + 1][3])};
#pragma unroll
                for (int nt = 0; nt < kDimTiles; nt += 2) {
                    uint32_t b[4];  // keys step*16 + {0, 8}, dims nt*8 + {0, 8}
                    loadMatricesTransposed(
                        b, vStage + (step * 16 + ((lane / 8) % 2) * 8 + lane % 8) * kRow + nt * 8 + (lane / 16) * 8);
                    mma16816(o[nt], a, b[0], b[1]);
                    mma16816(o[nt + 1], a, b[2], b[3]);
                }
            }
        }
        __syncthreads();  // the next iteration refills the stage just read
    }

    if (!warpActive) return;
    sumA += __shfl_xor_sync(0xffffffffu, sumA, 1);
    sumA += __shfl_xor_sync(0xffffffffu, sumA, 2);
    sumB += __shfl_xor_sync(0xffffffffu, sumB, 1);
    sumB += __shfl_xor_sync(0xffffffffu, sumB, 2);
    const float invA = 1.0f / sumA, invB = 1.0f / sumB;
#pragma unroll
    for (int nt = 0; nt < kDimTiles; ++nt) {
        const int dim = nt * 8 + 2 * t;
        if (storeA)
            *reinterpret_cast<uint32_t*>(p.out + offsetA + dim) = dec::float2ToHalfPair(o[nt][0] * invA, o[nt][1] * invA);
        if (storeB)
            *reinterpret_cast<uint32_t*>(p.out + offsetB + dim) = dec::float2ToHalfPair(o[nt][2] * invB, o[nt][3] * invB);
    }
}

template <int D>
Status launchPrefill(const PrefillParams& p, dim3 grid, cudaStream_t stream) {
    static const cudaError_t raised =  // once per instance: above 48 KiB of dynamic shared memory for D = 128
        cudaFuncSetAttribute(prefillAttentionKernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, kSharedBytes<D>);
    if (raised != cudaSuccess) return cudaStatus(raised, "prefill attention shared memory limit");
    prefillAttentionKernel<D><<<grid, kThreads, kSharedBytes<D>, stream>>>(p);
    return launchStatus("prefill attention kernel");
}

}  // namespace

bool decoderHeadDimSupported(std::int64_t headDim) { return headDim == 64 || headDim == 128; }

Status launchPrefillAttention(const void* q, const KvCacheView& cache, std::int64_t heads, std::int64_t positions,
                              std::int64_t start, void* out, cudaStream_t stream) {
    if (!decoderHeadDimSupported(cache.headDim))
        return Status::failure("prefill attention: head dim " + std::to_string(cache.headDim) + " is not 64 or 128");
    if (cache.kvHeads <= 0 || heads % cache.kvHeads != 0)
        return Status::failure("prefill attention: " + std::to_string(heads) + " heads are not a multiple of " +
                               std::to_string(cache.kvHeads) + " KV heads");
    if (start < 0 || start + positions > cache.maxContext)
        return Status::failure("prefill attention: positions " + std::to_string(start) + ".." +
                               std::to_string(start + positions - 1) + " are outside the cache of " +
                               std::to_string(cache.maxContext));
    if (positions <= 0 || cache.batch <= 0) return Status::success();
    PrefillParams p{};
    p.q = static_cast<const __half*>(q);
    p.k = static_cast<const __half*>(cache.k);
    p.v = static_cast<const __half*>(cache.v);
    p.out = static_cast<__half*>(out);
    p.positions = int(positions);
    p.start = int(start);
    p.heads = int(heads);
    p.kvHeads = int(cache.kvHeads);
    p.group = int(heads / cache.kvHeads);
    p.maxContext = int(cache.maxContext);
    p.scaleLog2 = float(1.4426950408889634 / std::sqrt(double(cache.headDim)));
    const std::int64_t rows = positions * p.group;
    const dim3 grid(unsigned((rows + kBlockRows - 1) / kBlockRows), unsigned(cache.kvHeads), unsigned(cache.batch));
    return cache.headDim == 64 ? launchPrefill<64>(p, grid, stream) : launchPrefill<128>(p, grid, stream);
}

}  // namespace q4
