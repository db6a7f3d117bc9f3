// tiled_dequant_mma: C [m, n] fp16 = A [m, k] fp16 * W [k, n], W as GPTQ int4; the approach of
// AutoGPTQ's Triton kernel, written in CUDA. Each CTA owns a BM x BN tile of C and walks K in
// BK steps. Every step brings into shared memory the A tile (fp16), the packed int4 W tile, and
// for every W row the scales and zero points of that row's group (looked up through g_idx, so
// act-order works without any reordering); W is then dequantized to fp16 in shared memory and
// multiplied on tensor cores with WMMA 16x16x16 (fp16 in, fp32 accumulators). As Triton's
// software pipelining does, the copies run ahead (cp.async into a ring of stages), and step t+1
// is dequantized while step t multiplies (two W tiles, one barrier per step). The tile shape is
// chosen by m (and, for large m, by how many CTAs it gives).
//
// Layout: qweight int32 [k/8, n] as GPTQ stores it; scales fp16 [G, n]; g_idx int32 [k];
// zeros rewritten at prepare as true zero points (v1 stores zero-1), packed 8 per int32 along n
// like qzeros, with rows padded to a multiple of 4 words so that they copy in 16-byte pieces.
//
// Limitations: n and k multiples of 8 (any m >= 1; m, n and k tails are masked); A and C 16-byte
// aligned; sm_80 or newer (cp.async, up to 105 KB of shared memory per CTA). Small m wastes most
// of the 16-row MMA tile and, with no split of K over CTAs, keeps only n/32 CTAs busy: the
// approach's known weakness at decode sizes. Scales and zeros are gathered per W row, as in the
// Triton kernel, even when neighbouring rows share a group.
#include <cuda_fp16.h>
#include <mma.h>

#include <cstdint>
#include <string>

#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"

namespace q4 {
namespace {

using namespace nvcuda;

// One CTA's tile, how its warps share it, and the depth of the copy pipeline. warpsM x warpsN
// warps cover the C tile; warpsK warps split every K step between them (their partial sums are
// added in shared memory at the end).
template <int BM, int BN, int BK, int WM, int WN, int WK, int Stages>
struct TileConfig {
    static constexpr int bm = BM, bn = BN, bk = BK, stages = Stages;
    static constexpr int warpsM = WM, warpsN = WN, warpsK = WK;
    static constexpr int threads = 32 * WM * WN * WK;
    static constexpr int warpTileM = BM / WM, warpTileN = BN / WN, warpTileK = BK / WK;
    static constexpr int fragsM = warpTileM / 16, fragsN = warpTileN / 16;
    // A and dequantized W rows padded by 8 halves: WMMA pointers stay 32-byte aligned and the
    // 8 rows of a fragment load fall in distinct banks.
    static constexpr int aStride = BK + 8, wStride = BN + 8;
    // One stage of the ring, in bytes: A [BM][aStride] fp16, packed W [BK/8][BN] u32,
    // scales [BK][BN] fp16 and zero words [BK][BN/8] u32, both one row per W row.
    static constexpr int aBytes = BM * aStride * 2;
    static constexpr int qBytes = BK / 8 * BN * 4;
    static constexpr int sBytes = BK * BN * 2;
    static constexpr int zBytes = BK * BN / 8 * 4;
    static constexpr int stageBytes = aBytes + qBytes + sBytes + zBytes;
    static constexpr int wHalves = BK * wStride;  // a dequantized W tile; two of them alternate
    static constexpr int gathers = BK * (BN / 8) / threads;  // 16-byte scale pieces per thread per step
    static constexpr int redStride = BN + 4;                 // floats
    static constexpr int redBytes = (WK - 1) * BM * redStride * 4;
    static constexpr int scratchStride = 20;  // floats; WMMA float stores need a multiple of 4
    static constexpr int scratchBytes = (threads / 32) * 16 * scratchStride * 4;
    static constexpr int operandBytes = Stages * stageBytes + 2 * wHalves * 2;
    static constexpr int smemBytes =
        operandBytes > redBytes + scratchBytes ? operandBytes : redBytes + scratchBytes;

