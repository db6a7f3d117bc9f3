// tc_int4: W4A16 GEMM on tensor cores with weights reshuffled offline into mma fragment order,
// dequantized in registers (lop3 + magic number), split-k with a deterministic reduction, and
// act-order handled by sorting rows at prepare and reordering activation columns into that order
// in a pre-pass whose tail overlaps the main kernel's start (programmatic dependent launch).
// Limits: n % 16, k % 64, group size a multiple of 32 or -1; m any (32 rows per launch).
#include "tc_int4/tc_int4.h"

#include <algorithm>

#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"
#include "cuda/kernel_launch.h"
#include "cuda/split_k.h"
#include "int4_layout/fragment_layout.h"
#include "int4_layout/fragment_words.h"
#include "tc_int4/tc_int4_kernel.cuh"

namespace q4 {

TcInt4Plan planTcInt4(std::int64_t m, std::int64_t n, std::int64_t k, int groupSize, int multiprocessors) {
    TcInt4Plan plan;
    // At most 32 rows per launch: 64 rows (8 m tiles) need more registers than a warp can hold
    // without spilling, and measured slower than two launches of 32.
    plan.mPerLaunch = int(std::min<std::int64_t>(m, 32));
    plan.mTiles = plan.mPerLaunch <= 8 ? 1 : plan.mPerLaunch <= 16 ? 2 : 4;
    const int group = int(effectiveGroupSize(groupSize, k));
    const std::int64_t nBlocks = (n + 127) / 128;
    const std::int64_t slots = std::int64_t(tc::blocksPerSm(plan.mTiles)) * multiprocessors;
    plan.residentSlots = int(slots);
    // Activations of a slice take 16 mTiles bytes per k; keep them within 64 KiB.
    const std::int64_t maxSliceK = std::max<std::int64_t>(64, (65536 / (16 * plan.mTiles) - tc::kRowPad) / 64 * 64);
    // A slice at least as long as the weight pipeline, or its block never reaches a steady stream
    // (at n = 13824, k = 2048 the wave filling alone chose 7 waves of one-step slices: 24 µs,
    // against 12.6 with 4 slices of 8 steps).
    const std::int64_t minSlices = (k + maxSliceK - 1) / maxSliceK;
    const std::int64_t pipelineK = 64 * (plan.mTiles == 1 ? tc::kPipeline<1> : plan.mTiles == 2 ? tc::kPipeline<2> : tc::kPipeline<4>);
    const SplitK split = waveFillingSplit(k, nBlocks, slots, minSlices, std::max(minSlices, k / pipelineK));
    plan.slices = split.slices;
    plan.sliceK = split.sliceK;
    plan.sharedBytes = tc::activationBytes(plan.mTiles, plan.sliceK) + tc::scaleBytes(plan.sliceK, group);
    return plan;
}

std::size_t tcInt4PartialFloats(const TcInt4Plan& plan, std::int64_t n) { return splitKPartialFloats(plan, n); }

std::size_t tcInt4PartialFloats(std::int64_t maxM, std::int64_t n, std::int64_t k, int groupSize, int multiprocessors) {
    return splitKPartialFloatsUpTo(maxM, n, [&](std::int64_t m) { return planTcInt4(m, n, k, groupSize, multiprocessors); });
}

namespace {

// dependent: launched right after the act-order reordering, as its programmatic dependent (sm_90),
// so the weight stream starts while the reordering finishes; the kernel waits before reading A.
template <int MT>
Status launch(const tc::Params& p, int nBlocks, int sharedBytes, bool dependent, cudaStream_t stream) {
    static const cudaError_t raised =  // once per instantiation: allow up to 200 KiB of dynamic shared memory
        cudaFuncSetAttribute(tc::tcInt4Kernel<MT>, cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024);
    if (raised != cudaSuccess) return cudaStatus(raised, "tc_int4 shared memory limit");
    const KernelLaunch shape(dim3(unsigned(nBlocks), unsigned(p.slices)), dim3(tc::kThreads),
                             std::size_t(sharedBytes), stream, dependent);
    Q4_CHECK(cudaStatus(cudaLaunchKernelEx(shape.config(), tc::tcInt4Kernel<MT>, p), "tc_int4 launch"));
    return launchStatus("tc_int4 kernel");
}

}  // namespace

Status TcInt4::prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) {
    auto layout = makeFragmentLayout(layer);
    if (!layout) return Status::failure(layout.error());
    Q4_CHECK(uploadVector(*context.allocator, layout->words, MemoryUse::Weights, weights_));
    return prepareTensors(*layout, point, context);
}

