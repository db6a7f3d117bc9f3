#include "run/problem_data.h"

#include <cmath>

#include "sparsity/prune.h"

namespace q4 {
namespace {

// splitmix64: tiny, fast and identical everywhere.
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    // Sum of four uniforms: bell-shaped like trained weights, cheap, bounded.
    double bell() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * 0.8660254; }

private:
    std::uint64_t state_;
};

}  // namespace

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t value) {
    Random r(seed ^ (value * 0xD6E8FEB86659FD93ull));
    return r.next();
}

Expected<LayerData> makeLayerData(std::int64_t n, std::int64_t k, const QuantConfig& quant, std::uint64_t seed,
                                  Sparsity sparsity) {
    Status shape = validateLayerShape(k, n, quant.groupSize);
    if (!shape) return Error{shape.message};
    if (Status pattern = validateSparsity(k, sparsity); !pattern) return pattern.asError();
    std::uint64_t layerSeed = mixSeed(mixSeed(mixSeed(seed, std::uint64_t(n)), std::uint64_t(k)),
                                      std::uint64_t(quant.groupSize + 1) * 2 + (quant.symmetric ? 1 : 0));
    Random random(layerSeed);
    std::vector<float> w(std::size_t(k * n));
    // Per-column spread varies, as in real layers, so scales differ across columns.
    std::vector<float> columnScale(static_cast<std::size_t>(n));
    for (auto& s : columnScale) s = float(0.01 + 0.04 * random.uniform());
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c) w[std::size_t(r * n + c)] = float(random.bell()) * columnScale[std::size_t(c)];

    std::vector<std::int32_t> gIdx = quant.actOrder ? actOrderGroupIndex(k, quant.groupSize, mixSeed(layerSeed, 7))
                                                    : naturalGroupIndex(k, quant.groupSize);
    auto layer = quantizeRtn(w, k, n, quant, gIdx);
    if (!layer) return Error{layer.error()};
    if (sparsity == Sparsity::None) {
        LayerData data{std::move(layer).value(), {}, std::nullopt, {}};
        data.dequantized = dequantize(data.layer);
        return data;
    }
    auto mask = magnitudeMask(w, k, n, sparsity);
    if (!mask) return mask.takeError();
    auto pruned = quantizePruned(w, k, n, quant, *mask, sparsity, gIdx);
    if (!pruned) return pruned.takeError();
    auto compressed = compressPruned(*pruned, *mask, sparsity);
    if (!compressed) return compressed.takeError();
    LayerData data{std::move(pruned).value(), {}, std::move(compressed).value(), dequantize(*layer)};
    data.dequantized = dequantize(data.layer);
    return data;
}

std::vector<HalfBits> makeActivations(std::int64_t m, std::int64_t k, std::uint64_t seed) {
    Random random(mixSeed(mixSeed(seed, std::uint64_t(m)), std::uint64_t(k) + 0xA11CE));
    std::vector<HalfBits> a(std::size_t(m * k));
    for (auto& v : a) v = floatToHalf(float(2.0 * random.uniform() - 1.0));
    return a;
}

std::vector<float> toFloat(const std::vector<HalfBits>& values) {
    std::vector<float> out(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = halfToFloat(values[i]);
    return out;
}

}  // namespace q4
