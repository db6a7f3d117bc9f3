#include "sparsity/sparse_gptq_layer.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include "common/parallel_for.h"
#include "sparsity/sparse_metadata.h"

namespace q4 {
namespace {

std::string str(std::int64_t v) {
    return std::to_string(v);
}

// "keptQweight has 10 values: it must have k/16*n=64"
Status checkSize(const char* name, std::size_t size, std::int64_t expected, const char* rule) {
    if (std::int64_t(size) == expected) return Status::success();
    return Status::failure(std::string(name) + " has " + str(std::int64_t(size)) + " values: it must have " + rule +
                           "=" + str(expected));
}

Status checkPattern(Sparsity sparsity) {
    if (sparsity == Sparsity::Sparse16of32 || sparsity == Sparsity::Sparse2of4) return Status::success();
    return Status::failure(std::string("a compressed layer needs 16:32 or 2:4 sparsity, not ") + nameOf(sparsity));
}

// Shape rules and the sizes of what sparse and dense layers share.
Status checkShared(std::int64_t k, std::int64_t n, int groupSize, Sparsity sparsity,
                   const std::vector<std::int32_t>& qzeros, const std::vector<HalfBits>& scales) {
    if (Status s = checkPattern(sparsity); !s) return s;
    if (Status s = validateLayerShape(k, n, groupSize); !s) return s;
    if (Status s = validateSparsity(k, sparsity); !s) return s;
    const std::int64_t groups = k / effectiveGroupSize(groupSize, k);
    if (Status s = checkSize("qzeros", qzeros.size(), groups * n / 8, "G*n/8"); !s) return s;
    return checkSize("scales", scales.size(), groups * n, "G*n");
}

}  // namespace

Status validateSparseLayer(const SparseGptqLayer& layer) {
    const std::int64_t k = layer.k, n = layer.n;
    if (Status s = checkShared(k, n, layer.groupSize, layer.sparsity, layer.qzeros, layer.scales); !s) return s;
    if (Status s = checkSize("keptQweight", layer.keptQweight.size(), k / 16 * n, "k/16*n"); !s) return s;
    if (Status s = validateGroupIndex(layer.gIdx, k, layer.numGroups()); !s) return s;
    return validateMetadata(layer.metadata, k, n, layer.sparsity);
}

Expected<KeepMask> keepMaskOf(const SparseGptqLayer& layer) {
    if (Status s = validateSparseLayer(layer); !s) return s.asError();
    return decodeMetadata(layer.metadata, layer.k, layer.n, layer.sparsity);
}

Expected<SparseGptqLayer> compressPruned(const GptqLayer& dense, const KeepMask& mask, Sparsity sparsity) {
    const std::int64_t k = dense.k, n = dense.n;
    if (Status s = checkShared(k, n, dense.groupSize, sparsity, dense.qzeros, dense.scales); !s) return s.asError();
    if (Status s = checkSize("qweight", dense.qweight.size(), k / 8 * n, "k/8*n"); !s) return s.asError();
    if (!dense.gIdx.empty())
        if (Status s = validateGroupIndex(dense.gIdx, k, dense.numGroups()); !s) return s.asError();
    if (Status s = validateKeepMask(mask, k, n, sparsity); !s) return s.asError();

    // Kept nibbles form a [k/2, n] matrix: slot s of column c is its s-th kept row. Every 32 rows
    // keep exactly 16 (validateKeepMask), so the four words of rows 32j..32j+31 give the two kept
    // words 2j, 2j + 1, straight from the packed words. Row blocks in parallel.
    std::vector<std::int32_t> keptQweight(std::size_t(k / 16 * n));
    parallelFor(k / 32, kParallelElements / std::max<std::int64_t>(32 * n, 1), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t j = begin; j < end; ++j)
            for (std::int64_t c = 0; c < n; ++c) {
                std::uint64_t packed = 0;  // the 16 kept nibbles, lowest row first
                int count = 0;
                for (int w = 0; w < 4; ++w) {
                    const auto word = std::uint32_t(dense.qweight[std::size_t((4 * j + w) * n + c)]);
                    for (int i = 0; i < 8; ++i)
                        if (mask[std::size_t((32 * j + 8 * w + i) * n + c)])
                            packed |= std::uint64_t((word >> (4 * i)) & 0xFu) << (4 * count++);
                }
                keptQweight[std::size_t(2 * j * n + c)] = static_cast<std::int32_t>(std::uint32_t(packed));
                keptQweight[std::size_t((2 * j + 1) * n + c)] = static_cast<std::int32_t>(std::uint32_t(packed >> 32));
            }
    });

    SparseGptqLayer sparse;
    sparse.sparsity = sparsity;
    sparse.k = k;
    sparse.n = n;
    sparse.groupSize = dense.groupSize;
    sparse.zeroFormat = dense.zeroFormat;
    sparse.keptQweight = std::move(keptQweight);
    sparse.metadata = encodeMetadata(mask, k, n, sparsity);
    sparse.qzeros = dense.qzeros;
    sparse.scales = dense.scales;
    sparse.gIdx = dense.gIdx.empty() ? naturalGroupIndex(k, dense.groupSize) : dense.gIdx;
    return sparse;
}

Expected<GptqLayer> expandToDense(const SparseGptqLayer& layer) {
    const Expected<KeepMask> mask = keepMaskOf(layer);
    if (!mask) return mask.takeError();
    const std::int64_t k = layer.k, n = layer.n;
    const std::vector<std::uint8_t> kept = unpackWeights(layer.keptQweight, k / 2, n);
    const std::vector<std::uint8_t> zeros = unpackZeros(layer.qzeros, layer.numGroups(), n);

    std::vector<std::uint8_t> q(std::size_t(k * n));
    std::vector<std::int64_t> slot(std::size_t(n), 0);
    for (std::int64_t r = 0; r < k; ++r) {
        const std::int64_t group = layer.gIdx[std::size_t(r)];
        for (std::int64_t c = 0; c < n; ++c) {
            const auto at = std::size_t(r * n + c);
            q[at] = (*mask)[at] ? kept[std::size_t(slot[std::size_t(c)]++ * n + c)]
                                : std::uint8_t(decodeZero(zeros[std::size_t(group * n + c)], layer.zeroFormat));
        }
    }

    GptqLayer dense;
    dense.k = k;
    dense.n = n;
    dense.groupSize = layer.groupSize;
    dense.zeroFormat = layer.zeroFormat;
    dense.qweight = packWeights(q, k, n);
    dense.qzeros = layer.qzeros;
    dense.scales = layer.scales;
    dense.gIdx = layer.gIdx;
    return dense;
}

}  // namespace q4