Status TcInt4::prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                                 GpuContext& context) {
    auto layout = makeFragmentTensors(layer);
    if (!layout) return Status::failure(layout.error());
    auto words = context.allocator->allocate(std::size_t(layer.n * layer.k / 8) * sizeof(std::uint32_t),
                                             MemoryUse::Weights);
    if (!words) return Status::failure(words.error());
    weights_ = std::move(words).value();
    Q4_CHECK(prepareTensors(*layout, point, context));
    // The sorted row order is the act-order source-column table just uploaded.
    const auto* sortedToRow = layout->permutation.empty() ? nullptr : sourceColumn_.as<std::int32_t>();
    return launchFragmentWords(deviceQweight, sortedToRow, layer.n, layer.k, weights_.data(), context.stream);
}

Status TcInt4::prepareTensors(const FragmentLayout& layout, const SweepPoint& point, GpuContext& context) {
    n_ = point.n;
    k_ = point.k;
    groupSize_ = layout.groupSize;
    multiprocessors_ = context.multiprocessors;
    programmaticLaunch_ = context.computeCapability >= 90;
    DeviceAllocator& alloc = *context.allocator;
    Q4_CHECK(uploadVector(alloc, layout.scales, MemoryUse::Scales, scales_));
    Q4_CHECK(uploadVector(alloc, layout.zeros, MemoryUse::Zeros, zeros_));
    // Act-order: each original activation column's place in the sorted order, and back.
    std::vector<std::int32_t> sortedPosition(layout.permutation.size());
    for (std::size_t i = 0; i < sortedPosition.size(); ++i) sortedPosition[std::size_t(layout.permutation[i])] = int(i);
    Q4_CHECK(uploadVector(alloc, sortedPosition, MemoryUse::GIdx, sortedPosition_));
    Q4_CHECK(uploadVector(alloc, layout.permutation, MemoryUse::GIdx, sourceColumn_));

    const std::size_t partialFloats = tcInt4PartialFloats(point.m, n_, k_, groupSize_, multiprocessors_);
    if (partialFloats > 0) {
        auto partials = alloc.allocate(partialFloats * sizeof(float), MemoryUse::Workspace);
        if (!partials) return Status::failure(partials.error());
        partials_ = std::move(partials).value();
    }
    if (!layout.permutation.empty()) {  // activations put into sorted order for every call
        auto sorted = alloc.allocate(std::size_t(point.m * k_) * 2, MemoryUse::Workspace);
        if (!sorted) return Status::failure(sorted.error());
        sortedA_ = std::move(sorted).value();
    }
    auto counters = alloc.allocate(std::size_t((n_ + 127) / 128) * sizeof(int), MemoryUse::Workspace);
    if (!counters) return Status::failure(counters.error());
    counters_ = std::move(counters).value();
    return cudaStatus(cudaMemsetAsync(counters_.data(), 0, counters_.bytes(), context.stream), "counters");
}

