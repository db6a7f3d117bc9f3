#include "sparse_int4/sparse_layout.h"

#include <algorithm>
#include <string>

#include "common/parallel_for.h"

namespace q4 {
namespace {

std::uint32_t halfPair(HalfBits low, HalfBits high) {
    return std::uint32_t(low) | (std::uint32_t(high) << 16);
}

// Every 32-row block in one group: natural g_idx and groups of whole blocks.
bool blockUniformGroups(const SparseGptqLayer& layer) {
    const std::int64_t group = layer.effectiveGroupSize();
    if (group % 32 != 0) return false;
    for (std::int64_t r = 0; r < layer.k; ++r)
        if (layer.gIdx[std::size_t(r)] != r / group) return false;
    return true;
}

}  // namespace

Status sparseLayoutSupports(std::int64_t n, std::int64_t k) {
    if (n % 16 != 0)
        return Status::failure(
            "n=" + std::to_string(n) + " is not a multiple of 16 (sparse_int4 tiles 16 output features)", "n");
    if (k % 64 != 0)
        return Status::failure(
            "k=" + std::to_string(k) +
                " is not a multiple of 64 (sparse_int4 steps through k two 32-row mma.sp tiles at a time)",
            "k");
    return Status::success();
}

Expected<SparseFragmentLayout> makeSparseFragmentLayout(const SparseGptqLayer& layer) {
    if (layer.sparsity != Sparsity::Sparse2of4)
        return Error{std::string("sparse_int4 runs 2:4 weights only, not ") + nameOf(layer.sparsity)};
    const std::int64_t n = layer.n, k = layer.k;
    if (Status s = sparseLayoutSupports(n, k); !s) return s.asError();
    if (Status s = validateSparseLayer(layer); !s) return s.asError();

    SparseFragmentLayout out;
    out.n = n;
    out.k = k;
    const std::int64_t nTiles = n / 16, steps = k / 64, groups = layer.numGroups();
    // kept[s * n + c]: the s-th kept row of column c; each 4-row run of a column keeps slots 2r, 2r + 1.
    const std::vector<std::uint8_t> kept = unpackWeights(layer.keptQweight, k / 2, n);
    auto keptNibble = [&](std::int64_t column, std::int64_t run, int e) {
        return std::uint32_t(kept[std::size_t((2 * run + e) * n + column)]);
    };

    out.words.assign(std::size_t(steps * nTiles * 32 * 2), 0);
    out.metadata.assign(std::size_t(steps * nTiles * 32), 0);
    // Steps in parallel: each writes only its own entries.
    parallelFor(
        steps, kParallelElements / std::max<std::int64_t>(64 * n, 1), [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t step = begin; step < end; ++step)
                for (std::int64_t tile = 0; tile < nTiles; ++tile)
                    for (int lane = 0; lane < 32; ++lane) {
                        const int g = lane / 4, t = lane % 4;
                        const std::size_t at = std::size_t((step * nTiles + tile) * 32 + lane);
                        for (int block = 0; block < 2; ++block) {
                            const std::int64_t word32 = 2 * step + block;  // the 32-row block's logical metadata row
                            std::uint32_t word = 0;
                            for (int p = 0; p < 4; ++p) {
                                const std::int64_t column = tile * 16 + g + 8 * (p & 1);
                                const std::int64_t run = 8 * word32 + t + 4 * (p >> 1);
                                for (int e = 0; e < 2; ++e)
                                    word |= keptNibble(column, run, e) << sparse::nibbleShift(p, e);
                            }
                            out.words[at * 2 + std::size_t(block)] = word;
                        }
                        // This lane supplies half t % 2 of block t / 2 (sparse::metadataLane).
                        const std::int64_t word32 = 2 * step + t / 2;
                        const int shift = 16 * (t % 2);
                        auto half = [&](std::int64_t column) {
                            return (layer.metadata[std::size_t(word32 * n + column)] >> shift) & 0xFFFFu;
                        };
                        out.metadata[at] = half(tile * 16 + g) | (half(tile * 16 + g + 8) << 16);
                    }
        });

    const std::vector<std::uint8_t> storedZeros = unpackZeros(layer.qzeros, groups, n);
    out.scales.resize(std::size_t(groups * nTiles * 8));
    out.zeros.resize(out.scales.size());
    for (std::int64_t group = 0; group < groups; ++group)
        for (std::int64_t tile = 0; tile < nTiles; ++tile)
            for (int g = 0; g < 8; ++g) {
                const std::int64_t c0 = tile * 16 + g, c1 = c0 + 8;
                auto zero = [&](std::int64_t column) {
                    const int z = decodeZero(storedZeros[std::size_t(group * n + column)], layer.zeroFormat);
                    return floatToHalf(1024.0f + float(z));
                };
                const std::size_t i = std::size_t((group * nTiles + tile) * 8 + g);
                out.scales[i] =
                    halfPair(layer.scales[std::size_t(group * n + c0)], layer.scales[std::size_t(group * n + c1)]);
                out.zeros[i] = halfPair(zero(c0), zero(c1));
            }

    if (blockUniformGroups(layer)) {
        out.groupSize = int(layer.effectiveGroupSize());
    } else {
        out.gIdx = layer.gIdx;
    }
    return out;
}

}  // namespace q4
