#include <cstddef>

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

std::vector<std::int32_t> packWeights(const std::vector<std::uint8_t>& q, std::int64_t k, std::int64_t n) {
    // Build in unsigned: nibble 7 sets the sign bit, which is only meaningful as a bit pattern.
    std::vector<std::uint32_t> packed(std::size_t(k / 8 * n), 0);
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c)
            packed[index(r / 8, c, n)] |= std::uint32_t(q[index(r, c, n)] & 0xF) << (4 * (r % 8));
    return {packed.begin(), packed.end()};
}

std::vector<std::uint8_t> unpackWeights(const std::vector<std::int32_t>& qweight, std::int64_t k, std::int64_t n) {
    std::vector<std::uint8_t> q(std::size_t(k * n));
    for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c) {
            const auto word = std::uint32_t(qweight[index(r / 8, c, n)]);
            q[index(r, c, n)] = std::uint8_t((word >> (4 * (r % 8))) & 0xF);
        }
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
