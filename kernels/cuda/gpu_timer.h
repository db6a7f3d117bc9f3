#pragma once
// Times one launch sequence on a stream with CUDA events. A blocking kernel holds the stream
// until every launch of the sample is queued, so host launch latency never lands inside the
// timed region (the same idea as nvbench's blocking kernel). The cold-L2 flush runs before the
// start event and reads twice the L2 size, so the timed kernel finds none of its data in L2 and
// no dirty lines to write back.
#include <cuda_runtime.h>

#include <functional>

#include "cuda/device_memory.h"
#include "common/expected.h"

namespace q4 {

class GpuTimer {
public:
    static Expected<std::unique_ptr<GpuTimer>> create(cudaStream_t stream, std::size_t l2Bytes);
    ~GpuTimer();
    GpuTimer(const GpuTimer&) = delete;
    GpuTimer& operator=(const GpuTimer&) = delete;

    // Seconds between the start and stop events around enqueue(). enqueue launches work on the stream.
    Expected<double> time(const std::function<Status()>& enqueue, bool flushL2);
    // Runs enqueue once on the stream, untimed and unblocked, and waits for it. Call it before
    // timing launches the process may not have run yet: a kernel's first launch can load its code
    // (lazy module loading), which waits for the device, so behind the blocking kernel it stalls
    // until that kernel gives up (about a second per new kernel).
    Status warmUp(const std::function<Status()>& enqueue);
    Status flushL2();
    cudaStream_t stream() const { return stream_; }  // where time() records its events

private:
    GpuTimer() = default;
    cudaStream_t stream_ = nullptr;
    int multiprocessors_ = 0;  // sizes the flush grid
    cudaEvent_t start_ = nullptr, stop_ = nullptr;
    volatile int* releaseFlag_ = nullptr;  // pinned, mapped: the host releases the blocking kernel
    int* releaseFlagDevice_ = nullptr;
    DeviceAllocator allocator_;
    DeviceBuffer flushBuffer_;
};

}  // namespace q4
