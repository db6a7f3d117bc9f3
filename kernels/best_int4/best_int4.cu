// best_int4: the dispatcher. It prepares tc_int4's fragment-layout weights once and picks a
// path by m, shape and device: tc_int4 (mma.sync) where weight streaming dominates; on compute
// capability 9.0 gemv_int4 for small problems at m <= 4, where fixed costs dominate, and the
// Hopper kernel wgmma_int4 from m = 17 to 4096; above that (and above m = 64 without wgmma),
// where the product is compute-bound, a dequantize-to-fp16 pass (W^T in sorted row order, into a
// workspace) followed by cuBLAS, whose fixed expansion cost is then small against the product.
// The record names the path taken.
#include <cuda_fp16.h>

#include <algorithm>

#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/kernel_entries.h"
#include "gemv_int4/gemv_int4.h"
#include "int4_layout/fragment_dequant.h"
#include "tc_int4/tc_int4.h"
#include "wgmma_int4/wgmma_int4.h"

namespace q4 {
namespace {

// Without wgmma: above this m the dequantize + cuBLAS path wins (measured on the H100 before the
// Hopper path existed: docs/kernels.md).
constexpr std::int64_t kMmaMaxM = 64;
// With wgmma (compute capability 9.0): tc_int4 up to kHopperTcMaxM, wgmma_int4 up to
// kHopperWgmmaMaxM, dequantize + cuBLAS above (measured: docs/kernels.md).
constexpr std::int64_t kHopperTcMaxM = 16;
constexpr std::int64_t kHopperWgmmaMaxM = 4096;
// With wgmma, gemv_int4 (no split-k epilogue, no staging) beats tc_int4 at m <= 4 while
// m * n * k <= 2^25 (measured on the H100 over n, k in 2048..13824: docs/kernels.md).
constexpr std::int64_t kHopperGemvMaxM = 4;
constexpr std::int64_t kHopperGemvMaxMnk = std::int64_t(1) << 25;

enum class Path { Gemv, Mma, Wgmma, DequantCublas };

class BestInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        Q4_CHECK(tc_.prepare(layer, point, context));
        return preparePaths(point, context);
    }
    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override {
        Q4_CHECK(tc_.prepareFromDevice(layer, deviceQweight, point, context));
        return preparePaths(point, context);
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        const Path route = pathFor(m);
        if (route == Path::Mma) return tc_.run(a, c, m, context);  // tc_int4 sorts its own activations
        auto sorted = tc_.sortedActivations(a, m, context);
        if (!sorted) return Status::failure(sorted.error());
        const bool dependent = *sorted != a;  // launched right after the reordering pass
        if (route == Path::Gemv) return runGemvInt4(tc_.weights(), *sorted, c, m, dependent, multiprocessors_, context.stream);
        if (route == Path::Wgmma) return wgmma_.run(tc_.weights(), *sorted, c, m, dependent, context.stream);
        for (std::int64_t first = 0; first < n_; first += chunkFeatures_) {  // a block of output features at a time
            const std::int64_t features = std::min(chunkFeatures_, n_ - first);
            Q4_CHECK(dequantizeFragmentsTransposed(tc_.weights(), first, features, wt_.data(), context.stream));
            Q4_CHECK(cublasRowMajorGemmTransposedB(cublas_.get(), *sorted, wt_.data(), static_cast<__half*>(c) + first, m,
                                                   features, k_, n_));
        }
        return Status::success();
    }

    std::string path(std::int64_t m) const override {
        switch (pathFor(m)) {
            case Path::Gemv: return "gemv_int4 " + gemvInt4Path(n_, k_, multiprocessors_);
            case Path::Mma: return "tc_int4 " + tc_.path(m);
            case Path::Wgmma: return "wgmma_int4 " + wgmma_.path(m);
            case Path::DequantCublas: break;
        }
        const std::int64_t chunks = (n_ + chunkFeatures_ - 1) / chunkFeatures_;
        return "dequant+cublas, " + std::to_string(chunks) + (chunks == 1 ? " block" : " blocks") + " of features";
    }

private:
    TcInt4 tc_;
    WgmmaInt4Runner wgmma_;
    bool hopper_ = false;
    CublasHandle cublas_;
    DeviceBuffer wt_;
    std::int64_t n_ = 0, k_ = 0, chunkFeatures_ = 0;
    int multiprocessors_ = 132;

    // What every path needs beyond tc_int4's weights: the wgmma runner, the dequantize workspace.
    Status preparePaths(const SweepPoint& point, GpuContext& context) {
        n_ = point.n;
        k_ = point.k;
        multiprocessors_ = context.multiprocessors;
        hopper_ = wgmmaInt4Runs(context.computeCapability);
        if (hopper_ && point.m > kHopperTcMaxM)
            Q4_CHECK(wgmma_.prepare(std::min(point.m, kHopperWgmmaMaxM), n_, k_, context.multiprocessors,
                                    *context.allocator, context.stream));
        chunkFeatures_ = dequantChunkFeatures(n_, k_);
        if (pathFor(point.m) != Path::DequantCublas) return Status::success();
        auto wt = context.allocator->allocate(std::size_t(chunkFeatures_ * k_) * 2, MemoryUse::Workspace);
        if (!wt) return Status::failure(wt.error());
        wt_ = std::move(wt).value();
        return cublas_.create(context);
    }

    Path pathFor(std::int64_t m) const {
        if (hopper_ && m <= kHopperGemvMaxM && m * n_ * k_ <= kHopperGemvMaxMnk) return Path::Gemv;
        if (hopper_) return m <= kHopperTcMaxM ? Path::Mma : m <= kHopperWgmmaMaxM ? Path::Wgmma : Path::DequantCublas;
        return m <= kMmaMaxM ? Path::Mma : Path::DequantCublas;
    }
};

}  // namespace

KernelEntry bestInt4Entry() {
    return {{"best_int4", "dispatcher",
             "Ours: picks the fastest path by m, shape and device. Compute capability 9.0: gemv_int4 for m <= 4 "
             "while m*n*k <= 2^25, tc_int4 up to m=16, wgmma_int4 up to m=4096, then dequantize + cuBLAS. Elsewhere: tc_int4 (tensor cores, 32 rows per weight pass) up to m=64, then dequantize "
             "to fp16 in a workspace plus cuBLAS, a block of at most 64 MiB of expanded weights at a time. The "
             "record's path column names the choice.",
             "as tc_int4: n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1; sm_80+", true},
            tcInt4Supports, [] { return std::make_unique<BestInt4>(); }};
}

}  // namespace q4