    static_assert(warpTileM % 16 == 0 && warpTileN % 16 == 0 && warpTileK % 16 == 0, "warp tiles are WMMA tiles");
    static_assert(BN % 32 == 0, "a 16-byte piece of zero words covers 32 columns");
    static_assert(Stages >= 4, "the stages of steps t-2 (refilled), t and t+1 (in use) must differ");
    static_assert(gathers >= 1 && BK * (BN / 8) % threads == 0, "scale pieces spread evenly over threads");
    static_assert(aBytes % 32 == 0 && qBytes % 32 == 0 && sBytes % 32 == 0 && zBytes % 32 == 0 &&
                      wHalves * 2 % 32 == 0 && redBytes % 32 == 0,
                  "WMMA and cp.async pointers need 32- and 16-byte alignment");
};

// m <= 16: one 16-row MMA tile; narrow N tiles for more CTAs, a deep K step split over 4 warps.
using SmallM = TileConfig<16, 32, 128, 1, 2, 4, 4>;
// m <= 64: 64x64 tile, each warp 32x32 over half of every K step.
using MediumM = TileConfig<64, 64, 64, 2, 2, 2, 4>;
// Larger m: 128x128 tile, each warp 64x32 ...
using LargeM = TileConfig<128, 128, 32, 2, 4, 1, 4>;
// ... or 128x64 (each warp 32x32) while 128x128 tiles would leave multiprocessors idle.
using LargeMNarrowN = TileConfig<128, 64, 32, 4, 2, 1, 4>;

struct Operands {
    const __half* a;          // [m, k]
    const unsigned* qweight;  // [k/8, n]
    const __half* scales;     // [G, n]
    const unsigned* zeros;    // [G, zeroStride], true zero points
    const int* gIdx;          // [k]
    __half* c;                // [m, n]
    int m, n, k, zeroStride;
};

using AFrag = wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major>;
using BFrag = wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major>;
using AccFrag = wmma::fragment<wmma::accumulator, 16, 16, 16, float>;

// 16 bytes global -> shared without passing through registers; invalid pieces are zero-filled
// (a source size of 0 reads nothing). Streamed data skips L1; scales and zeros, which
// neighbouring rows and CTAs read again, are kept there.
template <bool KeepInL1>
__device__ __forceinline__ void copyAsync16(void* dst, const void* src, bool valid) {
#if __CUDA_ARCH__ >= 800
    const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
    const int bytes = valid ? 16 : 0;
    if constexpr (KeepInL1)
        asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(bytes));
    else
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(bytes));
#else
    *static_cast<uint4*>(dst) = valid ? *static_cast<const uint4*>(src) : make_uint4(0, 0, 0, 0);
#endif
}

