// Adds the CUDA backend to the registry. Compiled into each front end that links q4backends, so
// the registration runs before main() whatever the linker keeps of the static kernel library.
#include "backend/backend_registry.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_devices.h"
#include "cuda/gpu_kernel.h"

namespace {

const bool registered = [] {
    q4::BackendRegistry::instance().add({
        "cuda",
        "CUDA kernels timed with CUDA events on one stream",
        1,  // preferred by auto whenever a device is usable
        [] { return q4::listCudaDevices(); },
        [] {
            std::vector<q4::KernelInfo> infos;
            for (const auto& entry : q4::kernelRegistry()) infos.push_back(entry.info);
            return infos;
        },
        [](int device) { return q4::makeCudaBackend(device); },
    });
    return true;
}();

}  // namespace
