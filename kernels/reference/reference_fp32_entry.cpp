// fp32_reference: the validation reference as a listed kernel, so its cost is visible.
// Weights dequantized on the host to fp32, a plain tiled fp32 product; not ranked.
#include "cuda/kernel_entries.h"
#include "reference/reference_fp32.h"

namespace q4 {
namespace {

class Fp32Reference final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        n_ = point.n;
        k_ = point.k;
        const std::vector<float> w = dequantize(layer);
        auto weights = context.allocator->upload(w.data(), w.size() * sizeof(float), MemoryUse::Weights);
        if (!weights) return Status::failure(weights.error());
        weights_ = std::move(weights).value();
        return Status::success();
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        return launchReferenceFp32ToHalf(a, weights_.as<float>(), c, m, n_, k_, context.stream);
    }

private:
    DeviceBuffer weights_;  // fp32 [k, n]
    std::int64_t n_ = 0, k_ = 0;
};

}  // namespace

KernelEntry fp32ReferenceEntry() {
    return {{"fp32_reference", "reference",
             "The validation reference: fp32 weights dequantized on the host, a tiled fp32 product with fp32 "
             "accumulation. Listed for its cost, not ranked. Sparse points run their pruned weights densely.",
             "any valid GPTQ shape; needs 4*k*n bytes of fp32 weights", false, false, allSparsities()},
            [](const SweepPoint&, const GpuContext&) { return Status::success(); },
            [] { return std::make_unique<Fp32Reference>(); }};
}

}  // namespace q4
