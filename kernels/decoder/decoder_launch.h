#pragma once
// How the decoder's own kernels are launched: on compute capability 9.0 and newer as programmatic
// dependents of the kernel before them in the stream, so their launch overlaps that kernel's
// tail instead of following its completion (a decode step is ~10 launches per block, and the
// small ones are as short as their launch). Every such kernel calls dec::waitForPrerequisites()
// before touching global memory, which is what keeps the stream's order for its data, and then
// lets the next kernel launch. The linear kernels join in through GpuContext::dependentLaunch.
#include <cuda_runtime.h>

#include <utility>

#include "cuda/kernel_launch.h"

namespace q4 {

// The current device supports programmatic dependent launch (read once per device), unless the
// environment sets Q4BENCH_SERIAL_DECODER_LAUNCH (to measure what the overlap is worth).
bool decoderDependentLaunch();

template <typename... Params, typename... Args>
cudaError_t launchDecoderKernel(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t sharedBytes,
                                cudaStream_t stream, Args&&... args) {
    const KernelLaunch shape(grid, block, sharedBytes, stream, decoderDependentLaunch());
    return cudaLaunchKernelEx(shape.config(), kernel, std::forward<Args>(args)...);
}

}  // namespace q4
