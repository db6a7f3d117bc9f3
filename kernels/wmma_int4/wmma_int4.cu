// wmma_int4: C [m, n] fp16 = A [m, k] fp16 * W [k, n], W GPTQ int4, dense or 16:32 sparse. It
// renders, untuned, the approach of an older open-source int4 x fp16 kernel built on the CUDA
// WMMA API: each block owns a 64x64 tile of C (4 warps of 32x32, m16n16k16 fp16 fragments, fp32
// accumulators) and walks k in steps of 32 rows. Every step stages the A tile in shared memory
// as fp16 while the block's threads dequantize the W tile from int4 into a shared fp16 tile,
// which the warps load as matrix_b fragments. One stage, two barriers per step, no copy pipeline.
//
// 16:32 sparsity (in every run of 32 rows of a column 16 are kept, a 32-bit mask marks which):
// the weights stay compressed in memory, and since a step is exactly one run, each column's run
// is expanded from its 16 kept nibbles and its mask into the shared tile, dropped rows 0. The
// tensor cores then multiply dense tiles: sparsity saves weight bytes, not math.
//
// The origin had no group quantization; GPTQ's is added: every W row looks its group up in g_idx
// and gathers that group's scale and zero point. Tiles follow the stored row order, so act-order
// needs nothing more.
//
// Layout: dense qweight uint32 [k/8, n] as GPTQ stores it (8 rows per word, lowest nibble =
// lowest row); 16:32 kept nibbles uint32 [k/16, n] (a column's kept rows in increasing order,
// packed the same way) and row masks uint32 [k/32, n]; zeros uint32 [G, n/8] holding true zero
// points (v1 checkpoints are converted at prepare), lowest nibble = lowest column; scales fp16
// [G, n]; g_idx int32 [k] (natural order when the layer has none).
//
// Limits: k a multiple of 32 (the step, which is also the 16:32 run; GPTQ itself guarantees only
// k % 8 and k % group), n a multiple of 8, any m >= 1 (rows past m load zeros and are never
// written, columns past n are guarded), m up to 65535 tiles of 64 rows; A and C 16-byte aligned;
// sm_70 or newer (WMMA fp16). Small m wastes most of the 64-row tile, and scales and zeros are
// gathered per W row even where neighbouring rows share a group.
#include <cuda_fp16.h>
#include <mma.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"

