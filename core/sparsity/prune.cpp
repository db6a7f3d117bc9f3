#include "sparsity/prune.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>

#include "common/parallel_for.h"

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

using RunMagnitudes = std::array<float, kRowsPerMetadataWord>;
using RunOrder = std::array<int, kRowsPerMetadataWord>;

// order[0, run) = the offsets of a run, largest magnitude first; on equal magnitude the lower
// offset first, and so kept. Each offset's place is the count of offsets ahead of it: compares
// without branches, which random magnitudes would mispredict (a sort's branches took most of the time).
void orderByMagnitude(const RunMagnitudes& magnitude, int run, RunOrder& order) {
    for (int i = 0; i < run; ++i) {
        const float mine = magnitude[std::size_t(i)];
        int ahead = 0;
        for (int j = 0; j < i; ++j) ahead += int(magnitude[std::size_t(j)] >= mine);
        for (int j = i + 1; j < run; ++j) ahead += int(magnitude[std::size_t(j)] > mine);
        order[std::size_t(ahead)] = i;
    }
}

// Calls runBody(first, c, magnitude, order) for every run of `run` rows of every column, with
// magnitude[i] = magnitudeOf(first + i, c) and order from orderByMagnitude. Row blocks in
// parallel; in a block, runs side by side: consecutive columns read the same cache lines of its rows.
template <class MagnitudeOf, class RunBody>
void forEachOrderedRun(std::int64_t k, std::int64_t n, int run, const MagnitudeOf& magnitudeOf, const RunBody& runBody) {
    parallelFor(
        k / run, kParallelElements / std::max<std::int64_t>(n * run, 1), [&](std::int64_t begin, std::int64_t end) {
            RunMagnitudes magnitude{};
            RunOrder order{};
            for (std::int64_t first = begin * run; first < end * run; first += run)
                for (std::int64_t c = 0; c < n; ++c) {
                    for (int i = 0; i < run; ++i) magnitude[std::size_t(i)] = magnitudeOf(first + i, c);
                    orderByMagnitude(magnitude, run, order);
                    runBody(first, c, order);
                }
        });
}

}  // namespace

Status validateKeepMask(const KeepMask& mask, std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (Status shape = validateShape(k, n, sparsity); !shape) return shape;
    if (std::int64_t(mask.size()) != k * n)
        return Status::failure("the keep mask has " + str(std::int64_t(mask.size())) +
                               " entries: it must have k*n=" + str(k * n));
    const int run = runLength(sparsity);
    // Why the run of rows first.. of column c is not valid; empty when it is. Runs are numbered
    // row block by row block, so the first bad one found is the one a serial scan names.
    const auto runProblem = [&](std::int64_t first, std::int64_t c) -> std::string {
        int kept = 0;
        for (std::int64_t r = first; r < first + run; ++r) {
            const std::uint8_t v = mask[std::size_t(r * n + c)];
            if (v > 1) return "keep mask [" + str(r) + ", " + str(c) + "]=" + str(v) + " is not 0 or 1";
            kept += v;
        }
        if (kept == keptPerRun(sparsity)) return {};
        return "keep mask column " + str(c) + " keeps " + str(kept) + " of rows " + str(first) + ".." +
               str(first + run - 1) + ": " + nameOf(sparsity) + " keeps exactly " + str(keptPerRun(sparsity)) +
               " of " + str(run);
    };
    const std::int64_t bad = firstIndexWhere(k / run * n, kParallelElements / run, [&](std::int64_t i) {
        return !runProblem(i / n * run, i % n).empty();
    });
    if (bad < 0) return Status::success();
    return Status::failure(runProblem(bad / n * run, bad % n));
}

Expected<KeepMask> magnitudeMask(const std::vector<float>& w, std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (Status shape = validateShape(k, n, sparsity); !shape) return shape.asError();
    if (std::int64_t(w.size()) != k * n)
        return Error{"w has " + str(std::int64_t(w.size())) + " values: it must have k*n=" + str(k * n)};
    for (std::size_t i = 0; i < w.size(); ++i)
        if (!std::isfinite(w[i])) return Error{"w[" + std::to_string(i) + "] is not finite"};

    KeepMask mask(w.size(), 0);
    forEachOrderedRun(
        k, n, runLength(sparsity),
        [&](std::int64_t r, std::int64_t c) { return std::fabs(w[std::size_t(r * n + c)]); },
        [&](std::int64_t first, std::int64_t c, const RunOrder& order) {
            for (int i = 0; i < keptPerRun(sparsity); ++i)
                mask[std::size_t((first + order[std::size_t(i)]) * n + c)] = 1;
        });
    return mask;
}

Expected<KeepMask> pruneQuantized(GptqLayer& layer, Sparsity sparsity) {
    const std::int64_t k = layer.k, n = layer.n;
    if (Status shape = validateShape(k, n, sparsity); !shape) return shape.asError();
    if (std::int64_t(layer.qweight.size()) != k / 8 * n)
        return Error{"qweight has " + str(std::int64_t(layer.qweight.size())) + " words: it must have k/8*n=" +
                     str(k / 8 * n) + " (pruning needs the layer's words on the host)"};
    const std::int64_t groups = layer.numGroups();
    const std::vector<std::int32_t> gIdx = layer.gIdx.empty() ? naturalGroupIndex(k, layer.groupSize) : layer.gIdx;
    if (Status valid = validateGroupIndex(gIdx, k, groups); !valid) return valid.asError();
    if (std::int64_t(layer.scales.size()) != groups * n || std::int64_t(layer.qzeros.size()) != groups * n / 8)
        return Error{"scales or qzeros do not have one entry per (group, column)"};
    // The scales and zeros dequantize applies; |scale * (q - z)| is finite exactly when the scale is.
    const DecodedGroups decoded = decodeGroups(layer);
    const std::vector<float>& scale = decoded.scale;
    const std::vector<int>& zero = decoded.zero;
    for (std::size_t i = 0; i < scale.size(); ++i)
        if (!std::isfinite(scale[i])) return Error{"scales[" + std::to_string(i) + "] is not finite"};

    std::vector<std::uint8_t> q = unpackWeights(layer.qweight, k, n);
    const int run = runLength(sparsity);
    KeepMask mask(q.size(), 0);
    // (group, column) of row r's weight in column c, in the decoded scales and zeros.
    const auto groupAt = [&](std::int64_t r, std::int64_t c) {
        return std::size_t(gIdx[std::size_t(r)]) * std::size_t(n) + std::size_t(c);
    };
    forEachOrderedRun(
        k, n, run,
        [&](std::int64_t r, std::int64_t c) {  // dequantize's value, so the mask is magnitudeMask's over it
            const std::size_t g = groupAt(r, c);
            return std::fabs(scale[g] * float(int(q[std::size_t(r * n + c)]) - zero[g]));
        },
        [&](std::int64_t first, std::int64_t c, const RunOrder& order) {
            for (int i = 0; i < run; ++i) {
                const std::int64_t r = first + order[std::size_t(i)];
                if (i < keptPerRun(sparsity)) mask[std::size_t(r * n + c)] = 1;
                else q[std::size_t(r * n + c)] = std::uint8_t(zero[groupAt(r, c)]);
            }
        });
    layer.qweight = packWeights(q, k, n);
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
