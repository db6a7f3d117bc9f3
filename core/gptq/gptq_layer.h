#pragma once
// The GPTQ tensors of one linear layer, as AutoGPTQ / GPTQModel checkpoints store them,
// and the operations on them: pack/unpack, zero-point formats, RTN quantization,
// act-order, dequantization and the CPU reference product.
//
// Shapes: C[m,n] = A[m,k] * W[k,n]; k = input features, n = output features.
//   qweight int32 [k/8, n]  8 nibbles along k, lowest nibble = lowest k
//   qzeros  int32 [G, n/8]  8 nibbles along n, lowest nibble = lowest n
//   scales  fp16  [G, n]
//   g_idx   int32 [k]       group of each input row
// G = k / group size; group size -1 means one group over all of k.
// W[r][c] = scales[g][c] * (q[r][c] - z[g][c]) with g = g_idx[r] and z the true zero point.
#include <cstdint>
#include <vector>

#include "common/enum_names.h"
#include "common/expected.h"
#include "gptq/half.h"

namespace q4 {

// v1 ("gptq" checkpoint format) stores zero points minus one; v2 ("gptq_v2") stores them as they are.
enum class ZeroFormat { V1, V2 };
NameTable<ZeroFormat> namesOf(ZeroFormat);  // v1, v2 (also gptq, gptq_v2)

// Rows per group: group size -1 means one group over all of k.
constexpr std::int64_t effectiveGroupSize(int groupSize, std::int64_t k) { return groupSize < 0 ? k : groupSize; }

struct QuantConfig {
    int groupSize = 128;  // 32, 64, 128, ... or -1 for one group
    bool symmetric = true;
    bool actOrder = false;
    ZeroFormat zeroFormat = ZeroFormat::V1;
};

struct GptqLayer {
    std::int64_t k = 0;
    std::int64_t n = 0;
    int groupSize = 128;  // as given, -1 allowed
    ZeroFormat zeroFormat = ZeroFormat::V1;
    std::vector<std::int32_t> qweight;  // [k/8, n]
    std::vector<std::int32_t> qzeros;   // [G, n/8]
    std::vector<HalfBits> scales;       // [G, n]
    std::vector<std::int32_t> gIdx;     // [k]

    std::int64_t effectiveGroupSize() const { return q4::effectiveGroupSize(groupSize, k); }
    std::int64_t numGroups() const { return k / effectiveGroupSize(); }
};

// --- pack / unpack ---------------------------------------------------------------------
// q: [k, n] values 0..15, row-major. Requires k % 8 == 0.
std::vector<std::int32_t> packWeights(const std::vector<std::uint8_t>& q, std::int64_t k, std::int64_t n);
std::vector<std::uint8_t> unpackWeights(const std::vector<std::int32_t>& qweight, std::int64_t k, std::int64_t n);
// z: [G, n] stored nibbles 0..15, row-major. Requires n % 8 == 0.
std::vector<std::int32_t> packZeros(const std::vector<std::uint8_t>& z, std::int64_t groups, std::int64_t n);
std::vector<std::uint8_t> unpackZeros(const std::vector<std::int32_t>& qzeros, std::int64_t groups, std::int64_t n);

// A true zero point (0..15) as the format stores it, and back. Both wrap to 4 bits.
int encodeZero(int trueZero, ZeroFormat format);
int decodeZero(int stored, ZeroFormat format);
// True zero point of (group, column), whatever the layer's format.
int zeroPoint(const GptqLayer& layer, std::int64_t group, std::int64_t column);
// Rewrites qzeros into the other format. v1 -> v2 adds one, v2 -> v1 subtracts one (mod 16, as checkpoints do).
void convertZeroFormat(GptqLayer& layer, ZeroFormat to);

// --- quantization --------------------------------------------------------------------------
// Checks k, n and group size for a layer (k % 8, n % 8, k % group, group > 0 or -1).
Status validateLayerShape(std::int64_t k, std::int64_t n, int groupSize);

// Checks that g_idx has k entries, each a group 0..groups-1.
Status validateGroupIndex(const std::vector<std::int32_t>& gIdx, std::int64_t k, std::int64_t groups);

// Round-to-nearest quantization of w [k, n] (row-major). gIdx (size k) assigns rows to groups;
// empty means the natural order (row r in group r / groupSize). The rule is GPTQ's quantizer:
// asymmetric: scale = (max - min) / 15, zero = round(-min / scale); symmetric: the range is
// [-max|w|, max|w|] and zero = 8. q = clamp(round(w / scale) + zero, 0, 15). Scales are stored in fp16
// and q is computed against the stored (rounded) scale.
Expected<GptqLayer> quantizeRtn(const std::vector<float>& w, std::int64_t k, std::int64_t n, const QuantConfig& config,
                                const std::vector<std::int32_t>& gIdx = {});

// --- act-order ------------------------------------------------------------------------------
// Natural g_idx: row r in group r / groupSize.
std::vector<std::int32_t> naturalGroupIndex(std::int64_t k, int groupSize);
// A seeded random row permutation's g_idx, as GPTQ's desc_act produces: exactly groupSize rows
// in each group, non-monotonic (for k > groupSize).
std::vector<std::int32_t> actOrderGroupIndex(std::int64_t k, int groupSize, std::uint64_t seed);

// --- dequantization and reference -------------------------------------------------------------
// The scale (as fp32) and true zero point of every (group, column), [G, n] row-major: what
// dequantize applies, decoded once rather than once per weight.
struct DecodedGroups {
    std::vector<float> scale;
    std::vector<int> zero;
};
DecodedGroups decodeGroups(const GptqLayer& layer);

// W [k, n] row-major in fp32: scale * (q - zero) of each weight's group.
std::vector<float> dequantize(const GptqLayer& layer);
// C [m, n] = A [m, k] * W [k, n], accumulated in double, returned as fp32. A is row-major.
// Empty when the sizes of a or w do not match the shape.
std::vector<float> referenceProduct(const std::vector<float>& a, std::int64_t m, const std::vector<float>& w,
                                    std::int64_t k, std::int64_t n);
// ||c - ref|| / ||ref||; +inf when c holds NaN/Inf or sizes differ.
double relativeError(const std::vector<float>& c, const std::vector<float>& ref);

}  // namespace q4
