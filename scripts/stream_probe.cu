// How close to the bandwidth floor can any kernel get? Times a bare streaming read of exactly the
// bytes a W4A16 problem at m = 1 moves (q4bench's minimumBytes), from a cold L2 and timed the way
// the harness times kernels (launch queued behind a blocked stream, events around it), in several
// read patterns, and reports the best against the floor at the device's copy bandwidth. Each
// pattern is timed twice: cold (one read after the harness's L2 flush) and stream (q4bench's
// --l2 stream: one CUDA graph reads distinct copies of the bytes, together at least four times
// the L2, back to back; the time per read is the graph's over the copies).
// Built as q4stream-probe (sm_90a); `scripts/device-run.sh probe` runs it.
//   q4stream-probe [NxK ...]        (default: n = k = 8192 and the Llama-2-13B decode shapes)
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "../kernels/tc_int4/tc_int4_kernel.cuh"  // loadStreaming: the weight loads of the int4 kernels

#define CHECK(call)                                                                \
    do {                                                                           \
        const cudaError_t e = (call);                                              \
        if (e != cudaSuccess) {                                                    \
            std::fprintf(stderr, "%s failed: %s\n", #call, cudaGetErrorString(e)); \
            std::exit(1);                                                          \
        }                                                                          \
    } while (0)

namespace {

using q4::tc::loadStreaming;

__global__ void holdStream(const volatile int* flag) {
    const long long start = clock64();
    while (*flag == 0 && clock64() - start < 2000000000LL) {
    }
}

// The harness's cold-L2 flush: reads leave the L2 full of clean lines of another buffer.
__global__ void readThrough(const uint4* __restrict__ data, size_t count, unsigned* sink) {
    unsigned x = 0;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) {
        const uint4 v = __ldcg(data + i);
        x ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (x == 0x9E3779B9u) *sink = x;  // keeps the loads
}

__global__ void emptyKernel() {}

// Grid-stride 16-byte loads, kDepth in flight per thread.
template <int kDepth>
__global__ void readLoads(const uint4* __restrict__ data, size_t count, unsigned* sink) {
    const size_t stride = size_t(gridDim.x) * blockDim.x;
    unsigned x = 0;
    size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
    for (; i + (kDepth - 1) * stride < count; i += kDepth * stride) {
        uint4 v[kDepth];
#pragma unroll
        for (int j = 0; j < kDepth; ++j) v[j] = loadStreaming(data + i + j * stride);
#pragma unroll
        for (int j = 0; j < kDepth; ++j) x ^= v[j].x ^ v[j].y ^ v[j].z ^ v[j].w;
    }
    for (; i < count; i += stride) x ^= loadStreaming(data + i).x;
    if (x == 0x9E3779B9u) *sink = x;
}

__device__ __forceinline__ unsigned sharedAddress(const void* p) {
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// Bulk copies: one thread per block streams the block's contiguous chunk through a ring of
// kStages pieces of kPiece bytes; the block reads a word of each piece before it is refilled.
// The last piece is whole, so up to kPiece - 1 bytes more than asked are read (never fewer).
template <int kStages, int kPiece>
__global__ void readBulk(const unsigned char* __restrict__ data, size_t bytes, unsigned* sink) {
    extern __shared__ __align__(128) unsigned char ring[];
    __shared__ uint64_t full[kStages];
    const size_t pieces = (bytes + kPiece - 1) / kPiece;
    const size_t perBlock = (pieces + gridDim.x - 1) / gridDim.x;
    const size_t begin = blockIdx.x * perBlock, end = min(pieces, begin + perBlock);
    auto issue = [&](size_t piece) {
        uint64_t* bar = &full[(piece - begin) % kStages];
        asm volatile("mbarrier.arrive.expect_tx.shared.b64 _, [%0], %1;" ::"r"(sharedAddress(bar)), "r"(kPiece));
        asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                         sharedAddress(ring + (piece - begin) % kStages * kPiece)),
                     "l"(data + piece * kPiece), "r"(kPiece), "r"(sharedAddress(bar))
                     : "memory");
    };
    if (threadIdx.x == 0) {
        for (int s = 0; s < kStages; ++s)
            asm volatile("mbarrier.init.shared.b64 [%0], 1;" ::"r"(sharedAddress(&full[s])));
        asm volatile("fence.mbarrier_init.release.cluster;");
        for (size_t piece = begin; piece < min(end, begin + kStages); ++piece) issue(piece);
    }
    __syncthreads();
    unsigned x = 0;
    for (size_t piece = begin; piece < end; ++piece) {
        const int stage = (piece - begin) % kStages, parity = ((piece - begin) / kStages) & 1;
        asm volatile(
            "{ .reg .pred done; WAIT: mbarrier.try_wait.parity.shared.b64 done, [%0], %1; @!done bra WAIT; }" ::"r"(
                sharedAddress(&full[stage])),
            "r"(parity));
        x ^= reinterpret_cast<const unsigned*>(ring + stage * kPiece)[threadIdx.x];
        __syncthreads();
        if (threadIdx.x == 0 && piece + kStages < end) issue(piece + kStages);
    }
    if (x == 0x9E3779B9u) *sink = x;
}

class ColdTimer {
public:
    ColdTimer() {
        CHECK(cudaStreamCreate(&stream_));
        CHECK(cudaEventCreate(&start_));
        CHECK(cudaEventCreate(&stop_));
        int* flag = nullptr;
        CHECK(cudaHostAlloc(&flag, sizeof(int), cudaHostAllocMapped));
        flag_ = flag;
        CHECK(cudaHostGetDevicePointer(&flagDevice_, flag, 0));
        int device = 0, l2 = 0;
        CHECK(cudaGetDevice(&device));
        CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
        flushCount_ = 2 * size_t(l2) / 16;
        CHECK(cudaMalloc(&flush_, flushCount_ * 16));
        CHECK(cudaMemset(flush_, 0x5a, flushCount_ * 16));
        CHECK(cudaMalloc(&sink_, sizeof(unsigned)));
    }
    cudaStream_t stream() const { return stream_; }
    unsigned* sink() const { return sink_; }

    // Median of 40 cold samples, in microseconds.
    template <class Launch>
    double median(Launch&& launch) {
        std::vector<double> samples;
        for (int i = 0; i <= 40; ++i) {  // the first is a warm-up
            readThrough<<<528, 256, 0, stream_>>>(flush_, flushCount_, sink_);
            *flag_ = 0;
            holdStream<<<1, 1, 0, stream_>>>(flagDevice_);
            CHECK(cudaEventRecord(start_, stream_));
            launch();
            CHECK(cudaEventRecord(stop_, stream_));
            *flag_ = 1;
            CHECK(cudaEventSynchronize(stop_));
            CHECK(cudaGetLastError());
            float ms = 0;
            CHECK(cudaEventElapsedTime(&ms, start_, stop_));
            if (i > 0) samples.push_back(ms * 1e3);
        }
        std::sort(samples.begin(), samples.end());
        return samples[samples.size() / 2];
    }

    // Median of 40 replays of graph, in microseconds per read: no flush (the copies evict each
    // other), the replay queued behind the held stream as the cold samples are.
    double streamMedian(cudaGraphExec_t graph, int copies) {
        std::vector<double> samples;
        for (int i = 0; i <= 40; ++i) {  // the first is a warm-up
            *flag_ = 0;
            holdStream<<<1, 1, 0, stream_>>>(flagDevice_);
            CHECK(cudaEventRecord(start_, stream_));
            CHECK(cudaGraphLaunch(graph, stream_));
            CHECK(cudaEventRecord(stop_, stream_));
            *flag_ = 1;
            CHECK(cudaEventSynchronize(stop_));
            CHECK(cudaGetLastError());
            float ms = 0;
            CHECK(cudaEventElapsedTime(&ms, start_, stop_));
            if (i > 0) samples.push_back(ms * 1e3 / copies);
        }
        std::sort(samples.begin(), samples.end());
        return samples[samples.size() / 2];
    }

private:
    cudaStream_t stream_{};
    cudaEvent_t start_{}, stop_{};
    volatile int* flag_ = nullptr;
    int* flagDevice_ = nullptr;
    uint4* flush_ = nullptr;
    size_t flushCount_ = 0;
    unsigned* sink_ = nullptr;
};

// The backend's copy-bandwidth ceiling: best of 10 device-to-device copies of 1 GiB, read + write.
double copyBytesPerSecond(cudaStream_t stream) {
    const size_t bytes = size_t(1) << 30;
    void *src = nullptr, *dst = nullptr;
    CHECK(cudaMalloc(&src, bytes));
    CHECK(cudaMalloc(&dst, bytes));
    CHECK(cudaMemset(src, 1, bytes));
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    float best = 0;
    for (int i = 0; i <= 10; ++i) {
        CHECK(cudaEventRecord(a, stream));
        CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream));
        CHECK(cudaEventRecord(b, stream));
        CHECK(cudaEventSynchronize(b));
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        if (i > 0 && (best == 0 || ms < best)) best = ms;
    }
    CHECK(cudaFree(src));
    CHECK(cudaFree(dst));
    return 2.0 * double(bytes) / (best * 1e-3);
}

