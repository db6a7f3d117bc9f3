// exllama_style: C [m, n] fp16 = A [m, k] fp16 * W with W int4 GPTQ, in the style of exllama.
// At prepare the rows of W are sorted by group (stable), so that with act-order every group's rows
// become contiguous, and qweight is repacked in that order; perm maps sorted rows to original
// ones (W_sorted[i] = W[perm[i]]). Each call then permutes the activation columns to match,
// A_perm[:, i] = A[:, perm[i]] (skipped when g_idx is already in natural order), and since sorted
// rows of a group are contiguous the kernels look a group's scale and zero up once per group
// instead of once per row. Two paths:
//   m <= kGemvMaxM: a half2 GEMV over the packed sorted weights, split over k; partial sums go
//     to an fp32 workspace with atomics and are converted to fp16 at the end.
//   m >  kGemvMaxM: the sorted weights are dequantized to an fp16 scratch [k, n], then cuBLAS.
// Layout expected: GPTQ checkpoint tensors (qweight int32 [k/8, n], qzeros int32 [G, n/8], scales
// fp16 [G, n], g_idx int32 [k], zero format v1 or v2); A and C row-major.
// Limitations: the group size must be a multiple of 8 (or -1), and g_idx must put exactly
// group-size rows in each group (as GPTQ's act-order does), so that every packed word of 8 sorted
// rows lies in one group. The GEMV sums (q - z) * a in fp16 over at most 32 rows before scaling
// in fp32, so a few 1e-4 of relative error on top of fp16 rounding.
#include <cuda_fp16.h>

#include <algorithm>
#include <array>
#include <vector>

#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/gpu_timer.h"
#include "cuda/kernel_entries.h"
#include "gptq_dequant/gptq_dequant.cuh"
#include "gptq_dequant/gptq_dequant.h"