__device__ __forceinline__ void commitCopies() {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

// Waits until at most `Pending` committed groups of this thread's copies are still in flight.
template <int Pending>
__device__ __forceinline__ void waitCopies() {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
#endif
}

__device__ __forceinline__ __half2 halvesFromBits(unsigned bits) {
    return __halves2half2(__ushort_as_half(static_cast<unsigned short>(bits & 0xFFFFu)),
                          __ushort_as_half(static_cast<unsigned short>(bits >> 16)));
}

__device__ __forceinline__ unsigned packHalves(float lo, float hi) {
    const __half2 h = __floats2half2_rn(lo, hi);
    return unsigned(__half_as_ushort(h.x)) | (unsigned(__half_as_ushort(h.y)) << 16);
}

// The group of the W row behind each of this thread's scale pieces in K step kStep, -1 past k.
// Loaded a step before the copies that use it, so those issue without waiting on it.
template <class Cfg>
__device__ __forceinline__ void loadRowGroups(int (&rowGroups)[Cfg::gathers], const Operands& op, int kStep) {
#pragma unroll
    for (int j = 0; j < Cfg::gathers; ++j) {
        const int row = kStep * Cfg::bk + (threadIdx.x + j * Cfg::threads) / (Cfg::bn / 8);
        rowGroups[j] = row < op.k ? __ldg(op.gIdx + row) : -1;
    }
}

// Starts the copies of K step kStep into a stage. Everything outside m, n or k is zero-filled,
// so the dequantized padding is 0 (never NaN) and contributes nothing.
template <class Cfg>
__device__ __forceinline__ void issueStage(unsigned char* stage, const int (&rowGroups)[Cfg::gathers],
                                           const Operands& op, int kStep, int m0, int n0) {
    __half* sA = reinterpret_cast<__half*>(stage);
    unsigned* sQ = reinterpret_cast<unsigned*>(stage + Cfg::aBytes);
    __half* sS = reinterpret_cast<__half*>(stage + Cfg::aBytes + Cfg::qBytes);
    unsigned* sZ = reinterpret_cast<unsigned*>(stage + Cfg::aBytes + Cfg::qBytes + Cfg::sBytes);
    const int k0 = kStep * Cfg::bk;

    // A: 8 halves per piece; k % 8 == 0, so a piece is wholly inside or outside k.
#pragma unroll
    for (int i = threadIdx.x; i < Cfg::bm * (Cfg::bk / 8); i += Cfg::threads) {
        const int row = i / (Cfg::bk / 8), col = i % (Cfg::bk / 8) * 8;
        const bool valid = m0 + row < op.m && k0 + col < op.k;
        const __half* src = valid ? op.a + std::int64_t(m0 + row) * op.k + k0 + col : op.a;
        copyAsync16<false>(sA + row * Cfg::aStride + col, src, valid);
    }
    // Packed W: 4 columns per piece; n % 8 == 0.
#pragma unroll
    for (int i = threadIdx.x; i < Cfg::bk / 8 * (Cfg::bn / 4); i += Cfg::threads) {
        const int packedRow = i / (Cfg::bn / 4), col = i % (Cfg::bn / 4) * 4;
        const bool valid = k0 / 8 + packedRow < op.k / 8 && n0 + col < op.n;
        const unsigned* src = valid ? op.qweight + std::int64_t(k0 / 8 + packedRow) * op.n + n0 + col : op.qweight;
        copyAsync16<false>(sQ + packedRow * Cfg::bn + col, src, valid);
    }
    // Scales (8 columns per piece) and zero words (32 columns per piece) of each row's group.
#pragma unroll
    for (int j = 0; j < Cfg::gathers; ++j) {
        const int i = threadIdx.x + j * Cfg::threads;
        const int row = i / (Cfg::bn / 8), piece = i % (Cfg::bn / 8);
        const int g = rowGroups[j];
        const bool valid = g >= 0 && n0 + piece * 8 < op.n;
        const __half* src = valid ? op.scales + std::int64_t(g) * op.n + n0 + piece * 8 : op.scales;
        copyAsync16<true>(sS + row * Cfg::bn + piece * 8, src, valid);
        if (piece % 4 == 0) {
            // Zero rows are padded to a multiple of 4 words: a piece that starts inside n stays
            // inside the buffer.
            const unsigned* zsrc = valid ? op.zeros + std::int64_t(g) * op.zeroStride + n0 / 8 + piece : op.zeros;
            copyAsync16<true>(sZ + row * (Cfg::bn / 8) + piece, zsrc, valid);
        }
    }
}

// Dequantizes a landed stage's W into an fp16 tile. An item is two rows x 8 columns: one
// 16-byte read of scales and one zero word per row, 16-byte writes.
template <class Cfg>
__device__ __forceinline__ void dequantizeStage(const unsigned char* stage, __half* sW) {
    const unsigned* sQ = reinterpret_cast<const unsigned*>(stage + Cfg::aBytes);
    const __half* sS = reinterpret_cast<const __half*>(stage + Cfg::aBytes + Cfg::qBytes);
    const unsigned* sZ = reinterpret_cast<const unsigned*>(stage + Cfg::aBytes + Cfg::qBytes + Cfg::sBytes);
#pragma unroll
    for (int item = threadIdx.x; item < Cfg::bk / 2 * (Cfg::bn / 8); item += Cfg::threads) {
        const int rowPair = item / (Cfg::bn / 8), col = item % (Cfg::bn / 8) * 8;
        const unsigned* packed = sQ + rowPair / 4 * Cfg::bn + col;
        const uint4 q0 = *reinterpret_cast<const uint4*>(packed);
        const uint4 q1 = *reinterpret_cast<const uint4*>(packed + 4);
        const unsigned q[8] = {q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w};
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = rowPair * 2 + h;
            const int shift = 4 * (row % 8);
            // n0 is a multiple of 32, so the word holds this item's 8 columns in order.
            const unsigned zw = sZ[row * (Cfg::bn / 8) + col / 8];
            const uint4 scales = *reinterpret_cast<const uint4*>(sS + row * Cfg::bn + col);
            const unsigned scale[4] = {scales.x, scales.y, scales.z, scales.w};
            unsigned out[4];
#pragma unroll
            for (int p = 0; p < 4; ++p) {
                const unsigned qs = ((q[2 * p] >> shift) & 0xFu) | (((q[2 * p + 1] >> shift) & 0xFu) << 16);
                const unsigned zs = ((zw >> (8 * p)) & 0xFu) | (((zw >> (8 * p + 4)) & 0xFu) << 16);
                // 0x6400 is fp16 1024: 1024+q and 1024+z are exact, so their difference is exactly
                // q - z and the product with the scale is W rounded once, as the reference rounds it.
                const __half2 diff = __hsub2(halvesFromBits(qs | 0x64006400u), halvesFromBits(zs | 0x64006400u));
                const __half2 w = __hmul2(diff, halvesFromBits(scale[p]));
                out[p] = unsigned(__half_as_ushort(w.x)) | (unsigned(__half_as_ushort(w.y)) << 16);
            }
            *reinterpret_cast<uint4*>(sW + row * Cfg::wStride + col) = make_uint4(out[0], out[1], out[2], out[3]);
        }
    }
}

