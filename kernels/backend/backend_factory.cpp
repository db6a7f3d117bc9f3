#include "backend/backend_factory.h"

#include "backend/cpu_backend.h"
#include "backend/cuda_backend.h"
#include "backend/cuda_devices.h"
#include "backend/gpu_kernel.h"

namespace q4 {

Expected<std::unique_ptr<Backend>> createBackend(const std::string& name, int device) {
    if (name == "cpu") return makeCpuBackend();
    if (name == "cuda" || name == "auto") {
        auto devices = listCudaDevices();
        if (!devices) {
            if (name == "auto") return makeCpuBackend();
            return Error{"--backend cuda: " + devices.error() + ". Use --backend cpu to run on the CPU."};
        }
        if (device < 0 || device >= int(devices->size()))
            return Error{"--device " + std::to_string(device) + " does not exist: " + std::to_string(devices->size()) +
                         " CUDA device(s) found"};
        return makeCudaBackend(device);
    }
    return Error{"--backend '" + name + "' is unknown: use cuda, cpu or auto"};
}

std::vector<KernelInfo> kernelCatalog(const std::string& backend) {
    if (backend == "cpu") return makeCpuBackend()->kernels();
    std::vector<KernelInfo> infos;
    for (const auto& entry : kernelRegistry()) infos.push_back(entry.info);
    return infos;
}

}  // namespace q4