namespace q4 {
namespace {

// Up to this m the product is bound by reading the int4 weights once, which the GEMV does at
// 4 bits per weight; above it a dequantized fp16 copy through cuBLAS tensor cores wins (exllama
// switches to dequantize + cuBLAS at a similarly small batch). The GEMV keeps m accumulators
// per column in registers, so its cost also grows with m.
constexpr std::int64_t kGemvMaxM = 8;

constexpr int kGemvThreads = 128;
constexpr int kGemvColsPerThread = 4;  // one 16-byte load of packed words per 8 rows
constexpr int kGemvColsPerBlock = kGemvThreads * kGemvColsPerThread;
constexpr int kChunkWords = 4;         // fp16 partial sums span 32 rows, which bounds their rounding
constexpr int kChunkRows = 8 * kChunkWords;
// Split over k: about kGemvBlocksPerSm blocks per multiprocessor, each slab a multiple of
// kChunkRows rows; the minimum bounds the atomics (m * n per slab), the maximum bounds the
// activation slab in shared memory (kGemvMaxM * 2048 * 2 bytes = 32 KiB).
constexpr int kGemvBlocksPerSm = 8;
constexpr int kMinSlabRows = 128;
constexpr int kMaxSlabRows = 2048;

constexpr int kPermuteThreads = 256;
constexpr int kPermuteRowThreads = 1024;
constexpr int kPermuteWholeRowsPerSm = 2;  // rows per multiprocessor from which blocks take whole rows
constexpr int kConvertThreads = 256;
constexpr unsigned kMaxGridY = 65535;
constexpr int kPermuteRepetitions = 5;

std::int64_t ceilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// A_perm[row][i] = A[row][perm[i]]. Block (x, y) writes columns [x * colsPerBlock, ...) of rows
// y, y + gridDim.y, ... The gathers are random within a row, so with many rows each block takes
// whole rows: the row's cache lines are then reused from L1 instead of being fetched from L2
// again for every few columns.
__global__ void permuteColumnsKernel(const __half* __restrict__ a, const int* __restrict__ perm,
                                     __half* __restrict__ out, int m, int k, int colsPerBlock) {
    const int colBegin = blockIdx.x * colsPerBlock;
    const int colEnd = min(k, colBegin + colsPerBlock);
    for (int row = blockIdx.y; row < m; row += gridDim.y) {
        const __half* from = a + std::int64_t(row) * k;
        __half* to = out + std::int64_t(row) * k;
        for (int col = colBegin + threadIdx.x; col < colEnd; col += blockDim.x) to[col] = from[perm[col]];
    }
}

// GEMV over sorted rows. Block (x, y) covers 512 columns and the rows of slab y. The slab of
// activations is staged in shared memory as half2 pairs (a[8w + p], a[8w + p + 4]), p = 0..3,
// matching how a packed word splits into pairs (rows p and p + 4 sit 16 bits apart).
// Per group segment the thread loads its 4 scales and zeros once; per chunk of up to 32 rows it
// accumulates (q - z) * a in half2, then adds scale * sum to fp32 results.
template <int M>
__global__ void __launch_bounds__(kGemvThreads)
    gemvKernel(const __half* __restrict__ a, const std::uint32_t* __restrict__ qweight,
               const __half* __restrict__ scales, const std::uint32_t* __restrict__ qzeros, float* __restrict__ acc,
               int n, int k, int groupRows, int slabRows, std::uint32_t zeroOffset) {
    extern __shared__ uint4 aPairs[];  // [M][slab words], 4 half2 pairs per word
    const int slabBegin = blockIdx.y * slabRows;
    const int slabEnd = min(k, slabBegin + slabRows);
    const int slabWords = (slabEnd - slabBegin) / 8;
    for (int i = threadIdx.x; i < M * slabWords; i += kGemvThreads) {
        const int mi = i / slabWords, w = i - mi * slabWords;
        // 8 activations a0..a7 as (a0, a1), (a2, a3), (a4, a5), (a6, a7).
        const uint4 raw = *reinterpret_cast<const uint4*>(a + std::int64_t(mi) * k + slabBegin + 8 * w);
        aPairs[i] = make_uint4(__byte_perm(raw.x, raw.z, 0x5410), __byte_perm(raw.x, raw.z, 0x7632),
                               __byte_perm(raw.y, raw.w, 0x5410), __byte_perm(raw.y, raw.w, 0x7632));
    }
    __syncthreads();

    const int col = (blockIdx.x * kGemvThreads + threadIdx.x) * kGemvColsPerThread;
    if (col >= n) return;  // n % 8 == 0: a thread's 4 columns are all in range or all out

    float result[M][kGemvColsPerThread] = {};
    for (int row = slabBegin; row < slabEnd;) {
        // Sorted rows: group g is rows [g * groupRows, (g + 1) * groupRows).
        const int group = row / groupRows;
        const int groupEnd = min(slabEnd, (group + 1) * groupRows);
        const uint2 s = *reinterpret_cast<const uint2*>(scales + std::int64_t(group) * n + col);
        const float scale[kGemvColsPerThread] = {__low2float(bitsToHalf2(s.x)), __high2float(bitsToHalf2(s.x)),
                                                 __low2float(bitsToHalf2(s.y)), __high2float(bitsToHalf2(s.y))};
        const std::uint32_t zeroWord = qzeros[std::int64_t(group) * (n / 8) + col / 8];
        const int zeroShift = (col & 7) * 4;
        __half2 zero[kGemvColsPerThread];
#pragma unroll
        for (int c = 0; c < kGemvColsPerThread; ++c) {
            const std::uint32_t z = trueZero(zeroWord, zeroShift + 4 * c, zeroOffset);
            zero[c] = biasedZeroPair(z, z);
        }

        for (int chunk = row; chunk < groupEnd; chunk += kChunkRows) {
            const int chunkWords = min(kChunkWords, (groupEnd - chunk) / 8);
            // Issue the chunk's loads together so several are in flight per thread.
            uint4 q[kChunkWords];
#pragma unroll
            for (int w = 0; w < kChunkWords; ++w)
                if (w < chunkWords)
                    q[w] = *reinterpret_cast<const uint4*>(qweight + std::int64_t(chunk / 8 + w) * n + col);

            __half2 sum[M][kGemvColsPerThread];
#pragma unroll
            for (int mi = 0; mi < M; ++mi)
#pragma unroll
                for (int c = 0; c < kGemvColsPerThread; ++c) sum[mi][c] = __float2half2_rn(0.0f);

#pragma unroll
            for (int w = 0; w < kChunkWords; ++w) {
                if (w >= chunkWords) break;
                const std::uint32_t words[kGemvColsPerThread] = {q[w].x, q[w].y, q[w].z, q[w].w};
                // (q - z) for rows (p, p + 4) of each column: exact small integers in fp16.
                __half2 weight[kGemvColsPerThread][4];
#pragma unroll
                for (int c = 0; c < kGemvColsPerThread; ++c)
#pragma unroll
                    for (int p = 0; p < 4; ++p) weight[c][p] = __hsub2(biasedNibblePair(words[c] >> (4 * p)), zero[c]);
                const int aWord = (chunk - slabBegin) / 8 + w;
#pragma unroll
                for (int mi = 0; mi < M; ++mi) {
                    const uint4 ap = aPairs[mi * slabWords + aWord];
                    const __half2 pairs[4] = {bitsToHalf2(ap.x), bitsToHalf2(ap.y), bitsToHalf2(ap.z),
                                              bitsToHalf2(ap.w)};
#pragma unroll
                    for (int c = 0; c < kGemvColsPerThread; ++c)
#pragma unroll
                        for (int p = 0; p < 4; ++p) sum[mi][c] = __hfma2(weight[c][p], pairs[p], sum[mi][c]);
                }
            }

#pragma unroll
            for (int mi = 0; mi < M; ++mi)
#pragma unroll
                for (int c = 0; c < kGemvColsPerThread; ++c) {
                    const float2 f = __half22float2(sum[mi][c]);
                    result[mi][c] += scale[c] * (f.x + f.y);
                }
        }
        row = groupEnd;
    }

#pragma unroll
    for (int mi = 0; mi < M; ++mi) {
        float* out = acc + std::int64_t(mi) * n + col;
#if __CUDA_ARCH__ >= 900
        atomicAdd(reinterpret_cast<float4*>(out),
                  make_float4(result[mi][0], result[mi][1], result[mi][2], result[mi][3]));
#else
#pragma unroll
        for (int c = 0; c < kGemvColsPerThread; ++c) atomicAdd(out + c, result[mi][c]);
#endif
    }
}

// C = fp16(acc), 4 values per thread (m * n is a multiple of 8).
__global__ void accumulatorToHalfKernel(const float4* __restrict__ acc, uint2* __restrict__ c, int quads) {
    for (int i = blockIdx.x * kConvertThreads + threadIdx.x; i < quads; i += gridDim.x * kConvertThreads) {
        const float4 v = acc[i];
        c[i] = make_uint2(half2ToBits(__floats2half2_rn(v.x, v.y)), half2ToBits(__floats2half2_rn(v.z, v.w)));
    }
}

Status allocate(std::size_t bytes, MemoryUse use, GpuContext& context, DeviceBuffer& out) {
    auto buffer = context.allocator->allocate(bytes, use);
    if (!buffer) return Status::failure(buffer.error());
    out = std::move(buffer).value();
    return Status::success();
}

// qweight with its rows in sorted order: row i of the result is row perm[i] of the input.
std::vector<std::int32_t> repackRows(const std::vector<std::int32_t>& qweight, const std::vector<std::int32_t>& perm,
                                     std::int64_t k, std::int64_t n) {
    std::vector<std::uint32_t> sorted(std::size_t(k / 8 * n), 0);  // unsigned: nibble 7 sets the sign bit
    for (std::int64_t i = 0; i < k; ++i) {
        const std::int64_t source = perm[std::size_t(i)];
        const std::int32_t* from = qweight.data() + (source / 8) * n;
        std::uint32_t* to = sorted.data() + (i / 8) * n;
        const int fromShift = int(4 * (source % 8)), toShift = int(4 * (i % 8));
        for (std::int64_t c = 0; c < n; ++c) to[c] |= ((std::uint32_t(from[c]) >> fromShift) & 0xFu) << toShift;
    }
    return {sorted.begin(), sorted.end()};
}

class ExllamaStyle final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        k_ = layer.k;
        n_ = layer.n;
        maxM_ = point.m;
        groupRows_ = layer.effectiveGroupSize();
        zeroFormat_ = layer.zeroFormat;
        multiprocessors_ = std::max(1, context.multiprocessors);
        const std::int64_t groups = layer.numGroups();
        if (groupRows_ % 8 != 0)
            return Status::failure("exllama_style: group size " + std::to_string(groupRows_) +
                                   " is not a multiple of 8");
        const std::vector<std::int32_t> gIdx = layer.gIdx.empty() ? naturalGroupIndex(k_, layer.groupSize) : layer.gIdx;
        if (std::int64_t(layer.qweight.size()) != k_ / 8 * n_ || std::int64_t(gIdx.size()) != k_)
            return Status::failure("exllama_style: qweight or g_idx size does not match k=" + std::to_string(k_) +
                                   ", n=" + std::to_string(n_));

