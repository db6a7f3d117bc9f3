// Host side of the wgmma_int4 kernel: plan, workspace, launch. Compiled for sm_90a only.
#include "hopper/wgmma_int4.h"

#include <algorithm>

#include "cuda_check.h"
#include "hopper/wgmma_int4_kernel.cuh"

namespace q4 {

WgmmaInt4Plan planWgmmaInt4(std::int64_t m, std::int64_t n, std::int64_t k, int multiprocessors) {
    WgmmaInt4Plan plan;
    plan.rowsPerTile = m <= 16 ? 16 : m <= 32 ? 32 : m <= 64 ? 64 : 128;
    plan.rowTiles = int((m + plan.rowsPerTile - 1) / plan.rowsPerTile);
    plan.nBlocks = int((n + 127) / 128);
    const std::int64_t tiles = std::int64_t(plan.rowTiles) * plan.nBlocks;
    const std::int64_t slots = std::max(1, multiprocessors);
    double bestEfficiency = -1;
    for (std::int64_t wanted = 1; wanted <= std::min<std::int64_t>(32, k / 64); ++wanted) {
        const std::int64_t sliceK = ((k + wanted - 1) / wanted + 63) / 64 * 64;
        const std::int64_t slices = (k + sliceK - 1) / sliceK;
        const std::int64_t blocks = tiles * slices;
        const double efficiency = double(blocks) / double((blocks + slots - 1) / slots * slots);
        if (efficiency > bestEfficiency + 1e-9) {
            bestEfficiency = efficiency;
            plan.slices = int(slices);
            plan.sliceK = int(sliceK);
        }
        if (efficiency >= 0.9) break;
    }
    return plan;
}

bool wgmmaInt4Runs(int computeCapability) { return computeCapability == 90; }

namespace {

std::size_t partialBytes(const WgmmaInt4Plan& plan) {
    if (plan.slices == 1) return 0;
    return std::size_t(plan.slices) * plan.rowTiles * plan.rowsPerTile * plan.nBlocks * 128 * sizeof(float);
}

template <int N>
Status launch(const hopper::Params& p, const WgmmaInt4Plan& plan, bool dependent, cudaStream_t stream) {
    constexpr int kShared = hopper::sharedBytesFor(N);
    static const cudaError_t raised =  // once per instantiation
        cudaFuncSetAttribute(hopper::wgmmaInt4Kernel<N>, cudaFuncAttributeMaxDynamicSharedMemorySize, kShared);
    if (raised != cudaSuccess) return cudaStatus(raised, "wgmma_int4 shared memory limit");
    cudaLaunchConfig_t config{};
    config.gridDim = dim3(unsigned(plan.nBlocks), unsigned(plan.rowTiles), unsigned(plan.slices));
    config.blockDim = dim3(hopper::kThreads);
    config.dynamicSmemBytes = kShared;
    config.stream = stream;
    cudaLaunchAttribute attribute{};
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    if (dependent) {
        config.attrs = &attribute;
        config.numAttrs = 1;
    }
    Q4_CHECK(cudaStatus(cudaLaunchKernelEx(&config, hopper::wgmmaInt4Kernel<N>, p), "wgmma_int4 launch"));
    return launchStatus("wgmma_int4 kernel");
}

}  // namespace

Status WgmmaInt4Runner::prepare(std::int64_t maxM, std::int64_t n, std::int64_t k, int multiprocessors,
                                DeviceAllocator& alloc, cudaStream_t stream) {
    maxM_ = maxM;
    n_ = n;
    k_ = k;
    multiprocessors_ = multiprocessors;
    std::size_t partials = 0;
    int counters = 0;
    for (std::int64_t m : {std::int64_t(16), std::int64_t(32), std::int64_t(64), std::int64_t(128), maxM}) {
        if (m > maxM) continue;
        const WgmmaInt4Plan plan = planWgmmaInt4(m, n, k, multiprocessors);
        partials = std::max(partials, partialBytes(plan));
        counters = std::max(counters, plan.rowTiles * plan.nBlocks);
    }
    if (partials > 0) {
        auto buffer = alloc.allocate(partials, MemoryUse::Workspace);
        if (!buffer) return Status::failure(buffer.error());
        partials_ = std::move(buffer).value();
    }
    auto buffer = alloc.allocate(std::size_t(counters) * sizeof(int), MemoryUse::Workspace);
    if (!buffer) return Status::failure(buffer.error());
    counters_ = std::move(buffer).value();
    return cudaStatus(cudaMemsetAsync(counters_.data(), 0, counters_.bytes(), stream), "wgmma_int4 counters");
}

Status WgmmaInt4Runner::run(const FragmentWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
                            cudaStream_t stream) const {
    if (m > maxM_) return Status::failure("m=" + std::to_string(m) + " is above the m wgmma_int4 was prepared for");
    const WgmmaInt4Plan plan = planWgmmaInt4(m, n_, k_, multiprocessors_);
    hopper::Params p{};
    p.weights = static_cast<const uint4*>(w.words);
    p.scales = static_cast<const uint32_t*>(w.scales);
    p.zeros = static_cast<const uint32_t*>(w.zeros);
    p.a = static_cast<const __half*>(a);
    p.c = static_cast<__half*>(c);
    p.partials = partials_.as<float4>();
    p.counters = counters_.as<int>();
    p.m = int(m);
    p.n = int(n_);
    p.k = int(k_);
    p.groupSize = w.groupSize;
    p.sliceK = plan.sliceK;
    p.slices = plan.slices;
    switch (plan.rowsPerTile) {
        case 16: return launch<16>(p, plan, dependent, stream);
        case 32: return launch<32>(p, plan, dependent, stream);
        case 64: return launch<64>(p, plan, dependent, stream);
        default: return launch<128>(p, plan, dependent, stream);
    }
}

std::string WgmmaInt4Runner::path(std::int64_t m) const {
    const WgmmaInt4Plan plan = planWgmmaInt4(m, n_, k_, multiprocessors_);
    return "wgmma n" + std::to_string(plan.rowsPerTile) + " x" + std::to_string(plan.rowTiles) + " split-k " +
           std::to_string(plan.slices);
}

}  // namespace q4
