// best_int4: the dispatcher. It prepares tc_int4's fragment-layout weights once and picks a
// path by m: the tensor-core kernel where weight streaming dominates, and above kMmaMaxM, where
// the product is compute-bound, a dequantize-to-fp16 pass (W^T in sorted row order, into a
// workspace) followed by cuBLAS, which runs the fp16 matrix units harder than mma.sync can.
// The record names the path taken.
#include "cublas_handle.h"
#include "cuda_check.h"
#include "kernel_entries.h"
#include "tc_int4/fragment_dequant.h"
#include "tc_int4/tc_int4.h"

namespace q4 {
namespace {

// Above this m the dequantize + cuBLAS path wins on the H100 (measured: docs/kernels.md).
constexpr std::int64_t kMmaMaxM = 64;

class BestInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        Q4_CHECK(tc_.prepare(layer, point, context));
        n_ = point.n;
        k_ = point.k;
        if (point.m <= kMmaMaxM) return Status::success();
        auto wt = context.allocator->allocate(std::size_t(n_ * k_) * 2, MemoryUse::Workspace);
        if (!wt) return Status::failure(wt.error());
        wt_ = std::move(wt).value();
        return cublas_.create(context);
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        if (m <= kMmaMaxM) return tc_.run(a, c, m, context);
        Q4_CHECK(dequantizeFragmentsTransposed(tc_.weights(), wt_.data(), context.stream));
        auto activations = tc_.sortedActivations(a, m, context);
        if (!activations) return Status::failure(activations.error());
        return cublasRowMajorGemmTransposedB(cublas_.get(), *activations, wt_.data(), c, m, n_, k_);
    }

    std::string path(std::int64_t m) const override {
        return m <= kMmaMaxM ? "tc_int4 " + tc_.path(m) : "dequant+cublas";
    }

private:
    TcInt4 tc_;
    CublasHandle cublas_;
    DeviceBuffer wt_;
    std::int64_t n_ = 0, k_ = 0;
};

}  // namespace

KernelEntry bestInt4Entry() {
    return {{"best_int4", "dispatcher",
             "Ours: picks the fastest path by m: tc_int4 (tensor cores, 32 rows per weight pass) up to m=64, "
             "then dequantize to fp16 in a workspace plus cuBLAS. The record's path column names the choice.",
             "as tc_int4: n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1; sm_80+", true},
            tcInt4Supports, [] { return std::make_unique<BestInt4>(); }};
}

}  // namespace q4
