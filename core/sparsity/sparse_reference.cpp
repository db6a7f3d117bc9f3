#include <algorithm>
#include <cstddef>
#include <optional>

#include "sparsity/sparse_gptq_layer.h"

namespace q4 {
namespace {

// The kept weights of each column, [k/2, n]: slot s of column c is its s-th kept row.
struct KeptWeights {
    std::vector<std::int32_t> rows;
    std::vector<float> values;  // scale * (q - zero), computed as dequantize computes it
};

std::optional<KeptWeights> keptWeights(const SparseGptqLayer& layer) {
    const Expected<KeepMask> mask = keepMaskOf(layer);
    if (!mask) return std::nullopt;
    const std::int64_t k = layer.k, n = layer.n;
    const std::vector<std::uint8_t> q = unpackWeights(layer.keptQweight, k / 2, n);
    const std::vector<std::uint8_t> zeros = unpackZeros(layer.qzeros, layer.numGroups(), n);

    KeptWeights kept{std::vector<std::int32_t>(q.size()), std::vector<float>(q.size())};
    std::vector<std::int64_t> slot(std::size_t(n), 0);
    for (std::int64_t r = 0; r < k; ++r) {
        const std::int64_t group = layer.gIdx[std::size_t(r)];
        for (std::int64_t c = 0; c < n; ++c) {
            if (!(*mask)[std::size_t(r * n + c)]) continue;
            const auto at = std::size_t(slot[std::size_t(c)]++ * n + c);
            const auto cell = std::size_t(group * n + c);
            const int zero = decodeZero(zeros[cell], layer.zeroFormat);
            kept.rows[at] = std::int32_t(r);
            kept.values[at] = halfToFloat(layer.scales[cell]) * float(int(q[at]) - zero);
        }
    }
    return kept;
}

}  // namespace

std::vector<float> dequantizePruned(const SparseGptqLayer& layer) {
    const std::optional<KeptWeights> kept = keptWeights(layer);
    if (!kept) return {};
    std::vector<float> w(std::size_t(layer.k * layer.n), 0.0f);
    for (std::size_t at = 0; at < kept->rows.size(); ++at) {
        const auto c = std::int64_t(at) % layer.n;
        w[std::size_t(kept->rows[at] * layer.n + c)] = kept->values[at];
    }
    return w;
}

std::vector<float> sparseReferenceProduct(const std::vector<float>& a, std::int64_t m, const SparseGptqLayer& layer) {
    if (m < 0 || std::int64_t(a.size()) != m * layer.k) return {};
    const std::optional<KeptWeights> kept = keptWeights(layer);
    if (!kept) return {};
    const std::int64_t k = layer.k, n = layer.n, slots = k / 2;

    // Slots are in increasing row order, so each sum adds the terms referenceProduct adds, less
    // the exact zeros, in the same order.
    std::vector<float> c(std::size_t(m * n));
    std::vector<double> acc(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < m; ++i) {
        std::fill(acc.begin(), acc.end(), 0.0);
        const float* aRow = a.data() + i * k;
        for (std::int64_t s = 0; s < slots; ++s)
            for (std::int64_t j = 0; j < n; ++j) {
                const auto at = std::size_t(s * n + j);
                acc[std::size_t(j)] += double(aRow[kept->rows[at]]) * double(kept->values[at]);
            }
        for (std::int64_t j = 0; j < n; ++j) c[std::size_t(i * n + j)] = float(acc[std::size_t(j)]);
    }
    return c;
}

}  // namespace q4