namespace q4 {
namespace {

using namespace nvcuda;

constexpr int kTileM = 64, kTileN = 64, kStepK = 32;
constexpr int kThreads = 128;        // 4 warps, 2 x 2 over the C tile
constexpr int kWarpTile = 32;        // each warp's part of C: 2 x 2 fragments of 16 x 16
constexpr int kMaxRowTiles = 65535;  // grid.y
// Rows padded against shared-memory bank conflicts; WMMA needs ldm a multiple of 16 bytes.
constexpr int kAStride = kStepK + 8;  // halves
constexpr int kBStride = kTileN + 8;  // halves
constexpr int kCStride = kTileN + 4;  // floats
// Each thread dequantizes 16 rows of one column per step: two threads per column.
static_assert(kThreads == 2 * kTileN && kStepK == 32);

struct Operands {
    const __half* a;
    const std::uint32_t* weights;  // dense qweight [k/8, n], or 16:32 kept nibbles [k/16, n]
    const std::uint32_t* masks;    // 16:32 row masks [k/32, n]; null for dense weights
    const std::uint32_t* zeros;    // [G, n/8] true zero points
    const __half* scales;          // [G, n]
    const int* gIdx;               // [k]
    __half* c;
    int m, n, k;
};

// A [m0 .. m0+63, k0 .. k0+31] into sA, 8 halves per copy; rows past m are zeros.
__device__ void loadATile(__half (*sA)[kAStride], const Operands& op, int m0, int k0) {
    constexpr int chunksPerRow = kStepK / 8;
    for (int chunk = threadIdx.x; chunk < kTileM * chunksPerRow; chunk += kThreads) {
        const int r = chunk / chunksPerRow, part = chunk % chunksPerRow;
        const int row = m0 + r;
        uint4 v = make_uint4(0, 0, 0, 0);
        if (row < op.m) v = *reinterpret_cast<const uint4*>(op.a + std::int64_t(row) * op.k + k0 + part * 8);
        *reinterpret_cast<uint4*>(&sA[r][part * 8]) = v;
    }
}

// W [k0 .. k0+31, n0 .. n0+63] dequantized into sB. The thread takes one column and 16 of the
// 32 rows; columns past n are zeros.
template <bool Sparse>
__device__ void dequantizeWTile(__half (*sB)[kBStride], const Operands& op, int n0, int k0) {
    const int tileCol = threadIdx.x % kTileN;
    const int row0 = threadIdx.x / kTileN * 16;  // 0 or 16
    const int col = n0 + tileCol;
    if (col >= op.n) {
        for (int i = 0; i < 16; ++i) sB[row0 + i][tileCol] = __float2half(0.0f);
        return;
    }
    // The nibbles of the kept rows among the 16, in row order; keep marks those rows.
    std::uint64_t nibbles;
    std::uint32_t keep;
    if constexpr (Sparse) {
        // One run per step: its mask, and its 16 kept nibbles in two words.
        const std::uint32_t mask = op.masks[std::int64_t(k0 / 32) * op.n + col];
        const std::int64_t word = std::int64_t(k0 / 16) * op.n + col;
        const std::uint64_t kept = op.weights[word] | std::uint64_t(op.weights[word + op.n]) << 32;
        const int skipped = __popc(mask & ((1u << row0) - 1));  // kept rows before this thread's 16
        nibbles = skipped < 16 ? kept >> (4 * skipped) : 0;
        keep = mask >> row0 & 0xFFFF;
    } else {
        const std::int64_t word = std::int64_t((k0 + row0) / 8) * op.n + col;
        nibbles = op.weights[word] | std::uint64_t(op.weights[word + op.n]) << 32;
        keep = 0xFFFF;
    }
    const std::int64_t zeroWidth = op.n / 8;
    const int zeroShift = 4 * (col % 8);
    for (int i = 0; i < 16; ++i) {
        float w = 0.0f;
        if (keep >> i & 1) {
            // GPTQ's addition to the origin: the row's own group, wherever act-order put it.
            const std::int64_t g = op.gIdx[k0 + row0 + i];
            const float scale = __half2float(op.scales[g * op.n + col]);
            const int zero = int(op.zeros[g * zeroWidth + col / 8] >> zeroShift) & 0xF;
            w = scale * float(int(nibbles & 0xF) - zero);
            nibbles >>= 4;
        }
        sB[row0 + i][tileCol] = __float2half_rn(w);
    }
}

__device__ std::uint32_t packHalves(float lo, float hi) {
    const __half2 h = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<const std::uint32_t*>(&h);
}

template <bool Sparse>
__global__ void __launch_bounds__(kThreads) wmmaInt4Kernel(Operands op) {
    __shared__ __align__(128) __half sA[kTileM][kAStride];
    __shared__ __align__(128) __half sB[kStepK][kBStride];
    __shared__ __align__(128) float sC[kTileM][kCStride];

    const int n0 = blockIdx.x * kTileN, m0 = blockIdx.y * kTileM;
    const int warp = threadIdx.x / 32;
    const int warpRow = warp / 2 * kWarpTile, warpCol = warp % 2 * kWarpTile;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    for (int k0 = 0; k0 < op.k; k0 += kStepK) {
        loadATile(sA, op, m0, k0);
        dequantizeWTile<Sparse>(sB, op, n0, k0);
        __syncthreads();
        for (int kk = 0; kk < kStepK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[2];
            for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], &sA[warpRow + i * 16][kk], kAStride);
            for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(b[j], &sB[kk][warpCol + j * 16], kBStride);
            for (int i = 0; i < 2; ++i)
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();  // the tiles are rewritten by the next step
    }

