// Dense fp16 weights for the cuBLAS baselines (see fp16_weights.h). The [k, n] layout on the device
// is gptq_dequant's; the [n, k] one is dequantized straight into its transpose by a tiled kernel
// here, so no [k, n] copy is ever held beside it.
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cublas_fp16/fp16_weights.h"
#include "cuda/cuda_check.h"
#include "gptq_dequant/gptq_dequant.cuh"
#include "gptq_dequant/gptq_dequant.h"
#include "gptq_dequant/gptq_upload.h"

namespace q4 {
namespace {

// One block dequantizes a tile of 32 columns of W by 32 packed words along k (256 rows) and
// writes it as 32 rows of 256 contiguous weights of W^T. Through shared memory both sides are
// coalesced: a warp reads 32 adjacent qweight words and writes 512 contiguous bytes of one row.
constexpr int kTileCols = 32;
constexpr int kTileWords = 32;
constexpr int kBlockRows = 8;  // block: 32 x 8 threads
// A word's 8 weights are 16 bytes; rows 8 halves longer than the tile keep the 16-byte stores of
// a quarter warp (8 adjacent columns, one row each) on distinct banks.
constexpr int kTileStride = kTileWords * 8 + 8;
constexpr unsigned kMaxGridY = 65535;

__global__ void __launch_bounds__(kTileCols* kBlockRows)
    dequantTransposedKernel(const std::uint32_t* __restrict__ qweight, const std::uint32_t* __restrict__ qzeros,
                            const __half* __restrict__ scales, const int* __restrict__ gIdx, __half* __restrict__ out,
                            int k, int n, std::uint32_t zeroOffset) {
    __shared__ __align__(16) __half tile[kTileCols][kTileStride];
    const int col0 = blockIdx.x * kTileCols;
    const int wordRows = k / 8;
    for (int word0 = blockIdx.y * kTileWords; word0 < wordRows; word0 += gridDim.y * kTileWords) {
        const int col = col0 + threadIdx.x;
        for (int w = threadIdx.y; w < kTileWords; w += kBlockRows) {
            const int wordRow = word0 + w;
            if (col >= n || wordRow >= wordRows) continue;
            const std::uint32_t word = qweight[std::int64_t(wordRow) * n + col];
            std::uint32_t packed[4] = {0, 0, 0, 0};
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const int group = gIdx[wordRow * 8 + j];
                const float scale = __half2float(scales[std::int64_t(group) * n + col]);
                const std::uint32_t zero =
                    trueZero(qzeros[std::int64_t(group) * (n / 8) + col / 8], (col & 7) * 4, zeroOffset);
                // The host's arithmetic (q4::dequantize, then one rounding to fp16): the same bits.
                const float w32 = scale * float(int((word >> (4 * j)) & 0xFu) - int(zero));
                packed[j / 2] |= std::uint32_t(__half_as_ushort(__float2half_rn(w32))) << (16 * (j & 1));
            }
            *reinterpret_cast<uint4*>(&tile[threadIdx.x][w * 8]) =
                make_uint4(packed[0], packed[1], packed[2], packed[3]);
        }
        __syncthreads();
        for (int r = threadIdx.y; r < kTileCols; r += kBlockRows) {
            const int row = col0 + r, wordRow = word0 + threadIdx.x;
            if (row >= n || wordRow >= wordRows) continue;
            *reinterpret_cast<uint4*>(out + std::int64_t(row) * k + std::int64_t(wordRow) * 8) =
                *reinterpret_cast<const uint4*>(&tile[r][threadIdx.x * 8]);
        }
        __syncthreads();  // the tile is refilled by the next pass of the stride loop
    }
}

Status launchDequantTransposed(const GptqDeviceTensors& w, void* out, cudaStream_t stream) {
    if (w.k % 8 != 0 || w.n % 8 != 0) return Status::failure("transposed dequant: k and n must be multiples of 8");
    if (!w.gIdx) return Status::failure("transposed dequant: needs g_idx");
    const std::int64_t wordRows = w.k / 8;
    const dim3 block(kTileCols, kBlockRows);
    const dim3 grid(unsigned((w.n + kTileCols - 1) / kTileCols),
                    unsigned(std::min<std::int64_t>((wordRows + kTileWords - 1) / kTileWords, kMaxGridY)));
    dequantTransposedKernel<<<grid, block, 0, stream>>>(
        static_cast<const std::uint32_t*>(w.qweight), static_cast<const std::uint32_t*>(w.qzeros),
        static_cast<const __half*>(w.scales), static_cast<const int*>(w.gIdx), static_cast<__half*>(out), int(w.k),
        int(w.n), zeroOffset(w.zeroFormat));
    return launchStatus("transposed dequant kernel");
}

}  // namespace

Status uploadFp16Weights(const GptqLayer& layer, WeightLayout layout, DeviceAllocator& allocator, DeviceBuffer& out) {
    const std::int64_t k = layer.k, n = layer.n;
    const std::vector<float> w = dequantize(layer);  // [k, n]
    std::vector<__half> half(w.size());
    if (layout == WeightLayout::KN) {
        for (std::size_t i = 0; i < w.size(); ++i) half[i] = __float2half(w[i]);
    } else {
        // Blocks of 64 rows: the 64 source lines a column walks stay cached while the columns advance.
        constexpr std::int64_t kRowBlock = 64;
        for (std::int64_t r0 = 0; r0 < k; r0 += kRowBlock) {
            const std::int64_t r1 = std::min(k, r0 + kRowBlock);
            for (std::int64_t c = 0; c < n; ++c)
                for (std::int64_t r = r0; r < r1; ++r)
                    half[std::size_t(c * k + r)] = __float2half(w[std::size_t(r * n + c)]);
        }
    }
    auto weights = allocator.upload(half.data(), half.size() * sizeof(__half), MemoryUse::Weights);
    if (!weights) return Status::failure(weights.error());
    out = std::move(weights).value();
    return Status::success();
}

Status dequantizeFp16WeightsOnDevice(const GptqLayer& layer, const void* deviceQweight, WeightLayout layout,
                                     GpuContext& context, DeviceBuffer& out) {
    const std::int64_t k = layer.k, n = layer.n;
    DeviceAllocator& alloc = *context.allocator;
    auto weights = alloc.allocate(std::size_t(k * n) * sizeof(__half), MemoryUse::Weights);
    if (!weights) return Status::failure(weights.error());
    out = std::move(weights).value();

    GptqDeviceUpload small;
    Q4_CHECK(uploadGptqTensors(layer, deviceQweight, alloc, small));
    Q4_CHECK(layout == WeightLayout::KN ? launchGptqDequant(small.tensors, out.data(), context.stream)
                                        : launchDequantTransposed(small.tensors, out.data(), context.stream));
    // The small tensors are freed on return: the kernel must be done with them.
    return cudaStatus(cudaStreamSynchronize(context.stream), "fp16 weights dequantize");
}

}  // namespace q4
