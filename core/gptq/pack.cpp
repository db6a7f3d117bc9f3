#include <algorithm>
#include <cstddef>

#include "common/parallel_for.h"
#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

std::size_t index(std::int64_t row, std::int64_t column, std::int64_t width) {
    return std::size_t(row * width + column);
}

}  // namespace

// v1 stores zero - 1; the wrap makes a true zero of 0 store 15, as checkpoints do.
namespace {
constexpr NamedValue<ZeroFormat> kZeroFormatNames[] = {
    {ZeroFormat::V1, "v1"}, {ZeroFormat::V2, "v2"}, {ZeroFormat::V1, "gptq"}, {ZeroFormat::V2, "gptq_v2"}};
}  // namespace

NameTable<ZeroFormat> namesOf(ZeroFormat) { return kZeroFormatNames; }

int encodeZero(int trueZero, ZeroFormat format) { return (format == ZeroFormat::V1 ? trueZero - 1 : trueZero) & 0xF; }
int decodeZero(int stored, ZeroFormat format) { return (format == ZeroFormat::V1 ? stored + 1 : stored) & 0xF; }

// Both run over rows of words in parallel: a row of words is 8 rows of q, its own output.
std::vector<std::int32_t> packWeights(const std::vector<std::uint8_t>& q, std::int64_t k, std::int64_t n) {
    std::vector<std::int32_t> packed(std::size_t(k / 8 * n));
    parallelFor(k / 8, kParallelElements / std::max<std::int64_t>(8 * n, 1), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t wordRow = begin; wordRow < end; ++wordRow)
            for (std::int64_t c = 0; c < n; ++c) {
                // Built in unsigned: nibble 7 sets the sign bit, which is only meaningful as a bit pattern.
                std::uint32_t word = 0;
                for (int j = 0; j < 8; ++j) word |= std::uint32_t(q[index(wordRow * 8 + j, c, n)] & 0xF) << (4 * j);
                packed[index(wordRow, c, n)] = static_cast<std::int32_t>(word);
            }
    });
    return packed;
}

std::vector<std::uint8_t> unpackWeights(const std::vector<std::int32_t>& qweight, std::int64_t k, std::int64_t n) {
    std::vector<std::uint8_t> q(std::size_t(k * n));
    parallelFor(k / 8, kParallelElements / std::max<std::int64_t>(8 * n, 1), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t wordRow = begin; wordRow < end; ++wordRow)
            for (int j = 0; j < 8; ++j)
                for (std::int64_t c = 0; c < n; ++c) {
                    const auto word = std::uint32_t(qweight[index(wordRow, c, n)]);
                    q[index(wordRow * 8 + j, c, n)] = std::uint8_t((word >> (4 * j)) & 0xF);
                }
    });
    return q;
}

std::vector<std::int32_t> packZeros(const std::vector<std::uint8_t>& z, std::int64_t groups, std::int64_t n) {
    const std::int64_t words = n / 8;
    std::vector<std::uint32_t> packed(std::size_t(groups * words), 0);
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t c = 0; c < n; ++c)
            packed[index(g, c / 8, words)] |= std::uint32_t(z[index(g, c, n)] & 0xF) << (4 * (c % 8));
    return {packed.begin(), packed.end()};
}

std::vector<std::uint8_t> unpackZeros(const std::vector<std::int32_t>& qzeros, std::int64_t groups, std::int64_t n) {
    const std::int64_t words = n / 8;
    std::vector<std::uint8_t> z(std::size_t(groups * n));
    for (std::int64_t g = 0; g < groups; ++g)
        for (std::int64_t c = 0; c < n; ++c) {
            const auto word = std::uint32_t(qzeros[index(g, c / 8, words)]);
            z[index(g, c, n)] = std::uint8_t((word >> (4 * (c % 8))) & 0xF);
        }
    return z;
}

int zeroPoint(const GptqLayer& layer, std::int64_t group, std::int64_t column) {
    const auto word = std::uint32_t(layer.qzeros[index(group, column / 8, layer.n / 8)]);
    const int stored = int((word >> (4 * (column % 8))) & 0xF);
    return decodeZero(stored, layer.zeroFormat);
}

void convertZeroFormat(GptqLayer& layer, ZeroFormat to) {
    if (layer.zeroFormat == to) return;
    const std::int64_t groups = layer.numGroups();
    std::vector<std::uint8_t> z = unpackZeros(layer.qzeros, groups, layer.n);
    for (auto& nibble : z) nibble = std::uint8_t(encodeZero(decodeZero(nibble, layer.zeroFormat), to));
    layer.qzeros = packZeros(z, groups, layer.n);
    layer.zeroFormat = to;
}

}  // namespace q4