        // Stable counting sort of the rows by group.
        std::vector<std::int64_t> start(std::size_t(groups) + 1, 0);
        for (std::int64_t r = 0; r < k_; ++r) {
            const std::int32_t g = gIdx[std::size_t(r)];
            if (g < 0 || g >= groups)
                return Status::failure("exllama_style: g_idx[" + std::to_string(r) + "]=" + std::to_string(g) +
                                       " is out of range 0.." + std::to_string(groups - 1));
            ++start[std::size_t(g) + 1];
        }
        for (std::int64_t g = 0; g < groups; ++g)
            if (start[std::size_t(g) + 1] != groupRows_)
                return Status::failure("exllama_style: g_idx puts " + std::to_string(start[std::size_t(g) + 1]) +
                                       " rows in group " + std::to_string(g) + "; each group needs exactly " +
                                       std::to_string(groupRows_));
        for (std::int64_t g = 0; g < groups; ++g) start[std::size_t(g) + 1] += start[std::size_t(g)];
        std::vector<std::int32_t> perm(std::size_t(k_), 0);
        for (std::int64_t r = 0; r < k_; ++r) {
            std::int64_t& next = start[std::size_t(gIdx[std::size_t(r)])];
            perm[std::size_t(next++)] = std::int32_t(r);
        }
        permuted_ = false;
        for (std::int64_t i = 0; i < k_; ++i) permuted_ = permuted_ || perm[std::size_t(i)] != i;

