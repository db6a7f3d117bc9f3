#pragma once
// tc_int4: our tensor-core W4A16 GEMM (see tc_int4_kernel.cuh for the design).
#include <optional>

#include "cuda/gpu_kernel.h"
#include "int4_layout/fragment_dequant.h"
#include "int4_layout/fragment_layout.h"

namespace q4 {

// The launch shape chosen for a problem: m rows per launch (8 per m tile), k slices (split-k),
// and the shared memory a block needs.
struct TcInt4Plan {
    int mPerLaunch = 64;
    int mTiles = 8;
    int slices = 1;
    int sliceK = 0;
    int sharedBytes = 0;
    int residentSlots = 0;  // blocks the chip holds at once for this kernel's occupancy
};
// Smallest split that fills the chip's resident blocks in whole waves (at least 90 %), with
// a slice's activations small enough to stage in shared memory.
TcInt4Plan planTcInt4(std::int64_t m, std::int64_t n, std::int64_t k, int groupSize, int multiprocessors);
// The fp32 split-k partials one launch of plan writes: [slices][mPerLaunch][n], none unsplit.
std::size_t tcInt4PartialFloats(const TcInt4Plan& plan, std::int64_t n);
// The partials every m from 1 to maxM needs: the split depends on m only through its m tile
// count, so the most rows of each count (8, 16, 32, capped at maxM) write the most.
std::size_t tcInt4PartialFloats(std::int64_t maxM, std::int64_t n, std::int64_t k, int groupSize, int multiprocessors);

class TcInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override;
    // The same weights, with the words laid out on the device from deviceQweight.
    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override;
    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override;
    std::string path(std::int64_t m) const override;

    // The prepared weights, for paths that expand them (best_int4's large-m path).
    FragmentWeightsView weights() const { return {weights_.data(), scales_.data(), zeros_.data(), n_, k_, groupSize_}; }
    // The activations in the weights' sorted row order: a itself without act-order, else a
    // reordering into a workspace (enqueued on the context's stream).
    Expected<const void*> sortedActivations(const void* a, std::int64_t m, GpuContext& context);
    // The act-order permutation between the layer's k order and the weights' (none without act-order).
    std::optional<SortOrder> sortOrder() const {
        if (!sortedPosition_.data()) return std::nullopt;
        return SortOrder{sortedPosition_.as<std::int32_t>(), sourceColumn_.as<std::int32_t>()};
    }

private:
    // Everything prepare needs besides the words: scales, zeros, the act-order tables, workspace.
    Status prepareTensors(const FragmentLayout& layout, const SweepPoint& point, GpuContext& context);

    DeviceBuffer weights_, scales_, zeros_, sortedPosition_, sourceColumn_, sortedA_, partials_, counters_;
    std::int64_t n_ = 0, k_ = 0;
    int groupSize_ = 0;
    int multiprocessors_ = 132;
    bool programmaticLaunch_ = false;  // sm_90: the kernel may start before the act-order reordering ends
};

Status tcInt4Supports(const SweepPoint& point, const GpuContext& context);

}  // namespace q4