// The MMAs of one K step: this warp's slice of the step's K, for its warp tile.
template <class Cfg>
__device__ __forceinline__ void computeStep(AccFrag (&acc)[Cfg::fragsM][Cfg::fragsN], const __half* sA,
                                            const __half* sW, int warpM, int warpN, int warpK) {
    sA += warpM * Cfg::warpTileM * Cfg::aStride + warpK * Cfg::warpTileK;
    sW += warpK * Cfg::warpTileK * Cfg::wStride + warpN * Cfg::warpTileN;
#pragma unroll
    for (int kk = 0; kk < Cfg::warpTileK; kk += 16) {
        BFrag b[Cfg::fragsN];
#pragma unroll
        for (int j = 0; j < Cfg::fragsN; ++j)
            wmma::load_matrix_sync(b[j], sW + kk * Cfg::wStride + j * 16, Cfg::wStride);
#pragma unroll
        for (int i = 0; i < Cfg::fragsM; ++i) {
            AFrag a;
            wmma::load_matrix_sync(a, sA + i * 16 * Cfg::aStride + kk, Cfg::aStride);
#pragma unroll
            for (int j = 0; j < Cfg::fragsN; ++j) wmma::mma_sync(acc[i][j], a, b[j], acc[i][j]);
        }
    }
}