        const std::vector<std::int32_t> sortedQweight = permuted_ ? repackRows(layer.qweight, perm, k_, n_)
                                                                  : std::vector<std::int32_t>{};
        const std::vector<std::int32_t>& qweight = permuted_ ? sortedQweight : layer.qweight;
        if (Status s = uploadVector(*context.allocator, qweight, MemoryUse::Weights, qweight_); !s) return s;
        if (Status s = uploadVector(*context.allocator, layer.qzeros, MemoryUse::Zeros, qzeros_); !s) return s;
        if (Status s = uploadVector(*context.allocator, layer.scales, MemoryUse::Scales, scales_); !s) return s;
        if (permuted_) {
            if (Status s = uploadVector(*context.allocator, perm, MemoryUse::GIdx, perm_); !s) return s;
            const std::size_t bytes = std::size_t(maxM_ * k_) * sizeof(__half);
            if (Status s = allocate(bytes, MemoryUse::Workspace, context, aPerm_); !s) return s;
        }
        const std::int64_t gemvRows = std::min(maxM_, kGemvMaxM);
        if (Status s = allocate(std::size_t(gemvRows * n_) * sizeof(float), MemoryUse::Workspace, context, acc_); !s)
            return s;
        if (maxM_ > kGemvMaxM) {
            if (Status s = allocate(std::size_t(k_ * n_) * sizeof(__half), MemoryUse::Workspace, context, scratch_); !s)
                return s;
            if (Status s = cublas_.create(context); !s) return s;
        }

