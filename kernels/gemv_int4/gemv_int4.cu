// Host side of gemv_int4: plan and launch.
#include "gemv_int4/gemv_int4.h"

#include <algorithm>

#include "cuda/cuda_check.h"
#include "cuda/kernel_launch.h"
#include "gemv_int4/gemv_int4_kernel.cuh"

namespace q4 {
namespace {

// Resident blocks of `warps` warps per SM: 64 registers a thread (the launch bounds), 2048
// threads, 32 blocks, 228 KiB of shared memory with 1 KiB reserved per block.
int blocksPerSm(int warps) {
    constexpr int kRegisters = 65536, kRegistersPerThread = 64, kSharedPerSm = 228 * 1024;
    const int byRegisters = kRegisters / (kRegistersPerThread * 32 * warps);
    const int byShared = kSharedPerSm / (gemv::sharedBytes(warps) + 1024);
    return std::min({byRegisters, byShared, 32});
}

}  // namespace

GemvInt4Plan planGemvInt4(std::int64_t n, std::int64_t k, int multiprocessors) {
    GemvInt4Plan plan;
    plan.blocks = int(n / 16);
    const int steps = int(k / 64);
    for (int warps = std::min(gemv::kMaxWarps, steps); warps >= 1; --warps)
        if (plan.blocks <= std::int64_t(blocksPerSm(warps)) * multiprocessors) {
            plan.warps = warps;
            break;
        }
    plan.sharedBytes = gemv::sharedBytes(plan.warps);
    return plan;
}

Status runGemvInt4(const FragmentWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
                   int multiprocessors, cudaStream_t stream) {
    if (m > kGemvInt4MaxM) return Status::failure("gemv_int4 runs m <= 8, not m=" + std::to_string(m));
    static const cudaError_t raised =  // once: more than the default 48 KiB of dynamic shared memory
        cudaFuncSetAttribute(gemv::gemvInt4Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             gemv::sharedBytes(gemv::kMaxWarps));
    if (raised != cudaSuccess) return cudaStatus(raised, "gemv_int4 shared memory limit");
    const GemvInt4Plan plan = planGemvInt4(w.n, w.k, multiprocessors);
    gemv::Params p{};
    p.weights = static_cast<const uint4*>(w.words);
    p.scales = static_cast<const uint32_t*>(w.scales);
    p.zeros = static_cast<const uint32_t*>(w.zeros);
    p.a = static_cast<const __half*>(a);
    p.c = static_cast<__half*>(c);
    p.m = int(m);
    p.n = int(w.n);
    p.k = int(w.k);
    p.groupSize = w.groupSize;
    const KernelLaunch shape(dim3(unsigned(plan.blocks)), dim3(unsigned(plan.warps * 32)),
                             std::size_t(plan.sharedBytes), stream, dependent);
    Q4_CHECK(cudaStatus(cudaLaunchKernelEx(shape.config(), gemv::gemvInt4Kernel, p), "gemv_int4 launch"));
    return launchStatus("gemv_int4 kernel");
}

std::string gemvInt4Path(std::int64_t n, std::int64_t k, int multiprocessors) {
    const GemvInt4Plan plan = planGemvInt4(n, k, multiprocessors);
    return "mma, " + std::to_string(plan.warps) + " warps per 16 features";
}

}  // namespace q4