template <class Cfg>
__global__ void __launch_bounds__(Cfg::threads) tiledDequantMmaKernel(Operands op) {
    extern __shared__ __align__(128) unsigned char smem[];
    __half* sW = reinterpret_cast<__half*>(smem + Cfg::stages * Cfg::stageBytes);

    const int n0 = blockIdx.x * Cfg::bn, m0 = blockIdx.y * Cfg::bm;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warpN = warp % Cfg::warpsN;
    const int warpM = warp / Cfg::warpsN % Cfg::warpsM;
    const int warpK = warp / (Cfg::warpsN * Cfg::warpsM);

    AccFrag acc[Cfg::fragsM][Cfg::fragsN];
#pragma unroll
    for (int i = 0; i < Cfg::fragsM; ++i)
#pragma unroll
        for (int j = 0; j < Cfg::fragsN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    const int kSteps = (op.k + Cfg::bk - 1) / Cfg::bk;
    int rowGroups[Cfg::gathers];
    loadRowGroups<Cfg>(rowGroups, op, 0);
    // Steps 0 .. stages-3 in flight. Every commit below is one group, empty or not, so that
    // "step s has landed" is a fixed count of pending groups.
#pragma unroll
    for (int s = 0; s < Cfg::stages - 2; ++s) {
        if (s < kSteps) {
            issueStage<Cfg>(smem + s * Cfg::stageBytes, rowGroups, op, s, m0, n0);
            if (s + 1 < kSteps) loadRowGroups<Cfg>(rowGroups, op, s + 1);
        }
        commitCopies();
    }
    waitCopies<Cfg::stages - 3>();
    __syncthreads();
    dequantizeStage<Cfg>(smem, sW);

    // Iteration t multiplies step t while it dequantizes step t+1 into the other W tile, so
    // tensor-core and dequantization work of different warps overlap between barriers.
    for (int t = 0; t < kSteps; ++t) {
        waitCopies<Cfg::stages - 4>();
        // After this barrier: step t+1 has landed (every thread's copies), the W tile of step t
        // is complete, and every warp is done with step t-1, so the stage of step t-2 (no longer
        // read by anyone) can be refilled and the W tile of step t-1 rewritten.
        __syncthreads();
        const int ahead = t + Cfg::stages - 2;
        if (ahead < kSteps) {
            issueStage<Cfg>(smem + ahead % Cfg::stages * Cfg::stageBytes, rowGroups, op, ahead, m0, n0);
            if (ahead + 1 < kSteps) loadRowGroups<Cfg>(rowGroups, op, ahead + 1);
        }
        commitCopies();
        if (t + 1 < kSteps)
            dequantizeStage<Cfg>(smem + (t + 1) % Cfg::stages * Cfg::stageBytes, sW + (t + 1) % 2 * Cfg::wHalves);
        computeStep<Cfg>(acc, reinterpret_cast<const __half*>(smem + t % Cfg::stages * Cfg::stageBytes),
                         sW + t % 2 * Cfg::wHalves, warpM, warpN, warpK);
    }
    waitCopies<0>();  // only empty groups remain, but the stages are reused below
    __syncthreads();

    // Warps that split K hand their partial sums to the warpK == 0 warp of the same tile.
    if constexpr (Cfg::warpsK > 1) {
        float* red = reinterpret_cast<float*>(smem);
        auto partial = [&](int slice, int i, int j) {
            return red + (slice * Cfg::bm + warpM * Cfg::warpTileM + i * 16) * Cfg::redStride + warpN * Cfg::warpTileN +
                   j * 16;
        };
        if (warpK > 0) {
#pragma unroll
            for (int i = 0; i < Cfg::fragsM; ++i)
#pragma unroll
                for (int j = 0; j < Cfg::fragsN; ++j)
                    wmma::store_matrix_sync(partial(warpK - 1, i, j), acc[i][j], Cfg::redStride, wmma::mem_row_major);
        }
        __syncthreads();
        if (warpK > 0) return;
#pragma unroll
        for (int i = 0; i < Cfg::fragsM; ++i)
#pragma unroll
            for (int j = 0; j < Cfg::fragsN; ++j)
                for (int s = 0; s < Cfg::warpsK - 1; ++s) {
                    // Same fragment type, same element mapping: element-wise addition is valid.
                    AccFrag part;
                    wmma::load_matrix_sync(part, partial(s, i, j), Cfg::redStride, wmma::mem_row_major);
#pragma unroll
                    for (int e = 0; e < part.num_elements; ++e) acc[i][j].x[e] += part.x[e];
                }
    }

    // Each fragment goes through a per-warp scratch tile so that lanes can write C as 8 fp16
    // (16 bytes) with the m and n tails masked.
    float* scratch = reinterpret_cast<float*>(smem + Cfg::redBytes) + warp * 16 * Cfg::scratchStride;
    const int row = lane / 2, col = lane % 2 * 8;
#pragma unroll
    for (int i = 0; i < Cfg::fragsM; ++i)
#pragma unroll
        for (int j = 0; j < Cfg::fragsN; ++j) {
            wmma::store_matrix_sync(scratch, acc[i][j], Cfg::scratchStride, wmma::mem_row_major);
            __syncwarp();
            const int gRow = m0 + warpM * Cfg::warpTileM + i * 16 + row;
            const int gCol = n0 + warpN * Cfg::warpTileN + j * 16 + col;
            // n % 8 == 0, so the 8 columns are wholly inside or wholly outside n.
            if (gRow < op.m && gCol < op.n) {
                const float* v = scratch + row * Cfg::scratchStride + col;
                const uint4 out = make_uint4(packHalves(v[0], v[1]), packHalves(v[2], v[3]), packHalves(v[4], v[5]),
                                             packHalves(v[6], v[7]));
                *reinterpret_cast<uint4*>(op.c + std::int64_t(gRow) * op.n + gCol) = out;
            }
            __syncwarp();  // the next fragment overwrites the scratch tile
        }
}

template <class Cfg>
Status allowSharedMemory() {
    return cudaStatus(cudaFuncSetAttribute(tiledDequantMmaKernel<Cfg>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           Cfg::smemBytes),
                      "cudaFuncSetAttribute(tiledDequantMmaKernel, max dynamic shared memory)");
}

template <class Cfg>
Status launchTiled(const Operands& op, cudaStream_t stream) {
    // N tiles on x (up to 2^31-1 blocks), M tiles on y (65535, checked in supports).
    const dim3 grid(unsigned((op.n + Cfg::bn - 1) / Cfg::bn), unsigned((op.m + Cfg::bm - 1) / Cfg::bm));
    tiledDequantMmaKernel<Cfg><<<grid, Cfg::threads, Cfg::smemBytes, stream>>>(op);
    return launchStatus("tiledDequantMmaKernel");
}

template <class Cfg>
std::string describe() {
    return std::to_string(Cfg::bm) + "x" + std::to_string(Cfg::bn) + " tile, K step " + std::to_string(Cfg::bk) +
           ", " + std::to_string(Cfg::threads / 32) + " warps" +
           (Cfg::warpsK > 1 ? " (K split " + std::to_string(Cfg::warpsK) + " ways)" : std::string()) + ", " +
           std::to_string(Cfg::stages) + " stages";
}

constexpr int maxSharedMemory() {
    int bytes = SmallM::smemBytes;
    if (MediumM::smemBytes > bytes) bytes = MediumM::smemBytes;
    if (LargeM::smemBytes > bytes) bytes = LargeM::smemBytes;
    if (LargeMNarrowN::smemBytes > bytes) bytes = LargeMNarrowN::smemBytes;
    return bytes;
}

enum class Tile { Small, Medium, Large, LargeNarrowN };

// By m; past 64 rows, 128x128 tiles only once they give every multiprocessor two CTAs.
Tile chooseTile(std::int64_t m, std::int64_t n, int multiprocessors) {
    if (m <= SmallM::bm) return Tile::Small;
    if (m <= MediumM::bm) return Tile::Medium;
    const std::int64_t largeTiles = (m + LargeM::bm - 1) / LargeM::bm * ((n + LargeM::bn - 1) / LargeM::bn);
    return largeTiles >= 2 * std::int64_t(multiprocessors) ? Tile::Large : Tile::LargeNarrowN;
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

class TiledDequantMma final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        n_ = layer.n;
        k_ = layer.k;
        maxM_ = point.m;
        multiprocessors_ = context.multiprocessors;
        const std::int64_t groups = layer.numGroups();

        // True zero points, so the kernel does not depend on the checkpoint's zero format; rows
        // padded to a multiple of 4 words (the padding is never used, only copied).
        zeroStride_ = (n_ / 8 + 3) / 4 * 4;
        std::vector<std::uint32_t> zeros(std::size_t(groups * zeroStride_), 0);
        for (std::int64_t g = 0; g < groups; ++g)
            for (std::int64_t col = 0; col < n_; ++col)
                zeros[std::size_t(g * zeroStride_ + col / 8)] |= std::uint32_t(zeroPoint(layer, g, col))
                                                                 << (4 * (col % 8));

        if (Status s = allowSharedMemory<SmallM>(); !s) return s;
        if (Status s = allowSharedMemory<MediumM>(); !s) return s;
        if (Status s = allowSharedMemory<LargeM>(); !s) return s;
        if (Status s = allowSharedMemory<LargeMNarrowN>(); !s) return s;

        auto qweight = upload(layer.qweight, MemoryUse::Weights, context);
        if (!qweight) return Status::failure(qweight.error());
        auto scales = upload(layer.scales, MemoryUse::Scales, context);
        if (!scales) return Status::failure(scales.error());
        auto zeroBuffer = upload(zeros, MemoryUse::Zeros, context);
        if (!zeroBuffer) return Status::failure(zeroBuffer.error());
        auto gIdx = upload(layer.gIdx, MemoryUse::GIdx, context);
        if (!gIdx) return Status::failure(gIdx.error());
        qweight_ = std::move(qweight).value();
        scales_ = std::move(scales).value();
        zeros_ = std::move(zeroBuffer).value();
        gIdx_ = std::move(gIdx).value();
        return Status::success();
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        if (m < 1 || m > maxM_)
            return Status::failure("m=" + std::to_string(m) + " is outside 1.." + std::to_string(maxM_) +
                                   " (the prepared m)");
        if (!aligned16(a) || !aligned16(c))
            return Status::failure("A and C must be 16-byte aligned (tiled_dequant_mma moves 8 fp16 at once)");
        const Operands op{static_cast<const __half*>(a), qweight_.as<unsigned>(), scales_.as<__half>(),
                          zeros_.as<unsigned>(), gIdx_.as<int>(), static_cast<__half*>(c),
                          int(m), int(n_), int(k_), int(zeroStride_)};
        switch (chooseTile(m, n_, multiprocessors_)) {
            case Tile::Small: return launchTiled<SmallM>(op, context.stream);
            case Tile::Medium: return launchTiled<MediumM>(op, context.stream);
            case Tile::Large: return launchTiled<LargeM>(op, context.stream);
            case Tile::LargeNarrowN: break;
        }
        return launchTiled<LargeMNarrowN>(op, context.stream);
    }

    std::string path(std::int64_t m) const override {
        switch (chooseTile(m, n_, multiprocessors_)) {
            case Tile::Small: return describe<SmallM>();
            case Tile::Medium: return describe<MediumM>();
            case Tile::Large: return describe<LargeM>();
            case Tile::LargeNarrowN: break;
        }
        return describe<LargeMNarrowN>();
    }

private:
    template <class T>
    static Expected<DeviceBuffer> upload(const std::vector<T>& host, MemoryUse use, GpuContext& context) {
        return context.allocator->upload(host.data(), host.size() * sizeof(T), use);
    }

    DeviceBuffer qweight_, scales_, zeros_, gIdx_;
    std::int64_t n_ = 0, k_ = 0, maxM_ = 0, zeroStride_ = 0;
    int multiprocessors_ = 0;
};

