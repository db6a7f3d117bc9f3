#include "int4_layout/fragment_dequant.h"

#include <cuda_fp16.h>

#include <algorithm>

#include "cuda/cuda_check.h"
#include "cuda/device_memory.h"
#include "tc_int4/tc_int4_kernel.cuh"

namespace q4 {
namespace {

// A block expands one n tile (16 rows of W^T, the first at firstTile) over 512 k: each warp dequantizes one 64-k step
// (a lane's 16-byte word) into shared memory, then the block writes the 16 rows x 1 KiB out with
// 16-byte stores, so every DRAM sector is written whole.
constexpr int kDequantK = 512;

__global__ void __launch_bounds__(256) dequantTransposedKernel(const uint4* __restrict__ words,
                                                               const uint32_t* __restrict__ scales,
                                                               const uint32_t* __restrict__ zeros,
                                                               __half* __restrict__ wt, int firstTile, int n, int k,
                                                               int groupSize) {
    __shared__ __align__(16) __half2 tile[16][kDequantK / 2 + 4];  // padded against bank conflicts
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
    const int nTile = firstTile + blockIdx.x, kBase = blockIdx.y * kDequantK;
    const int k64 = kBase / 64 + warp;
    if (k64 * 64 < k) {
        const uint4 v = words[(size_t(k64) * (n / 16) + nTile) * 32 + lane];
        const uint32_t w4[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int kTile = k64 * 64 + j * 16;
            const size_t at = (size_t(kTile / groupSize) * (n / 16) + nTile) * 8 + g;
            const uint32_t s = scales[at], z = zeros[at];
            const uint32_t sl = tc::broadcastLow(s), sh = tc::broadcastHigh(s);
            uint32_t f[4];
            tc::dequantizeTile(f, w4[j], tc::groupZero(z));
            f[0] = tc::hmul2Bits(f[0], sl);
            f[1] = tc::hmul2Bits(f[1], sh);
            f[2] = tc::hmul2Bits(f[2], sl);
            f[3] = tc::hmul2Bits(f[3], sh);
            const int pair = (kTile - kBase) / 2 + t;  // fragments hold k pairs (2t, 2t+1) and (2t+8, 2t+9)
            tile[g][pair] = *reinterpret_cast<const __half2*>(&f[0]);
            tile[g + 8][pair] = *reinterpret_cast<const __half2*>(&f[1]);
            tile[g][pair + 4] = *reinterpret_cast<const __half2*>(&f[2]);
            tile[g + 8][pair + 4] = *reinterpret_cast<const __half2*>(&f[3]);
        }
    }
    __syncthreads();
    const int kLen = min(kDequantK, k - kBase);
    for (int i = threadIdx.x; i < 16 * kLen / 8; i += blockDim.x) {
        const int row = i / (kLen / 8), col = (i % (kLen / 8)) * 8;
        *reinterpret_cast<uint4*>(wt + size_t(blockIdx.x * 16 + row) * k + kBase + col) =
            *reinterpret_cast<const uint4*>(&tile[row][col / 2]);
    }
}

// Reads a row-major and coalesced, together with the sorted position of each column (no load
// waits on another), and scatters each value to its place.
__global__ void scatterColumnsKernel(const __half* __restrict__ a, const int32_t* __restrict__ sortedPosition,
                                     __half* __restrict__ out, long long m, int k) {
    tc::allowDependentGrids();  // the act-order kernel after it may start its weight stream now
    const long long total = m * k;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        const long long row = i / k;
        out[row * k + sortedPosition[i - row * k]] = a[i];
    }
}

// The same result for many rows: each thread owns 8 output columns, reads their source columns
// once, then for each of its rows loads the 8 values (the row is shared by the whole block, so
// these hit L1) and writes them as one 16-byte store, so every DRAM sector is written whole.
__global__ void gatherColumnsKernel(const __half* __restrict__ a, const int32_t* __restrict__ source,
                                    __half* __restrict__ out, long long m, int k) {
    tc::allowDependentGrids();
    const int column = (blockIdx.x * blockDim.x + threadIdx.x) * 8;
    if (column >= k) return;
    const int4 low = *reinterpret_cast<const int4*>(source + column);
    const int4 high = *reinterpret_cast<const int4*>(source + column + 4);
    for (long long row = blockIdx.y; row < m; row += gridDim.y) {
        const __half* from = a + row * k;
        __align__(16) __half v[8] = {from[low.x], from[low.y], from[low.z],  from[low.w],
                                     from[high.x], from[high.y], from[high.z], from[high.w]};
        *reinterpret_cast<uint4*>(out + row * k + column) = *reinterpret_cast<const uint4*>(v);
    }
}

}  // namespace