// derived_metrics.cpp's minimumBytes at m = 1, group 128, no act-order.
size_t problemBytes(size_t n, size_t k) {
    const size_t groups = k / 128;
    return k * n / 2 + groups * n * 2 + groups * n / 2 + k * 2 + n * 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::pair<size_t, size_t>> shapes;  // (n, k)
    for (int i = 1; i < argc; ++i) {
        size_t n = 0, k = 0;
        char rest = 0;
        if (std::sscanf(argv[i], "%zux%zu%c", &n, &k, &rest) != 2 || n == 0 || k == 0 || k % 128 != 0) {
            std::fprintf(stderr, "shape '%s' is not NxK with n > 0 and k a positive multiple of 128\n", argv[i]);
            return 2;
        }
        shapes.emplace_back(n, k);
    }
    if (shapes.empty()) shapes = {{8192, 8192}, {15360, 5120}, {5120, 5120}, {27648, 5120}, {5120, 13824}};

    ColdTimer timer;
    cudaDeviceProp prop{};
    CHECK(cudaGetDeviceProperties(&prop, 0));
    const double copy = copyBytesPerSecond(timer.stream());
    const int sms = prop.multiProcessorCount;
    std::printf("%s, %d SMs, copy bandwidth %.0f GB/s\n", prop.name, sms, copy / 1e9);
    std::printf("empty kernel (%d blocks): %.2f us\n", sms,
                timer.median([&] { emptyKernel<<<sms, 256, 0, timer.stream()>>>(); }));

    int l2 = 0;
    CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0));
    CHECK(cudaFuncSetAttribute(readBulk<4, 16384>, cudaFuncAttributeMaxDynamicSharedMemorySize, 4 * 16384));

    // A read pattern: its name and a launch reading `bytes` from a given copy.
    using Read = std::function<void(const unsigned char*, size_t)>;
    std::vector<std::pair<std::string, Read>> patterns;
    for (int blocks : {1, 2, 4, 8})
        for (int threads : {256, 512}) {
            if (blocks * threads > 2048) continue;
            patterns.emplace_back(
                "loads, 4 deep, " + std::to_string(blocks) + " x " + std::to_string(threads) + " per SM",
                [&timer, sms, blocks, threads](const unsigned char* from, size_t bytes) {
                    readLoads<4><<<sms * blocks, threads, 0, timer.stream()>>>(reinterpret_cast<const uint4*>(from),
                                                                               bytes / 16, timer.sink());
                });
        }
    for (int blocks : {1, 2})
        patterns.emplace_back("bulk copies, 4 x 16 KB, " + std::to_string(blocks) + " block(s) per SM",
                              [&timer, sms, blocks](const unsigned char* from, size_t bytes) {
                                  readBulk<4, 16384>
                                      <<<sms * blocks, 128, 4 * 16384, timer.stream()>>>(from, bytes, timer.sink());
                              });

    for (auto [n, k] : shapes) {
        const size_t bytes = problemBytes(n, k);
        const size_t stride = (bytes + 16384 + 4095) / 4096 * 4096;  // bulk reads may pass the end by a piece
        const int copies = int(std::clamp<size_t>((4 * size_t(l2) + bytes - 1) / bytes, 2, 1024));
        unsigned char* data = nullptr;
        CHECK(cudaMalloc(&data, stride * copies));
        CHECK(cudaMemset(data, 0x37, stride * copies));
        const double floorUs = bytes / copy * 1e6;
        std::printf("\nm = 1, n = %zu, k = %zu: %zu bytes, floor %.2f us; stream over %d copies\n", n, k, bytes,
                    floorUs, copies);
        std::printf("  %-40s %18s %18s\n", "pattern", "cold", "stream");
        double bestCold = 0, bestStream = 0;
        for (const auto& pattern : patterns) {
            const Read& read = pattern.second;
            const double cold = timer.median([&] { read(data, bytes); });
            cudaGraph_t graph = nullptr;
            cudaGraphExec_t replay = nullptr;
            CHECK(cudaStreamBeginCapture(timer.stream(), cudaStreamCaptureModeThreadLocal));
            for (int c = 0; c < copies; ++c) read(data + size_t(c) * stride, bytes);
            CHECK(cudaStreamEndCapture(timer.stream(), &graph));
            CHECK(cudaGraphInstantiate(&replay, graph, 0));
            const double stream = timer.streamMedian(replay, copies);
            CHECK(cudaGraphExecDestroy(replay));
            CHECK(cudaGraphDestroy(graph));
            std::printf("  %-40s %7.2f us %5.1f %% %7.2f us %5.1f %%\n", pattern.first.c_str(), cold,
                        100 * floorUs / cold, stream, 100 * floorUs / stream);
            if (bestCold == 0 || cold < bestCold) bestCold = cold;
            if (bestStream == 0 || stream < bestStream) bestStream = stream;
        }
        std::printf("  best: cold %.2f us = %.1f %% of floor; stream %.2f us = %.1f %% of floor\n", bestCold,
                    100 * floorUs / bestCold, bestStream, 100 * floorUs / bestStream);
        CHECK(cudaFree(data));
    }
    return 0;
}