Status supportsPoint(const SweepPoint& point, const GpuContext& context) {
    if (context.computeCapability < 80)
        return Status::failure("compute capability " + std::to_string(context.computeCapability / 10) + "." +
                               std::to_string(context.computeCapability % 10) +
                               " is below 8.0 (tiled_dequant_mma needs tensor cores and cp.async)");
    int device = 0, optIn = 0;
    if (cudaGetDevice(&device) == cudaSuccess &&
        cudaDeviceGetAttribute(&optIn, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) == cudaSuccess &&
        optIn < maxSharedMemory())
        return Status::failure("the device allows " + std::to_string(optIn / 1024) +
                               " KB of shared memory per block; tiled_dequant_mma needs " +
                               std::to_string(maxSharedMemory() / 1024) + " KB");
    if (point.n % 8 != 0)
        return Status::failure("n=" + std::to_string(point.n) +
                               " is not a multiple of 8 (tiled_dequant_mma 16-byte column pieces)");
    if (point.k % 8 != 0)
        return Status::failure("k=" + std::to_string(point.k) +
                               " is not a multiple of 8 (tiled_dequant_mma packed rows)");
    // The kernel takes m, n and k as int and puts the M tiles on grid y.
    constexpr std::int64_t maxInt = 0x7fffffff;
    if (point.n > maxInt || point.k > maxInt)
        return Status::failure("n=" + std::to_string(point.n) + ", k=" + std::to_string(point.k) +
                               ": both must be below 2^31 (tiled_dequant_mma int indexing)");
    if (point.m > std::int64_t(65535) * LargeM::bm)
        return Status::failure("m=" + std::to_string(point.m) + " exceeds " + std::to_string(65535 * LargeM::bm) +
                               " (tiled_dequant_mma grid y limit)");
    return Status::success();
}

}  // namespace

KernelEntry tiledDequantMmaEntry() {
    return {{"tiled_dequant_mma", "tensor-core",
             "The approach of AutoGPTQ's Triton kernel in CUDA: each CTA owns a C tile and walks K; every K step "
             "loads the fp16 A tile and the packed int4 W tile, dequantizes W into shared memory (per-row group "
             "through g_idx, so act-order works natively) and multiplies with WMMA 16x16x16, fp32 accumulation. "
             "Copies run 2 steps ahead (cp.async ring) and step t+1 is dequantized while step t multiplies, as "
             "Triton's pipelining does. Tiles by m: 16x32 (m<=16), 64x64 (m<=64), 128x64 or 128x128 (enough "
             "tiles for 2 CTAs per SM). Small m wastes most of the 16-row tensor-core tile; scales and zeros are "
             "gathered per W row, as in the Triton kernel.",
             "n % 8 == 0, k % 8 == 0, any m (tails masked); A and C 16-byte aligned; sm_80+ with ~100 KB of shared "
             "memory per block", true},
            supportsPoint, [] { return std::make_unique<TiledDequantMma>(); }};
}

}  // namespace q4
