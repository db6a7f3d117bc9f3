#include "model/model_validation.h"

#include <algorithm>

#include "run/measure_kernel.h"
#include "run/problem_data.h"

namespace q4 {
namespace {

constexpr double kTolerance = 1e-2;  // the sweep's default: fp16 outputs of int4 products

// Enough to run the kernel once and validate it: the time of this pass is not kept.
TimingOptions validationOnly() { return TimingOptions{0, 1, 0.0, 1.0, 10.0, L2Mode::Hot, false}; }

}  // namespace

SweepPoint linearPoint(const DecoderLinear& linear, std::int64_t m) {
    const GptqLayer& layer = linear.layer;
    SweepPoint point;
    point.m = m;
    point.n = layer.n;
    point.k = layer.k;
    point.layer = linear.name;
    point.quant.groupSize = layer.groupSize;
    point.quant.zeroFormat = layer.zeroFormat;
    point.quant.actOrder = layer.gIdx != naturalGroupIndex(layer.k, layer.groupSize);
    point.sparsity = linear.sparse ? linear.sparse->sparsity : Sparsity::None;
    return point;
}

LinearValidation checkSupport(const Backend& backend, const std::vector<DecoderLinear>& block,
                              const std::string& kernelId, const std::vector<std::int64_t>& ms) {
    const Sparsity sparsity = block.empty() || !block.front().sparse ? Sparsity::None : block.front().sparse->sparsity;
    if (Status s = backend.supportsModel(kernelId, sparsity); !s) return {RecordStatus::Unsupported, 0, s.message};
    for (const DecoderLinear& linear : block)
        for (std::int64_t m : ms)
            if (Status s = backend.supports(kernelId, linearPoint(linear, m)); !s)
                return {RecordStatus::Unsupported, 0,
                        linear.name + " (n=" + std::to_string(linear.layer.n) + ", k=" + std::to_string(linear.layer.k) +
                            ") at m=" + std::to_string(m) + ": " + s.message};
    return {};
}

LinearValidation validateBlock(Backend& backend, const std::vector<DecoderLinear>& block, const std::string& kernelId,
                               const std::vector<std::int64_t>& ms, const CancelToken& cancel) {
    LinearValidation result;
    std::uint64_t layerId = 0x9e3779b97f4a7c15ULL;
    for (const DecoderLinear& linear : block) {
        const GptqLayer& layer = linear.layer;
        const std::vector<float> dequantized = dequantize(layer);
        ++layerId;
        for (std::int64_t m : ms) {
            if (cancel.cancelled()) return result;
            Problem problem;
            problem.point = linearPoint(linear, m);
            problem.layer = &layer;
            problem.sparse = linear.sparse ? &*linear.sparse : nullptr;
            problem.layerId = layerId;
            const std::vector<HalfBits> a = makeActivations(m, layer.k, mixSeed(layerId, std::uint64_t(m)));
            problem.a = &a;
            auto reference = backend.reference(problem, dequantized);
            if (!reference) return {RecordStatus::Error, result.worstRelError, "reference for " + linear.name + ": " + reference.error()};
            Record record;
            measureKernel(backend, {kernelId, &problem, &reference.value(), validationOnly(), kTolerance}, cancel, record);
            if (record.relError) result.worstRelError = std::max(result.worstRelError, *record.relError);
            if (record.status != RecordStatus::Ok)
                return {record.status, result.worstRelError,
                        "block 0 " + linear.name + " at m=" + std::to_string(m) + ": " + record.message};
        }
    }
    return result;
}

}  // namespace q4
