#include "int4_layout/fragment_layout.h"

#include <algorithm>
#include <numeric>

namespace q4 {
namespace {

// Where the nibble of (n within tile, k within tile) lives: which lane and which bit offset.
struct NibbleSlot {
    int lane;
    int shift;
};

NibbleSlot slotOf(int nInTile, int kInTile) {
    const int g = nInTile % 8;
    const int upperRow = nInTile / 8;  // rows g + 8 use fragments a1 / a3
    const int upperK = kInTile / 8;    // k 8..15 use fragments a2 / a3
    const int t = (kInTile % 8) / 2;
    const int second = kInTile % 2;  // the pair's second element sits 16 bits higher
    const int fragment = upperRow + 2 * upperK;
    return {4 * g + t, 4 * fragment + 16 * second};
}

// The 32-bit word holding (row in sorted order, column), in the layout of fragment_layout.h.
std::size_t wordIndex(std::int64_t nTiles, std::int64_t sortedRow, std::int64_t column, const NibbleSlot& slot) {
    return std::size_t(((sortedRow / 64 * nTiles + column / 16) * 32 + slot.lane) * 4 + (sortedRow % 64) / 16);
}

std::uint32_t halfPair(HalfBits low, HalfBits high) {
    return std::uint32_t(low) | (std::uint32_t(high) << 16);
}

}  // namespace

Status fragmentLayoutSupports(std::int64_t n, std::int64_t k, int groupSize) {
    if (n % 16 != 0) return Status::failure("n=" + std::to_string(n) + " is not a multiple of 16 (tc_int4 n tile)");
    if (k % 64 != 0)
        return Status::failure("k=" + std::to_string(k) + " is not a multiple of 64 (tc_int4 loads 4 k tiles at once)");
    if (groupSize != -1 && groupSize % 32 != 0)
        return Status::failure("group size " + std::to_string(groupSize) + " is not a multiple of 32 (tc_int4 takes k tiles in pairs)");
    return Status::success();
}

Expected<FragmentLayout> makeFragmentTensors(const GptqLayer& layer) {
    const std::int64_t n = layer.n, k = layer.k;
    if (Status s = fragmentLayoutSupports(n, k, layer.groupSize); !s) return Error{s.message};
    FragmentLayout out;
    out.n = n;
    out.k = k;
    out.groupSize = int(layer.effectiveGroupSize());
    const std::int64_t groups = layer.numGroups();

    // Sort rows by group; keep the permutation only when it is not the identity.
    std::vector<std::int32_t> order(static_cast<std::size_t>(k));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        return layer.gIdx[std::size_t(a)] < layer.gIdx[std::size_t(b)];
    });
    for (std::int64_t r = 0; r < k; ++r)
        if (layer.gIdx[std::size_t(order[std::size_t(r)])] != r / out.groupSize)
            return Error{"g_idx does not give every group exactly " + std::to_string(out.groupSize) +
                         " rows (tc_int4 needs contiguous groups after sorting)"};
    bool identity = true;
    for (std::int64_t r = 0; r < k && identity; ++r) identity = order[std::size_t(r)] == r;
    if (!identity) out.permutation = order;

    const std::int64_t nTiles = n / 16;
    out.scales.resize(std::size_t(groups * nTiles * 8));
    out.zeros.resize(out.scales.size());
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t tile = 0; tile < nTiles; ++tile)
            for (int lane = 0; lane < 8; ++lane) {
                const std::int64_t c0 = tile * 16 + lane, c1 = c0 + 8;
                const std::size_t i = std::size_t((g * nTiles + tile) * 8 + lane);
                out.scales[i] = halfPair(layer.scales[std::size_t(g * n + c0)], layer.scales[std::size_t(g * n + c1)]);
                out.zeros[i] = halfPair(floatToHalf(1024.0f + float(zeroPoint(layer, g, c0))),
                                        floatToHalf(1024.0f + float(zeroPoint(layer, g, c1))));
            }
    return out;
}

Expected<FragmentLayout> makeFragmentLayout(const GptqLayer& layer) {
    auto layout = makeFragmentTensors(layer);
    if (!layout) return layout;
    FragmentLayout& out = layout.value();
    const std::int64_t n = layer.n, k = layer.k;
    if (std::int64_t(layer.qweight.size()) != k / 8 * n)
        return Error{"qweight has " + std::to_string(layer.qweight.size()) + " words, expected k / 8 x n = " +
                     std::to_string(k / 8 * n)};
    const std::vector<std::uint8_t> q = unpackWeights(layer.qweight, k, n);  // [k, n]
    const std::int64_t nTiles = n / 16, k64s = k / 64;
    out.words.assign(std::size_t(nTiles * k64s * 32 * 4), 0);
    for (std::int64_t sortedRow = 0; sortedRow < k; ++sortedRow) {
        const std::int64_t row = out.permutation.empty() ? sortedRow : out.permutation[std::size_t(sortedRow)];
        const int kInTile = int(sortedRow % 16);
        for (std::int64_t col = 0; col < n; ++col) {
            const NibbleSlot slot = slotOf(int(col % 16), kInTile);
            out.words[wordIndex(nTiles, sortedRow, col, slot)] |= std::uint32_t(q[std::size_t(row * n + col)])
                                                                  << slot.shift;
        }
    }
    return layout;
}

int fragmentNibble(const FragmentLayout& layout, std::int64_t sortedRow, std::int64_t column) {
    const NibbleSlot slot = slotOf(int(column % 16), int(sortedRow % 16));
    return int((layout.words[wordIndex(layout.n / 16, sortedRow, column, slot)] >> slot.shift) & 0xF);
}

}  // namespace q4
