#pragma once
// The contract every CUDA kernel implements. A kernel converts the GPTQ layer into its own
// layout at prepare (untimed, memory tracked), then computes C [m, n] fp16 = A [m, k] fp16 * W
// on the given stream with fp32 accumulation.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "cuda/device_memory.h"

namespace q4 {

// What a kernel gets from the backend. Each prepared kernel has its own allocator, so its
// memory is exactly what it allocated. Kernels that use cuBLAS create their own handle with a
// workspace from this allocator, so cuBLAS scratch is counted too.
class GpuTimer;

struct GpuContext {
    cudaStream_t stream = nullptr;
    DeviceAllocator* allocator = nullptr;
    int multiprocessors = 0;
    int computeCapability = 0;  // 90 for sm_90
    // The backend's timer, for kernels that choose among their paths by timing them at prepare
    // (on the timer's stream, cold L2); null: they choose by rule.
    GpuTimer* timer = nullptr;
    // A model decoder's layers: no kernel may keep a second, larger copy of the weights (an fp16
    // expansion), since the model's memory is the point of int4.
    bool compactWeights = false;
    // The kernel before this run in the stream may still be running: a kernel whose first grid
    // waits (griddepcontrol.wait) before reading its inputs or writing anything launches that grid
    // as the running kernel's programmatic dependent, so its weight stream starts early (sm_90).
    // Kernels that cannot wait so ignore it. Set only by a model decoder, whose kernels all wait.
    bool dependentLaunch = false;
};

class GpuKernel {
public:
    virtual ~GpuKernel() = default;
    // Converts the layer into the kernel's layout. point.m is the largest m that run() will be
    // given, so workspace can be sized here (allocating inside run() would break graph capture).
    virtual Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) = 0;
    // prepare() for a layer whose qweight [k/8, n] int32 is already on the device (generated
    // random weights); layer holds every other tensor, its qweight empty. deviceQweight is written
    // in the context's stream order and stays valid until this returns. The default copies the
    // words to the host and calls prepare(); kernels that re-lay weights out on the device
    // override it, so a model's int4 weights need no host pass.
    virtual Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                                     GpuContext& context);
    // prepare() for a sparse point: sparse holds the kept nibbles and metadata, dense the same
    // weights with each dropped nibble at its zero point. The default prepares dense, which
    // computes the pruned product: right for kernels that run any weights densely (the baseline,
    // the reference); sparse kernels override it.
    virtual Status prepareSparse(const SparseGptqLayer& /*sparse*/, const GptqLayer& dense, const SweepPoint& point,
                                 GpuContext& context) {
        return prepare(dense, point, context);
    }
    // a: fp16 [m, k] row-major; c: fp16 [m, n] row-major; 1 <= m <= prepared m.
    // Launches only: no synchronization, no allocation.
    virtual Status run(const void* a, void* c, std::int64_t m, GpuContext& context) = 0;
    // The code path the kernel takes for m (dispatchers), else empty.
    virtual std::string path(std::int64_t /*m*/) const { return {}; }
    // Seconds the activation permutation alone takes at m, for kernels that permute at run time.
    virtual std::optional<double> permuteSeconds(const void* /*a*/, std::int64_t /*m*/, GpuContext&) {
        return std::nullopt;
    }
};

struct KernelEntry {
    KernelInfo info;
    std::function<Status(const SweepPoint&, const GpuContext&)> supports;
    std::function<std::unique_ptr<GpuKernel>()> create;
};

// Empty when the kernel runs the point: a valid GPTQ shape, a sparsity pattern it declares, and
// its own rules; else why not. The one check the backend and the model decoder both make.
Status entrySupports(const KernelEntry& entry, const SweepPoint& point, const GpuContext& context);

// Every CUDA kernel, in display order; the baseline first.
const std::vector<KernelEntry>& kernelRegistry();

}  // namespace q4
