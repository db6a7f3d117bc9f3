#include <memory>

#include "cuda_check.h"
#include "gpu_timer.h"

namespace q4 {
namespace {

// Spins until the host sets the flag, or gives up after ~1 s so a lost release never hangs.
__global__ void blockStream(const volatile int* flag) {
    const long long start = clock64();
    while (*flag == 0) {
        if (clock64() - start > 2000000000LL) break;
    }
}

}  // namespace

Expected<std::unique_ptr<GpuTimer>> GpuTimer::create(cudaStream_t stream, std::size_t l2Bytes) {
    std::unique_ptr<GpuTimer> timer(new GpuTimer());
    timer->stream_ = stream;
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
    return Expected<std::unique_ptr<GpuTimer>>(std::move(timer));
}

GpuTimer::~GpuTimer() {
    flushBuffer_.release();
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (releaseFlag_) cudaFreeHost(const_cast<int*>(releaseFlag_));
}

Status GpuTimer::flushL2() {
    return cudaStatus(cudaMemsetAsync(flushBuffer_.data(), int(flushBuffer_.bytes() & 0xff), flushBuffer_.bytes(),
                                      stream_),
                      "L2 flush");
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
