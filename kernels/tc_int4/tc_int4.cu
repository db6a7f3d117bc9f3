// tc_int4: W4A16 GEMM on tensor cores with weights reshuffled offline into mma fragment order,
// dequantized in registers (lop3 + magic number), split-k with a deterministic reduction, and
// act-order handled by sorting rows at prepare and gathering activation columns in the A load.
// Limits: n % 16, k % 64, group size a multiple of 16 or -1; m any (64 rows per launch).
#include "tc_int4/tc_int4.h"

#include <algorithm>

#include "cuda_check.h"
#include "tc_int4/fragment_layout.h"
#include "tc_int4/tc_int4_kernel.cuh"

namespace q4 {

TcInt4Plan planTcInt4(std::int64_t m, std::int64_t n, std::int64_t k, int multiprocessors) {
    TcInt4Plan plan;
    plan.mPerLaunch = int(std::min<std::int64_t>(m, 64));
    const std::int64_t nBlocks = (n + 127) / 128;
    // Enough blocks for about three per SM, but slices of at least 256 k.
    const std::int64_t wanted = std::max<std::int64_t>(1, (3 * std::int64_t(multiprocessors) + nBlocks - 1) / nBlocks);
    const std::int64_t slices = std::clamp<std::int64_t>(wanted, 1, std::max<std::int64_t>(1, k / 256));
    const std::int64_t sliceK = ((k + slices - 1) / slices + 63) / 64 * 64;
    plan.sliceK = int(sliceK);
    plan.slices = int((k + sliceK - 1) / sliceK);
    return plan;
}

namespace {

template <int MT>
Status launch(const tc::Params& p, int nBlocks, cudaStream_t stream) {
    tc::tcInt4Kernel<MT><<<dim3(unsigned(nBlocks), unsigned(p.slices)), tc::kThreads, 0, stream>>>(p);
    return launchStatus("tc_int4 kernel");
}

}  // namespace

Status TcInt4::prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) {
    auto layout = makeFragmentLayout(layer);
    if (!layout) return Status::failure(layout.error());
    n_ = point.n;
    k_ = point.k;
    groupSize_ = layout->groupSize;
    multiprocessors_ = context.multiprocessors;
    DeviceAllocator& alloc = *context.allocator;
    auto upload = [&](DeviceBuffer& dst, const auto& host, MemoryUse use) -> Status {
        if (host.empty()) return Status::success();
        auto buffer = alloc.upload(host.data(), host.size() * sizeof(host[0]), use);
        if (!buffer) return Status::failure(buffer.error());
        dst = std::move(buffer).value();
        return Status::success();
    };
    Q4_CHECK(upload(weights_, layout->words, MemoryUse::Weights));
    Q4_CHECK(upload(scales_, layout->scales, MemoryUse::Scales));
    Q4_CHECK(upload(zeros_, layout->zeros, MemoryUse::Zeros));
    Q4_CHECK(upload(permutation_, layout->permutation, MemoryUse::GIdx));

    const TcInt4Plan plan = planTcInt4(point.m, n_, k_, multiprocessors_);
    if (plan.slices > 1) {
        auto partials = alloc.allocate(std::size_t(plan.slices) * plan.mPerLaunch * n_ * sizeof(float),
                                       MemoryUse::Workspace);
        if (!partials) return Status::failure(partials.error());
        partials_ = std::move(partials).value();
    }
    auto counters = alloc.allocate(std::size_t((n_ + 127) / 128) * sizeof(int), MemoryUse::Workspace);
    if (!counters) return Status::failure(counters.error());
    counters_ = std::move(counters).value();
    return cudaStatus(cudaMemsetAsync(counters_.data(), 0, counters_.bytes(), context.stream), "counters");
}

Status TcInt4::run(const void* a, void* c, std::int64_t m, GpuContext& context) {
    const TcInt4Plan plan = planTcInt4(m, n_, k_, multiprocessors_);
    const int nBlocks = int((n_ + 127) / 128);
    for (std::int64_t row = 0; row < m; row += plan.mPerLaunch) {
        tc::Params p{};
        p.weights = weights_.as<uint4>();
        p.scales = scales_.as<uint32_t>();
        p.zeros = zeros_.as<uint32_t>();
        p.a = static_cast<const __half*>(a) + row * k_;
        p.permutation = permutation_.as<int32_t>();
        p.c = static_cast<__half*>(c) + row * n_;
        p.partials = partials_.as<float>();
        p.counters = counters_.as<int>();
        p.m = int(std::min<std::int64_t>(plan.mPerLaunch, m - row));
        p.n = int(n_);
        p.k = int(k_);
        p.groupSize = groupSize_;
        p.sliceK = plan.sliceK;
        p.slices = plan.slices;
        Status s;
        if (p.m <= 8) s = launch<1>(p, nBlocks, context.stream);
        else if (p.m <= 16) s = launch<2>(p, nBlocks, context.stream);
        else if (p.m <= 32) s = launch<4>(p, nBlocks, context.stream);
        else s = launch<8>(p, nBlocks, context.stream);
        if (!s) return s;
    }
    return Status::success();
}

std::string TcInt4::path(std::int64_t m) const {
    const TcInt4Plan plan = planTcInt4(m, n_, k_, multiprocessors_);
    return "mma m" + std::to_string(std::min<std::int64_t>(m, 64)) + " x" +
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
             "(lop3 magic), split-k with a deterministic reduction, act-order by sorted rows and a gathered A load.",
             "n % 16 == 0, k % 64 == 0, group size a multiple of 16 or -1; sm_80+", true},
            tcInt4Supports,
            [] { return std::make_unique<TcInt4>(); }};
}

}  // namespace q4