    // Through shared memory, so that C is written 8 halves at a time with both tails masked; the
    // fp32 sums are rounded to fp16 here only.
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
            wmma::store_matrix_sync(&sC[warpRow + i * 16][warpCol + j * 16], acc[i][j], kCStride, wmma::mem_row_major);
    __syncthreads();
    constexpr int chunksPerRow = kTileN / 8;
    for (int chunk = threadIdx.x; chunk < kTileM * chunksPerRow; chunk += kThreads) {
        const int r = chunk / chunksPerRow, part = chunk % chunksPerRow;
        const int row = m0 + r, col = n0 + part * 8;
        // n % 8 == 0: the 8 columns are wholly inside n or wholly past it.
        if (row >= op.m || col >= op.n) continue;
        const float* v = &sC[r][part * 8];
        *reinterpret_cast<uint4*>(op.c + std::int64_t(row) * op.n + col) =
            make_uint4(packHalves(v[0], v[1]), packHalves(v[2], v[3]), packHalves(v[4], v[5]), packHalves(v[6], v[7]));
    }
}

std::string text(std::int64_t v) {
    return std::to_string(v);
}

// The shapes the kernel takes; prepare checks them too, since models call it without a sweep.
Status checkShape(std::int64_t m, std::int64_t n, std::int64_t k) {
    if (k % kStepK != 0)
        return Status::failure("k=" + text(k) + " is not a multiple of 32 (wmma_int4 steps k by 32 rows)");
    if (n % 8 != 0)
        return Status::failure("n=" + text(n) + " is not a multiple of 8 (wmma_int4 writes 8 columns at once)");
    constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
    if (n > kIntMax || k > kIntMax)
        return Status::failure("n=" + text(n) + ", k=" + text(k) +
                               ": both must be below 2^31 (wmma_int4 int indexing)");
    if (m < 1 || m > std::int64_t(kMaxRowTiles) * kTileM)
        return Status::failure("m=" + text(m) + " is outside 1.." + text(std::int64_t(kMaxRowTiles) * kTileM) +
                               " (wmma_int4 puts 64-row tiles on grid y)");
    return Status::success();
}

bool aligned16(const void* p) {
    return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

class WmmaInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        const std::int64_t k = layer.k, n = layer.n;
        Q4_CHECK(validateLayerShape(k, n, layer.groupSize));
        Q4_CHECK(checkShape(point.m, n, k));
        if (std::int64_t(layer.qweight.size()) != k / 8 * n)
            return Status::failure("qweight has " + text(std::int64_t(layer.qweight.size())) +
                                   " values, not k/8*n=" + text(k / 8 * n));
        Q4_CHECK(uploadQuantization(layer.qzeros, layer.scales, layer.gIdx, k, n, layer.groupSize, layer.zeroFormat,
                                    *context.allocator));
        Q4_CHECK(uploadVector(*context.allocator, layer.qweight, MemoryUse::Weights, weights_));
        masks_ = DeviceBuffer();
        setShape(point.m, n, k, false);
        return Status::success();
    }