Status dequantizeFragmentsTransposed(const FragmentWeightsView& w, std::int64_t firstFeature, std::int64_t features,
                                     void* wt, cudaStream_t stream) {
    const dim3 grid(unsigned(features / 16), unsigned((w.k + kDequantK - 1) / kDequantK));
    dequantTransposedKernel<<<grid, 256, 0, stream>>>(
        static_cast<const uint4*>(w.words), static_cast<const uint32_t*>(w.scales), static_cast<const uint32_t*>(w.zeros),
        static_cast<__half*>(wt), int(firstFeature / 16), int(w.n), int(w.k), w.groupSize);
    return launchStatus("fragment dequantize kernel");
}

std::int64_t dequantChunkFeatures(std::int64_t n, std::int64_t k) {
    const std::int64_t rowBytes = k * 2;
    const std::int64_t chunks = std::max<std::int64_t>(1, (n * rowBytes + kDequantChunkBytes - 1) / kDequantChunkBytes);
    const std::int64_t features = (n + chunks - 1) / chunks;
    return std::min(n, std::max<std::int64_t>(16, (features + 15) / 16 * 16));
}

Status sortColumns(const void* a, const SortOrder& order, void* out, std::int64_t m, std::int64_t k,
                   cudaStream_t stream) {
    if (m <= kScatterMaxM) {  // latency-bound: one memory round trip instead of two
        const long long blocks = std::min<long long>(1024, (m * k + 255) / 256);
        scatterColumnsKernel<<<unsigned(blocks), 256, 0, stream>>>(static_cast<const __half*>(a), order.sortedPosition,
                                                                   static_cast<__half*>(out), m, int(k));
        return launchStatus("scatter columns kernel");
    }
    const dim3 grid(unsigned((k / 8 + 255) / 256), unsigned(std::min<std::int64_t>(m, 512)));
    gatherColumnsKernel<<<grid, 256, 0, stream>>>(static_cast<const __half*>(a), order.source, static_cast<__half*>(out),
                                                  m, int(k));
    return launchStatus("gather columns kernel");
}

Status expandFragmentsInSourceOrder(const FragmentWeightsView& w, const SortOrder* order, void* wt,
                                    cudaStream_t stream) {
    if (!order) return dequantizeFragmentsTransposed(w, 0, w.n, wt, stream);
    const std::int64_t chunkFeatures = dequantChunkFeatures(w.n, w.k);
    DeviceAllocator scratch;
    auto chunk = scratch.allocate(std::size_t(chunkFeatures * w.k) * 2, MemoryUse::Workspace);
    if (!chunk) return Status::failure(chunk.error());
    // Sorting by the inverse permutation: out[f][c] = in[f][sortedPosition[c]].
    const SortOrder back{order->source, order->sortedPosition};
    for (std::int64_t first = 0; first < w.n; first += chunkFeatures) {
        const std::int64_t features = std::min(chunkFeatures, w.n - first);
        Q4_CHECK(dequantizeFragmentsTransposed(w, first, features, chunk->data(), stream));
        Q4_CHECK(sortColumns(chunk->data(), back, static_cast<__half*>(wt) + first * w.k, features, w.k, stream));
    }
    return cudaStatus(cudaStreamSynchronize(stream), "fp16 expansion in source order");  // before chunk is freed
}

}  // namespace q4
