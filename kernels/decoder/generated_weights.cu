// The device side of random weights (generated_weights.h): each thread hashes the counters of its
// words with the host's function (counter_hash.h), so the bits match by construction. Threads
// walk a part's words in stream order, which is also row-major order, so writes are coalesced.
#include "decoder/generated_weights.h"

#include <algorithm>
#include <string>

#include "cuda/cuda_check.h"
#include "model/counter_hash.h"

namespace q4 {
namespace {

constexpr int kThreads = 256;
constexpr long long kMaxBlocks = 1 << 16;  // a grid-stride loop covers the rest

// Word i of the part's stream is word (i / columns, firstColumn + i % columns) of the layer.
__global__ void __launch_bounds__(kThreads)
    generateQweightKernel(std::uint32_t* __restrict__ qweight, std::uint64_t key, long long words, long long columns,
                          long long firstColumn, long long n) {
    const long long stride = static_cast<long long>(gridDim.x) * kThreads;
    for (long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x; i < words; i += stride) {
        const long long row = i / columns;
        qweight[row * n + firstColumn + (i - row * columns)] = counterWord(key, std::uint64_t(i));
    }
}

}  // namespace

Status launchGenerateQweight(const std::vector<GeneratedQweightPart>& parts, std::int64_t k, std::int64_t n,
                             void* qweight, cudaStream_t stream) {
    if (k % 8 != 0) return Status::failure("generated qweight: k=" + std::to_string(k) + " is not a multiple of 8");
    std::int64_t column = 0;
    bool tiled = !parts.empty();
    for (const GeneratedQweightPart& part : parts) {
        tiled = tiled && part.firstColumn == column && part.columns > 0;
        column += part.columns;
    }
    if (!tiled || column != n)
        return Status::failure("generated qweight: the parts do not tile the n=" + std::to_string(n) + " columns");
    for (const GeneratedQweightPart& part : parts) {
        const long long words = (k / 8) * part.columns;
        if (words == 0) continue;
        const auto blocks = unsigned(std::min<long long>((words + kThreads - 1) / kThreads, kMaxBlocks));
        generateQweightKernel<<<blocks, kThreads, 0, stream>>>(static_cast<std::uint32_t*>(qweight), part.key, words,
                                                               part.columns, part.firstColumn, n);
        Q4_CHECK(launchStatus("generate qweight kernel"));
    }
    return Status::success();
}

}  // namespace q4
