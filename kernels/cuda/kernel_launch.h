#pragma once
// A launch configuration for cudaLaunchKernelEx. dependent: the kernel may start as the
// programmatic dependent of the previous kernel in its stream (sm_90), i.e. before that kernel
// ends; it waits (griddepcontrol.wait) before reading that kernel's output.
#include <cuda_runtime.h>

#include <cstddef>

namespace q4 {

class KernelLaunch {
public:
    KernelLaunch(dim3 grid, dim3 block, std::size_t sharedBytes, cudaStream_t stream, bool dependent) {
        config_.gridDim = grid;
        config_.blockDim = block;
        config_.dynamicSmemBytes = sharedBytes;
        config_.stream = stream;
        if (!dependent) return;
        dependent_.id = cudaLaunchAttributeProgrammaticStreamSerialization;
        dependent_.val.programmaticStreamSerializationAllowed = 1;
        config_.attrs = &dependent_;
        config_.numAttrs = 1;
    }
    KernelLaunch(const KernelLaunch&) = delete;  // config_ points into this object
    KernelLaunch& operator=(const KernelLaunch&) = delete;

    const cudaLaunchConfig_t* config() const { return &config_; }

private:
    cudaLaunchConfig_t config_{};
    cudaLaunchAttribute dependent_{};
};

}  // namespace q4
