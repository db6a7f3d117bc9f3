#pragma once
// sparse_int4: our 2:4 sparse W4A16 GEMM on sparse tensor cores (see sparse_int4.cu).
#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda/cublas_handle.h"
#include "cuda/gpu_kernel.h"
#include "sparse_int4/sparse_layout.h"
#include "wgmma_int4/wgmma_int4.h"

namespace q4 {

// On compute capability 9.0 with groups of whole 32-row blocks, above this m the weights run through
// the sparse wgmma (wgmma_int4's pipeline): at n = k = 8192 on the H100 it took 24-35 µs from m = 17
// to 128 against the mma.sp kernel's 35-161 (docs/kernels.md, log step 74).
constexpr std::int64_t kSparseWgmmaAboveM = 16;
// Elsewhere, above this m the kept weights are expanded to fp16 a block of features at a time and
// multiplied by cuBLAS (dense math). The mma.sp kernel holds 32 rows per launch and streams every
// weight once per launch (at n = k = 8192 on the H100, 162 µs at m = 128 in four launches, 241 at
// 192 in six); the expansion and the dense products took 179-198 µs from m = 33 to 256 there, so it
// pays from the fifth launch (docs/kernels.md, log step 71).
constexpr std::int64_t kSparseMmaMaxM = 128;

// The launch shape chosen for a problem: m rows per launch (8 per m tile), k slices (split-k),
// and the shared memory a block needs.
struct SparseInt4Plan {
    int mPerLaunch = 32;
    int mTiles = 4;
    int slices = 1;
    int sliceK = 0;  // a multiple of 64
    int sharedBytes = 0;
    int residentSlots = 0;  // blocks the chip holds at once for this kernel's occupancy
};
// groupSize: the layout's (0 with per-row groups, which stage no scales). The fewest slices that
// fill the chip's resident blocks in whole waves, each at least as long as the weight pipeline,
// with a slice's activations within 64 KiB of shared memory.
SparseInt4Plan planSparseInt4(std::int64_t m, std::int64_t n, std::int64_t k, int groupSize, int multiprocessors);
// The fp32 split-k partials one launch of plan writes: [slices][mPerLaunch][n], none unsplit.
std::size_t sparseInt4PartialFloats(const SparseInt4Plan& plan, std::int64_t n);
// The partials every m from 1 to maxM needs: the plan depends on m only through its m tile count,
// so the most rows of each count (8, 16, 32, capped at maxM) write the most.
std::size_t sparseInt4PartialFloats(std::int64_t maxM, std::int64_t n, std::int64_t k, int groupSize,
                                    int multiprocessors);

class SparseInt4 final : public GpuKernel {
public:
    // Dense points are not this kernel's: the backend refuses them (KernelInfo::sparsity).
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override;
    Status prepareSparse(const SparseGptqLayer& sparse, const GptqLayer& dense, const SweepPoint& point,
                         GpuContext& context) override;
    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override;
    std::string path(std::int64_t m) const override;

private:
    Status runExpanded(const void* a, void* c, std::int64_t m, GpuContext& context);
    SparseWeightsView weightsView() const {
        return {words_.data(), metadata_.data(), scales_.data(), zeros_.data(), gIdx_.as<std::int32_t>(),
                n_, k_, groupSize_};
    }

    DeviceBuffer words_, metadata_, scales_, zeros_, gIdx_, partials_, counters_;
    DeviceBuffer wt_;  // m > kSparseMmaMaxM: one block of features of the expanded W^T
    CublasHandle cublas_;
    WgmmaInt4Runner wgmma_;     // m > kSparseWgmmaAboveM on sm_90a with block-uniform groups
    bool sparseWgmma_ = false;  // the runner above takes m > kSparseWgmmaAboveM
    bool wgmmaFor(std::int64_t m) const { return sparseWgmma_ && m > kSparseWgmmaAboveM; }
    std::int64_t n_ = 0, k_ = 0, chunkFeatures_ = 0;
    int groupSize_ = 0;  // 0: per-row groups
    int multiprocessors_ = 132;
};

Status sparseInt4Supports(const SweepPoint& point, const GpuContext& context);

}  // namespace q4
