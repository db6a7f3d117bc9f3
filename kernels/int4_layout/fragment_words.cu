// Fragment-layout words on the device (fragment_words.h): one thread per output word, i.e. one
// lane's 8 nibbles of one 16 x 16 tile, gathered from the checkpoint words of their rows. The
// placement is makeFragmentLayout's (fragment_layout.cpp), written out from the other side: lane
// l = 4 g + t, fragment p holds (n = g + 8 (p & 1), k = 8 (p >> 1) + 2 t + j) at bit 4 p + 16 j.
#include "int4_layout/fragment_words.h"

#include <algorithm>
#include <string>

#include "cuda/cuda_check.h"

namespace q4 {
namespace {

constexpr int kThreads = 256;
constexpr long long kMaxBlocks = 1 << 16;  // a grid-stride loop covers the rest

__global__ void __launch_bounds__(kThreads)
    fragmentWordsKernel(const std::uint32_t* __restrict__ qweight, const std::int32_t* __restrict__ sortedToRow,
                        long long n, long long k, std::uint32_t* __restrict__ words) {
    const long long total = n * k / 8, nTiles = n / 16;
    const long long stride = static_cast<long long>(gridDim.x) * kThreads;
    for (long long w = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x; w < total; w += stride) {
        // w = ((k64 * nTiles + nTile) * 32 + lane) * 4 + kTile
        const int kTile = int(w & 3), lane = int((w >> 2) & 31);
        const long long tile = w >> 7, nTile = tile % nTiles, k64 = tile / nTiles;
        const int g = lane >> 2, t = lane & 3;
        std::uint32_t word = 0;
#pragma unroll
        for (int p = 0; p < 4; ++p) {
            const long long col = nTile * 16 + g + 8 * (p & 1);
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                const long long sortedRow = k64 * 64 + kTile * 16 + 8 * (p >> 1) + 2 * t + j;
                const long long row = sortedToRow ? sortedToRow[sortedRow] : sortedRow;
                const std::uint32_t q = (qweight[(row >> 3) * n + col] >> (4 * (row & 7))) & 0xFu;
                word |= q << (4 * p + 16 * j);
            }
        }
        words[w] = word;
    }
}

}  // namespace

Status launchFragmentWords(const void* qweight, const std::int32_t* sortedToRow, std::int64_t n, std::int64_t k,
                           void* words, cudaStream_t stream) {
    if (n % 16 != 0 || k % 64 != 0)
        return Status::failure("fragment words: n=" + std::to_string(n) + ", k=" + std::to_string(k) +
                               " must be multiples of 16 and 64");
    const long long total = n * k / 8;
    if (total == 0) return Status::success();
    const auto blocks = unsigned(std::min<long long>((total + kThreads - 1) / kThreads, kMaxBlocks));
    fragmentWordsKernel<<<blocks, kThreads, 0, stream>>>(static_cast<const std::uint32_t*>(qweight), sortedToRow, n, k,
                                                        static_cast<std::uint32_t*>(words));
    return launchStatus("fragment words kernel");
}

}  // namespace q4
