#include <algorithm>
#include <memory>

#include "cuda/cuda_check.h"
#include "cuda/gpu_timer.h"

namespace q4 {
namespace {

// Spins until the host sets the flag, or gives up after ~1 s so a lost release never hangs.
__global__ void blockStream(const volatile int* flag) {
    const long long start = clock64();
    while (*flag == 0) {
        if (clock64() - start > 2000000000LL) break;
    }
}

// Reads the flush buffer so the L2 ends up holding its lines, clean. A memset flush would leave
// the L2 full of dirty lines, and the timed kernel would then pay for writing them back.
__global__ void readThrough(const uint4* __restrict__ data, size_t count, unsigned* __restrict__ sink) {
    unsigned x = 0;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) {
        const uint4 v = __ldcg(data + i);
        x ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (x == 0x9E3779B9u) *sink = x;  // keeps the loads; practically never taken
}

}  // namespace

Expected<std::unique_ptr<GpuTimer>> GpuTimer::create(cudaStream_t stream, std::size_t l2Bytes) {
    std::unique_ptr<GpuTimer> timer(new GpuTimer());
    timer->stream_ = stream;
    int device = 0;
    Q4_CUDA(cudaGetDevice(&device));
    Q4_CUDA(cudaDeviceGetAttribute(&timer->multiprocessors_, cudaDevAttrMultiProcessorCount, device));
    Q4_CUDA(cudaEventCreate(&timer->start_));
    Q4_CUDA(cudaEventCreate(&timer->stop_));
    int* host = nullptr;
    Q4_CUDA(cudaHostAlloc(&host, sizeof(int), cudaHostAllocMapped));
    *host = 0;
    timer->releaseFlag_ = host;
    Q4_CUDA(cudaHostGetDevicePointer(&timer->releaseFlagDevice_, host, 0));
    // Writing twice the L2 size evicts everything a kernel left there.
    auto flush = timer->allocator_.allocate(2 * l2Bytes, MemoryUse::Workspace);
    if (!flush) return Error{flush.error()};
    timer->flushBuffer_ = std::move(flush).value();
    Q4_CUDA(cudaMemsetAsync(timer->flushBuffer_.data(), 0x5a, timer->flushBuffer_.bytes(), stream));
    Q4_CUDA(cudaStreamSynchronize(stream));
    return Expected<std::unique_ptr<GpuTimer>>(std::move(timer));
}

GpuTimer::~GpuTimer() {
    flushBuffer_.release();
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (releaseFlag_) cudaFreeHost(const_cast<int*>(releaseFlag_));
}

Status GpuTimer::flushL2() {
    readThrough<<<unsigned(4 * std::max(multiprocessors_, 1)), 256, 0, stream_>>>(flushBuffer_.as<uint4>(), flushBuffer_.bytes() / 16,
                                                                 static_cast<unsigned*>(flushBuffer_.data()));
    return launchStatus("L2 flush");
}

Status GpuTimer::warmUp(const std::function<Status()>& enqueue) {
    Q4_CHECK(enqueue());
    return cudaStatus(cudaStreamSynchronize(stream_), "warm-up");
}

Expected<double> GpuTimer::time(const std::function<Status()>& enqueue, bool flushL2First) {
    if (flushL2First) Q4_CHECK(flushL2());
    *releaseFlag_ = 0;
    blockStream<<<1, 1, 0, stream_>>>(releaseFlagDevice_);
    Q4_CHECK(launchStatus("blocking kernel"));
    Q4_CUDA(cudaEventRecord(start_, stream_));
    const Status enqueued = enqueue();
    Q4_CUDA(cudaEventRecord(stop_, stream_));
    *releaseFlag_ = 1;
    Q4_CUDA(cudaEventSynchronize(stop_));
    if (!enqueued) return Error{enqueued.message};
    Q4_CUDA(cudaGetLastError());
    float ms = 0;
    Q4_CUDA(cudaEventElapsedTime(&ms, start_, stop_));
    return double(ms) * 1e-3;
}

}  // namespace q4