    Status prepareSparse(const SparseGptqLayer& sparse, const GptqLayer& /*dense*/, const SweepPoint& point,
                         GpuContext& context) override {
        if (sparse.sparsity != Sparsity::Sparse16of32)
            return Status::failure(std::string("wmma_int4 runs 16:32 sparsity, not ") + nameOf(sparse.sparsity));
        Q4_CHECK(validateSparseLayer(sparse));  // the kernel trusts every mask to keep exactly 16 rows
        Q4_CHECK(checkShape(point.m, sparse.n, sparse.k));
        Q4_CHECK(uploadQuantization(sparse.qzeros, sparse.scales, sparse.gIdx, sparse.k, sparse.n, sparse.groupSize,
                                    sparse.zeroFormat, *context.allocator));
        // The compressed nibbles and their masks are the weights as stored: 3/8 byte per weight.
        Q4_CHECK(uploadVector(*context.allocator, sparse.keptQweight, MemoryUse::Weights, weights_));
        Q4_CHECK(uploadVector(*context.allocator, sparse.metadata, MemoryUse::Weights, masks_));
        setShape(point.m, sparse.n, sparse.k, true);
        return Status::success();
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        if (m < 1 || m > maxM_)
            return Status::failure("m=" + text(m) + " is outside 1.." + text(maxM_) + " (the prepared m)");
        if (!aligned16(a) || !aligned16(c))
            return Status::failure("A and C must be 16-byte aligned (wmma_int4 moves 8 fp16 at once)");
        const Operands op{static_cast<const __half*>(a),
                          weights_.as<std::uint32_t>(),
                          masks_.as<std::uint32_t>(),
                          zeros_.as<std::uint32_t>(),
                          scales_.as<__half>(),
                          gIdx_.as<int>(),
                          static_cast<__half*>(c),
                          int(m),
                          int(n_),
                          int(k_)};
        const dim3 grid(unsigned((n_ + kTileN - 1) / kTileN), unsigned((m + kTileM - 1) / kTileM));
        if (sparse_)
            wmmaInt4Kernel<true><<<grid, kThreads, 0, context.stream>>>(op);
        else
            wmmaInt4Kernel<false><<<grid, kThreads, 0, context.stream>>>(op);
        return launchStatus("wmmaInt4Kernel");
    }

private:
    // Scales as stored, zero points rewritten as true ones (whatever the checkpoint's format) in
    // GPTQ's packing, and g_idx (natural order when empty): the same for both weight forms.
    Status uploadQuantization(const std::vector<std::int32_t>& qzeros, const std::vector<HalfBits>& scales,
                              const std::vector<std::int32_t>& gIdx, std::int64_t k, std::int64_t n, int groupSize,
                              ZeroFormat format, DeviceAllocator& allocator) {
        const std::int64_t groups = k / effectiveGroupSize(groupSize, k);
        if (std::int64_t(qzeros.size()) != groups * (n / 8) || std::int64_t(scales.size()) != groups * n)
            return Status::failure("qzeros or scales do not match " + text(groups) + " groups of n=" + text(n));
        const std::vector<std::int32_t> rowGroups = gIdx.empty() ? naturalGroupIndex(k, groupSize) : gIdx;
        Q4_CHECK(validateGroupIndex(rowGroups, k, groups));
        std::vector<std::uint8_t> zeros = unpackZeros(qzeros, groups, n);
        for (auto& z : zeros) z = std::uint8_t(decodeZero(z, format));
        Q4_CHECK(uploadVector(allocator, packZeros(zeros, groups, n), MemoryUse::Zeros, zeros_));
        Q4_CHECK(uploadVector(allocator, scales, MemoryUse::Scales, scales_));
        return uploadVector(allocator, rowGroups, MemoryUse::GIdx, gIdx_);
    }

    void setShape(std::int64_t maxM, std::int64_t n, std::int64_t k, bool sparse) {
        maxM_ = maxM;
        n_ = n;
        k_ = k;
        sparse_ = sparse;
    }

    DeviceBuffer weights_, masks_, zeros_, scales_, gIdx_;
    std::int64_t maxM_ = 0, n_ = 0, k_ = 0;
    bool sparse_ = false;
};

Status supportsPoint(const SweepPoint& point, const GpuContext& context) {
    if (context.computeCapability < 70)
        return Status::failure("compute capability " + text(context.computeCapability / 10) + "." +
                               text(context.computeCapability % 10) +
                               " is below 7.0 (wmma_int4 needs WMMA fp16 tensor cores)");
    return checkShape(point.m, point.n, point.k);
}

}  // namespace

KernelEntry wmmaInt4Entry() {
    return {{"wmma_int4",
             "tensor-core",
             "The approach of an older open-source int4 x fp16 kernel, rendered untuned: CUDA WMMA (m16n16k16 fp16 "
             "fragments, fp32 accumulation), each block a 64x64 C tile with 4 warps, k in steps of 32 rows; the A "
             "tile is staged in shared memory as fp16 and the int4 W tile is dequantized by the block's threads into "
             "a shared fp16 tile read as matrix_b fragments. Dense, or 16:32 sparse weights kept compressed (16 "
             "kept nibbles and a 32-bit mask per 32-row run, expanded into the tile). GPTQ group quantization "
             "(per-row group through g_idx, so act-order; both zero formats) is added to the origin's approach.",
             "k % 32 == 0, n % 8 == 0, any m >= 1 (tails masked); A and C 16-byte aligned; sm_70+",
             true,
             false,
             {Sparsity::None, Sparsity::Sparse16of32}},
            supportsPoint,
            [] { return std::make_unique<WmmaInt4>(); }};
}

}  // namespace q4
