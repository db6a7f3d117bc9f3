// The wgmma_int4 registry entry: tc_int4's prepared weights run through the Hopper kernel at
// every m, so it can be compared with the other paths directly.
#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"
#include "tc_int4/tc_int4.h"
#include "wgmma_int4/wgmma_int4.h"

namespace q4 {
namespace {

class WgmmaInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        Q4_CHECK(tc_.prepare(layer, point, context));
        return runner_.prepare(point.m, point.n, point.k, context.multiprocessors, *context.allocator, context.stream);
    }
    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override {
        Q4_CHECK(tc_.prepareFromDevice(layer, deviceQweight, point, context));
        return runner_.prepare(point.m, point.n, point.k, context.multiprocessors, *context.allocator, context.stream);
    }
    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        auto sorted = tc_.sortedActivations(a, m, context);
        if (!sorted) return Status::failure(sorted.error());
        return runner_.run(tc_.weights(), *sorted, c, m, *sorted != a, context.stream);
    }
    std::string path(std::int64_t m) const override { return runner_.path(m); }

private:
    TcInt4 tc_;
    WgmmaInt4Runner runner_;
};

}  // namespace

Status wgmmaInt4Supports(const SweepPoint& point, const GpuContext& context) {
    if (context.computeCapability != 0 && !wgmmaInt4Runs(context.computeCapability))
        return Status::failure("wgmma_int4 needs compute capability 9.0 (sm_90a wgmma); this device has " +
                               std::to_string(context.computeCapability / 10) + "." +
                               std::to_string(context.computeCapability % 10));
    return tcInt4Supports(point, context);
}

KernelEntry wgmmaInt4Entry() {
    return {{"wgmma_int4", "tensor-core",
             "Ours, Hopper only: warpgroup wgmma with the dequantized weights as the register operand and "
             "activations in swizzled shared memory, fed by a producer warp (tensor copies for activations and "
             "weights, bulk copies for scales and zeros) through an mbarrier ring; deterministic split-k. Same "
             "weights as tc_int4.",
             "compute capability 9.0; n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1", true},
            wgmmaInt4Supports,
            [] { return std::make_unique<WgmmaInt4>(); }};
}

}  // namespace q4