Status TcInt4::run(const void* a, void* c, std::int64_t m, GpuContext& context) {
    const TcInt4Plan plan = planTcInt4(m, n_, k_, groupSize_, multiprocessors_);
    // Refuse a plan that would leave outputs unwritten (a slice without k) or write partials past the
    // workspace, into neighbouring allocations: the n blocks' counters among them, after which no
    // block is the last of its n block and none writes the sum.
    const std::int64_t covered = std::int64_t(plan.slices) * plan.sliceK;
    if (plan.sliceK <= 0 || covered < k_ || covered - plan.sliceK >= k_)
        return Status::failure("tc_int4: " + std::to_string(plan.slices) + " slices of " +
                               std::to_string(plan.sliceK) + " do not split k=" + std::to_string(k_));
    if (tcInt4PartialFloats(plan, n_) * sizeof(float) > partials_.bytes())
        return Status::failure("tc_int4: m=" + std::to_string(m) + " needs more split-k partials than prepared");
    const int nBlocks = int((n_ + 127) / 128);
    auto sorted = sortedActivations(a, m, context);
    if (!sorted) return Status::failure(sorted.error());
    const __half* activations = static_cast<const __half*>(*sorted);
    for (std::int64_t row = 0; row < m; row += plan.mPerLaunch) {
        tc::Params p{};
        p.weights = weights_.as<uint4>();
        p.scales = scales_.as<uint32_t>();
        p.zeros = zeros_.as<uint32_t>();
        p.a = activations + row * k_;
        p.c = static_cast<__half*>(c) + row * n_;
        p.partials = partials_.as<float>();
        p.counters = counters_.as<int>();
        p.m = int(std::min<std::int64_t>(plan.mPerLaunch, m - row));
        p.n = int(n_);
        p.k = int(k_);
        p.groupSize = groupSize_;
        p.sliceK = plan.sliceK;
        p.slices = plan.slices;
        // The first grid may start early behind the reordering pass or, in a decoder, the kernel before it.
        const bool dependent = programmaticLaunch_ && row == 0 && (sortedPosition_.data() || context.dependentLaunch);
        Status s;
        switch (plan.mTiles) {
            case 1: s = launch<1>(p, nBlocks, plan.sharedBytes, dependent, context.stream); break;
            case 2: s = launch<2>(p, nBlocks, plan.sharedBytes, dependent, context.stream); break;
            default: s = launch<4>(p, nBlocks, plan.sharedBytes, dependent, context.stream); break;
        }
        if (!s) return s;
    }
    return Status::success();
}

Expected<const void*> TcInt4::sortedActivations(const void* a, std::int64_t m, GpuContext& context) {
    if (!sortedPosition_.data()) return a;
    if (std::size_t(m * k_) * 2 > sortedA_.bytes())
        return Error{"m=" + std::to_string(m) + " is above the m this kernel was prepared for"};
    // One pass puts the activation columns in the weights' sorted row order.
    const SortOrder order{sortedPosition_.as<std::int32_t>(), sourceColumn_.as<std::int32_t>()};
    if (Status s = sortColumns(a, order, sortedA_.data(), m, k_, context.stream); !s)
        return Error{s.message};
    return static_cast<const void*>(sortedA_.data());
}

std::string TcInt4::path(std::int64_t m) const {
    const TcInt4Plan plan = planTcInt4(m, n_, k_, groupSize_, multiprocessors_);
    return "mma m" + std::to_string(plan.mPerLaunch) + " x" +
           std::to_string((m + plan.mPerLaunch - 1) / plan.mPerLaunch) + " split-k " + std::to_string(plan.slices);
}

Status tcInt4Supports(const SweepPoint& point, const GpuContext& context) {
    if (context.computeCapability != 0 && context.computeCapability < 80)
        return Status::failure("tc_int4 needs sm_80 or newer (mma.sync m16n8k16 with fp32 accumulation)");
    return fragmentLayoutSupports(point.n, point.k, point.quant.groupSize);
}

KernelEntry tcInt4Entry() {
    return {{"tc_int4", "tensor-core",
             "Ours: mma.sync m16n8k16 with weights reshuffled into fragment order, register dequantization "
             "(lop3 magic), split-k with a deterministic reduction, act-order by sorted rows and an activation "
             "reordering pass that the kernel overlaps (programmatic dependent launch).",
             "n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1; sm_80+", true},
            tcInt4Supports,
            [] { return std::make_unique<TcInt4>(); }};
}

}  // namespace q4
