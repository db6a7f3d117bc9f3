#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

constexpr int kMaxQ = 15;
constexpr float kMaxHalf = 65504.0f;

// The fp16 scale that is stored; q must be computed against this rounded value.
HalfBits storedScale(float range) {
    const float scale = std::min(range / float(kMaxQ), kMaxHalf);  // never round to inf
    HalfBits bits = floatToHalf(scale);
    if (bits == 0) bits = 0x0001;  // underflow: smallest subnormal keeps w / scale finite
    return bits;
}

}  // namespace

Status validateGroupIndex(const std::vector<std::int32_t>& gIdx, std::int64_t k, std::int64_t groups) {
    if (std::int64_t(gIdx.size()) != k)
        return Status::failure("g_idx has " + std::to_string(gIdx.size()) + " entries: it must have k=" +
                               std::to_string(k));
    for (std::size_t r = 0; r < gIdx.size(); ++r)
        if (gIdx[r] < 0 || gIdx[r] >= groups)
            return Status::failure("g_idx[" + std::to_string(r) + "]=" + std::to_string(gIdx[r]) +
                                   " is out of range: groups are 0.." + std::to_string(groups - 1));
    return Status::success();
}

Status validateLayerShape(std::int64_t k, std::int64_t n, int groupSize) {
    if (k <= 0) return Status::failure("k=" + std::to_string(k) + " must be positive");
    if (n <= 0) return Status::failure("n=" + std::to_string(n) + " must be positive");
    if (groupSize == 0 || groupSize < -1)
        return Status::failure("group size " + std::to_string(groupSize) + " is invalid: use a positive size or -1");
    if (groupSize > 0 && k % groupSize != 0)
        return Status::failure("k=" + std::to_string(k) + " is not a multiple of group size " +
                               std::to_string(groupSize));
    if (k % 8 != 0) return Status::failure("k=" + std::to_string(k) + " is not a multiple of 8");
    if (n % 8 != 0) return Status::failure("n=" + std::to_string(n) + " is not a multiple of 8");
    return Status::success();
}

Expected<GptqLayer> quantizeRtn(const std::vector<float>& w, std::int64_t k, std::int64_t n, const QuantConfig& config,
                                const std::vector<std::int32_t>& gIdx) {
    if (Status shape = validateLayerShape(k, n, config.groupSize); !shape) return Error{shape.message};
    if (std::int64_t(w.size()) != k * n)
        return Error{"w has " + std::to_string(w.size()) + " values: it must have k*n=" + std::to_string(k * n)};
    for (std::size_t i = 0; i < w.size(); ++i)
        if (!std::isfinite(w[i])) return Error{"w[" + std::to_string(i) + "] is not finite"};

    GptqLayer layer;
    layer.k = k;
    layer.n = n;
    layer.groupSize = config.groupSize;
    layer.zeroFormat = config.zeroFormat;
    const std::int64_t groups = layer.numGroups();
    if (gIdx.empty()) {
        layer.gIdx = naturalGroupIndex(k, config.groupSize);
    } else {
        if (Status valid = validateGroupIndex(gIdx, k, groups); !valid) return Error{valid.message};
        layer.gIdx = gIdx;
    }

    // Per (group, column) range. Starting at 0 keeps 0 inside the range, as GPTQ's quantizer does,
    // so the zero point needs no clamping and exact zeros stay exact.
    const auto cells = std::size_t(groups * n);
    std::vector<float> low(cells, 0.0f), high(cells, 0.0f);
    for (std::int64_t r = 0; r < k; ++r) {
        const std::size_t base = std::size_t(layer.gIdx[std::size_t(r)] * n);
        for (std::int64_t c = 0; c < n; ++c) {
            const float v = w[std::size_t(r * n + c)];
            low[base + std::size_t(c)] = std::min(low[base + std::size_t(c)], v);
            high[base + std::size_t(c)] = std::max(high[base + std::size_t(c)], v);
        }
    }

    layer.scales.resize(cells);
    std::vector<float> scale(cells);
    std::vector<int> zero(cells);
    std::vector<std::uint8_t> storedZeros(cells);
    for (std::size_t i = 0; i < cells; ++i) {
        float lo = low[i], hi = high[i];
        if (config.symmetric) {
            hi = std::max(-lo, hi);
            lo = -hi;
        }
        if (lo == 0.0f && hi == 0.0f) {  // all-zero group: any scale works, GPTQ picks this one
            lo = -1.0f;
            hi = 1.0f;
        }
        layer.scales[i] = storedScale(hi - lo);
        scale[i] = halfToFloat(layer.scales[i]);
        zero[i] = config.symmetric ? (kMaxQ + 1) / 2 : std::clamp(int(std::nearbyint(-lo / scale[i])), 0, kMaxQ);
        storedZeros[i] = std::uint8_t(encodeZero(zero[i], config.zeroFormat));
    }
    layer.qzeros = packZeros(storedZeros, groups, n);

    // nearbyint rounds half to even, like torch.round.
    std::vector<std::uint8_t> q(w.size());
    for (std::int64_t r = 0; r < k; ++r) {
        const std::size_t base = std::size_t(layer.gIdx[std::size_t(r)] * n);
        for (std::int64_t c = 0; c < n; ++c) {
            const std::size_t cell = base + std::size_t(c);
            const std::size_t at = std::size_t(r * n + c);
            const float level = std::nearbyint(w[at] / scale[cell]) + float(zero[cell]);
            q[at] = std::uint8_t(std::clamp(level, 0.0f, float(kMaxQ)));
        }
    }
    layer.qweight = packWeights(q, k, n);
    return layer;
}

}  // namespace q4
