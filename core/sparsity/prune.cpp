#include "sparsity/prune.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>

namespace q4 {
namespace {

std::string str(std::int64_t v) {
    return std::to_string(v);
}

Status validateShape(std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (k <= 0) return Status::failure("k=" + str(k) + " must be positive", "k");
    if (n <= 0) return Status::failure("n=" + str(n) + " must be positive", "n");
    return validateSparsity(k, sparsity);
}

}  // namespace

Status validateKeepMask(const KeepMask& mask, std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (Status shape = validateShape(k, n, sparsity); !shape) return shape;
    if (std::int64_t(mask.size()) != k * n)
        return Status::failure("the keep mask has " + str(std::int64_t(mask.size())) +
                               " entries: it must have k*n=" + str(k * n));
    const int run = runLength(sparsity);
    for (std::int64_t c = 0; c < n; ++c)
        for (std::int64_t first = 0; first < k; first += run) {
            int kept = 0;
            for (std::int64_t r = first; r < first + run; ++r) {
                const std::uint8_t v = mask[std::size_t(r * n + c)];
                if (v > 1)
                    return Status::failure("keep mask [" + str(r) + ", " + str(c) + "]=" + str(v) + " is not 0 or 1");
                kept += v;
            }
            if (kept != keptPerRun(sparsity))
                return Status::failure("keep mask column " + str(c) + " keeps " + str(kept) + " of rows " + str(first) +
                                       ".." + str(first + run - 1) + ": " + nameOf(sparsity) + " keeps exactly " +
                                       str(keptPerRun(sparsity)) + " of " + str(run));
        }
    return Status::success();
}

Expected<KeepMask> magnitudeMask(const std::vector<float>& w, std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (Status shape = validateShape(k, n, sparsity); !shape) return shape.asError();
    if (std::int64_t(w.size()) != k * n)
        return Error{"w has " + str(std::int64_t(w.size())) + " values: it must have k*n=" + str(k * n)};
    for (std::size_t i = 0; i < w.size(); ++i)
        if (!std::isfinite(w[i])) return Error{"w[" + std::to_string(i) + "] is not finite"};

    const int run = runLength(sparsity);
    KeepMask mask(w.size(), 0);
    std::vector<int> order(std::size_t(run), 0);
    for (std::int64_t c = 0; c < n; ++c)
        for (std::int64_t first = 0; first < k; first += run) {
            auto at = [&](int offset) { return std::size_t((first + offset) * n + c); };
            std::iota(order.begin(), order.end(), 0);
            // Stable: on equal magnitude the lower offset stays first, and so is kept.
            std::stable_sort(order.begin(), order.end(),
                             [&](int x, int y) { return std::fabs(w[at(x)]) > std::fabs(w[at(y)]); });
            for (int i = 0; i < keptPerRun(sparsity); ++i) mask[at(order[std::size_t(i)])] = 1;
        }
    return mask;
}

std::vector<float> applyMask(const std::vector<float>& w, const KeepMask& mask) {
    if (w.size() != mask.size()) return {};
    std::vector<float> pruned(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) pruned[i] = mask[i] ? w[i] : 0.0f;
    return pruned;
}

Expected<GptqLayer> quantizePruned(const std::vector<float>& w, std::int64_t k, std::int64_t n,
                                   const QuantConfig& config, const KeepMask& mask, Sparsity sparsity,
                                   const std::vector<std::int32_t>& gIdx) {
    if (Status valid = validateKeepMask(mask, k, n, sparsity); !valid) return valid.asError();
    if (std::int64_t(w.size()) != k * n)
        return Error{"w has " + str(std::int64_t(w.size())) + " values: it must have k*n=" + str(k * n)};
    return quantizeRtn(applyMask(w, mask), k, n, config, gIdx);
}

double pruningError(const std::vector<float>& a, std::int64_t m, const std::vector<float>& wDense,
                    const std::vector<float>& wPruned, std::int64_t k, std::int64_t n) {
    const std::vector<float> dense = referenceProduct(a, m, wDense, k, n);
    const std::vector<float> pruned = referenceProduct(a, m, wPruned, k, n);
    // referenceProduct is empty on a size mismatch, and two empty products would compare equal.
    if (std::int64_t(dense.size()) != m * n || pruned.size() != dense.size())
        return std::numeric_limits<double>::infinity();
    return relativeError(pruned, dense);
}

}  // namespace q4
