// The gemv_int4 registry entry: tc_int4's prepared weights through the m <= 8 kernel.
#include "cuda/kernel_entries.h"
#include "gemv_int4/gemv_int4.h"
#include "tc_int4/tc_int4.h"

namespace q4 {
namespace {

class GemvInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        multiprocessors_ = context.multiprocessors;
        return tc_.prepare(layer, point, context);
    }
    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override {
        multiprocessors_ = context.multiprocessors;
        return tc_.prepareFromDevice(layer, deviceQweight, point, context);
    }
    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        auto sorted = tc_.sortedActivations(a, m, context);
        if (!sorted) return Status::failure(sorted.error());
        return runGemvInt4(tc_.weights(), *sorted, c, m, *sorted != a, multiprocessors_, context.stream);
    }
    std::string path(std::int64_t) const override {
        return gemvInt4Path(tc_.weights().n, tc_.weights().k, multiprocessors_);
    }

private:
    TcInt4 tc_;
    int multiprocessors_ = 132;
};

}  // namespace

KernelEntry gemvInt4Entry() {
    return {{"gemv_int4", "gemv",
             "Ours: an m <= 8 specialist on tensor cores with no fixed costs around the weight stream. One block "
             "per 16 features, its warps splitting k (summed in shared memory, deterministic); each warp keeps "
             "3 k64 steps in flight (weights in registers, activation rows by cp.async) and fetches scales a "
             "group ahead. Same weights as tc_int4.",
             "m <= 8; n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1; sm_80+", true},
            [](const SweepPoint& point, const GpuContext& context) -> Status {
                if (point.m > kGemvInt4MaxM)
                    return Status::failure("m=" + std::to_string(point.m) + " is above 8 (gemv_int4 is an m <= 8 specialist)");
                return tcInt4Supports(point, context);
            },
            [] { return std::make_unique<GemvInt4>(); }};
}

}  // namespace q4