        const std::int64_t colBlocks = ceilDiv(n_, kGemvColsPerBlock);
        const std::int64_t wantSlabs = ceilDiv(std::int64_t(kGemvBlocksPerSm) * multiprocessors_, colBlocks);
        const std::int64_t rows = ceilDiv(ceilDiv(k_, wantSlabs), kChunkRows) * kChunkRows;
        slabRows_ = int(std::clamp<std::int64_t>(rows, kMinSlabRows, kMaxSlabRows));
        return Status::success();
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        if (m < 1 || m > maxM_)
            return Status::failure("exllama_style: m=" + std::to_string(m) + " is outside 1.." + std::to_string(maxM_));
        const void* input = a;
        if (permuted_) {
            if (Status s = launchPermute(a, m, context.stream); !s) return s;
            input = aPerm_.data();
        }
        if (m <= kGemvMaxM) return runGemv(input, c, m, context.stream);

        GptqDeviceTensors sorted;
        sorted.qweight = qweight_.data();
        sorted.qzeros = qzeros_.data();
        sorted.scales = scales_.data();
        sorted.gIdx = nullptr;  // sorted rows: the group of row r is r / groupRows
        sorted.k = k_;
        sorted.n = n_;
        sorted.groupRows = groupRows_;
        sorted.zeroFormat = zeroFormat_;
        if (Status s = launchGptqDequant(sorted, scratch_.data(), context.stream); !s) return s;
        return cublasRowMajorGemm(cublas_.get(), input, scratch_.data(), c, m, n_, k_);
    }

    std::string path(std::int64_t m) const override { return m <= kGemvMaxM ? "gemv" : "dequant+cublas"; }

    // Timed like the samples (GpuTimer holds the stream until the launch is queued, so host launch
    // latency is excluded), with a warm L2; the median of a few repetitions.
    std::optional<double> permuteSeconds(const void* a, std::int64_t m, GpuContext& context) override {
        if (!permuted_ || m < 1 || m > maxM_) return std::nullopt;
        auto timer = GpuTimer::create(context.stream, 0);
        if (!timer) return std::nullopt;
        auto enqueue = [&] { return launchPermute(a, m, context.stream); };
        if (!timer.value()->warmUp(enqueue)) return std::nullopt;
        std::array<double, kPermuteRepetitions> seconds{};
        for (double& t : seconds) {
            auto sample = timer.value()->time(enqueue, false);
            if (!sample) return std::nullopt;
            t = sample.value();
        }
        std::sort(seconds.begin(), seconds.end());
        return seconds[seconds.size() / 2];
    }

private:
    Status launchPermute(const void* a, std::int64_t m, cudaStream_t stream) {
        // Few rows: split each row over blocks to fill the GPU (A is small and stays in L2).
        // Many rows: one block per row for L1 reuse of the gathered row.
        const bool wholeRows = m >= kPermuteWholeRowsPerSm * std::int64_t(multiprocessors_);
        const int threads = wholeRows ? kPermuteRowThreads : kPermuteThreads;
        const std::int64_t colsPerBlock = wholeRows ? k_ : kPermuteThreads;
        const dim3 grid(unsigned(ceilDiv(k_, colsPerBlock)), unsigned(std::min<std::int64_t>(m, kMaxGridY)));
        permuteColumnsKernel<<<grid, threads, 0, stream>>>(static_cast<const __half*>(a), perm_.as<int>(),
                                                           aPerm_.as<__half>(), int(m), int(k_), int(colsPerBlock));
        return launchStatus("exllama_style permute kernel");
    }

