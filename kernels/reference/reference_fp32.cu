#include <cuda_fp16.h>

#include "cuda/cuda_check.h"
#include "reference/reference_fp32.h"

namespace q4 {
namespace {

constexpr int kTile = 32;

// One 32x32 output tile per block, 32x8 threads, 4 outputs per thread; K in steps of 32.
template <class Out>
__global__ void referenceKernel(const __half* __restrict__ a, const float* __restrict__ w, Out* __restrict__ c,
                                int m, int n, int k) {
    __shared__ float aTile[kTile][kTile + 1];
    __shared__ float wTile[kTile][kTile + 1];
    const int col = blockIdx.x * kTile + threadIdx.x;
    const int rowBase = blockIdx.y * kTile;
    float acc[4] = {0, 0, 0, 0};
    for (int k0 = 0; k0 < k; k0 += kTile) {
        for (int i = threadIdx.y; i < kTile; i += blockDim.y) {
            const int row = rowBase + i, kk = k0 + threadIdx.x;
            aTile[i][threadIdx.x] = (row < m && kk < k) ? __half2float(a[std::size_t(row) * k + kk]) : 0.0f;
            const int wr = k0 + i;
            wTile[i][threadIdx.x] = (wr < k && col < n) ? w[std::size_t(wr) * n + col] : 0.0f;
        }
        __syncthreads();
        for (int kk = 0; kk < kTile; ++kk) {
            const float wv = wTile[kk][threadIdx.x];
#pragma unroll
            for (int r = 0; r < 4; ++r) acc[r] += aTile[threadIdx.y + 8 * r][kk] * wv;
        }
        __syncthreads();
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const int row = rowBase + threadIdx.y + 8 * r;
        if (row < m && col < n) {
            if constexpr (sizeof(Out) == 2) c[std::size_t(row) * n + col] = __float2half(acc[r]);
            else c[std::size_t(row) * n + col] = acc[r];
        }
    }
}

template <class Out>
Status launch(const void* a, const float* w, Out* c, std::int64_t m, std::int64_t n, std::int64_t k,
              cudaStream_t stream) {
    const dim3 block(kTile, 8);
    const dim3 grid(unsigned((n + kTile - 1) / kTile), unsigned((m + kTile - 1) / kTile));
    referenceKernel<Out><<<grid, block, 0, stream>>>(static_cast<const __half*>(a), w, c, int(m), int(n), int(k));
    return launchStatus("fp32 reference kernel");
}

}  // namespace

Status launchReferenceFp32(const void* a, const float* w, float* c, std::int64_t m, std::int64_t n, std::int64_t k,
                           cudaStream_t stream) {
    return launch(a, w, c, m, n, k, stream);
}

Status launchReferenceFp32ToHalf(const void* a, const float* w, void* c, std::int64_t m, std::int64_t n,
                                 std::int64_t k, cudaStream_t stream) {
    return launch(a, w, static_cast<__half*>(c), m, n, k, stream);
}

}  // namespace q4