    template <int M>
    Status launchGemv(const void* a, cudaStream_t stream) {
        const dim3 grid(unsigned(ceilDiv(n_, kGemvColsPerBlock)), unsigned(ceilDiv(k_, slabRows_)));
        const std::size_t shared = std::size_t(M) * std::size_t(slabRows_) * sizeof(__half);
        gemvKernel<M><<<grid, kGemvThreads, shared, stream>>>(
            static_cast<const __half*>(a), qweight_.as<std::uint32_t>(), scales_.as<__half>(),
            qzeros_.as<std::uint32_t>(), acc_.as<float>(), int(n_), int(k_), int(groupRows_), slabRows_,
            zeroOffset(zeroFormat_));
        return launchStatus("exllama_style gemv kernel");
    }

    Status runGemv(const void* a, void* c, std::int64_t m, cudaStream_t stream) {
        // Slabs add into the fp32 accumulator, so it starts at zero on every call.
        if (Status s = cudaStatus(cudaMemsetAsync(acc_.data(), 0, std::size_t(m * n_) * sizeof(float), stream),
                                  "exllama_style accumulator reset");
            !s)
            return s;
        Status launched;
        switch (m) {
            case 1: launched = launchGemv<1>(a, stream); break;
            case 2: launched = launchGemv<2>(a, stream); break;
            case 3: launched = launchGemv<3>(a, stream); break;
            case 4: launched = launchGemv<4>(a, stream); break;
            case 5: launched = launchGemv<5>(a, stream); break;
            case 6: launched = launchGemv<6>(a, stream); break;
            case 7: launched = launchGemv<7>(a, stream); break;
            case 8: launched = launchGemv<8>(a, stream); break;
            default: return Status::failure("exllama_style: gemv path needs m <= " + std::to_string(kGemvMaxM));
        }
        if (!launched) return launched;
        const int quads = int(m * n_ / 4);
        const int blocks = int(std::min<std::int64_t>(ceilDiv(quads, kConvertThreads), 4096));
        accumulatorToHalfKernel<<<blocks, kConvertThreads, 0, stream>>>(acc_.as<float4>(), static_cast<uint2*>(c),
                                                                        quads);
        return launchStatus("exllama_style accumulator conversion kernel");
    }

    std::int64_t k_ = 0, n_ = 0, maxM_ = 0, groupRows_ = 0;
    ZeroFormat zeroFormat_ = ZeroFormat::V1;
    bool permuted_ = false;  // false when g_idx is already sorted: A is used as given
    int slabRows_ = kMinSlabRows;
    int multiprocessors_ = 1;
    CublasHandle cublas_;
    DeviceBuffer qweight_;  // int32 [k/8, n], rows in sorted order
    DeviceBuffer qzeros_, scales_;
    DeviceBuffer perm_;     // int32 [k]: sorted row i is original row perm[i]
    DeviceBuffer aPerm_;    // fp16 [maxM, k]: permuted activations
    DeviceBuffer acc_;      // fp32 [min(maxM, kGemvMaxM), n]: GEMV split-k sums
    DeviceBuffer scratch_;  // fp16 [k, n]: dequantized sorted weights, only when maxM > kGemvMaxM
};

}  // namespace

KernelEntry exllamaStyleEntry() {
    return {{"exllama_style", "exllama",
             "exllama-style: rows sorted by g_idx at prepare so each group is contiguous (qweight repacked, "
             "activation columns permuted per call, timed) and scales/zeros are read once per group. m <= 8: a "
             "half2 GEMV on the packed int4 weights, split over k with fp32 atomics; larger m: the sorted weights "
             "are dequantized to fp16 and multiplied through cuBLAS.",
             "group size a multiple of 8 or -1, with g_idx putting exactly group-size rows in each group (as GPTQ "
             "does); m > 8 needs a 2*k*n byte fp16 scratch and the 32 MiB cuBLAS workspace; act-order needs an "
             "m*k fp16 activation copy",
             true},
            [](const SweepPoint& point, const GpuContext&) {
                const int group = point.quant.groupSize;
                if (group != -1 && group % 8 != 0)
                    return Status::failure("group size " + std::to_string(group) +
                                           " is not a multiple of 8: exllama_style needs each packed word of 8 "
                                           "sorted rows in one group");
                return Status::success();
            },
            [] { return std::make_unique<ExllamaStyle>(); }};
}

}  // namespace q4
