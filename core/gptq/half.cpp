#include "gptq/half.h"

#include <bit>
#include <cmath>

namespace q4 {

float halfToFloat(HalfBits h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1Fu;
    const std::uint32_t mantissa = h & 0x3FFu;

    if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24 is exact in fp32.
        const float magnitude = std::ldexp(float(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));  // inf / NaN
    // Rebias the exponent from 15 to 127.
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

HalfBits floatToHalf(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t exponent = (x >> 23) & 0xFFu;
    const std::uint32_t mantissa = x & 0x7FFFFFu;

    if (exponent == 0xFF) {
        if (mantissa == 0) return HalfBits(sign | 0x7C00u);
        // Keep the top payload bits; force a mantissa bit so the result stays NaN.
        std::uint32_t payload = mantissa >> 13;
        if (payload == 0) payload = 0x200u;
        return HalfBits(sign | 0x7C00u | payload);
    }

    const int halfExponent = int(exponent) - 127 + 15;
    if (halfExponent >= 0x1F) return HalfBits(sign | 0x7C00u);  // too large even before rounding

    if (halfExponent <= 0) {
        // Subnormal half (or zero): value = significand * 2^(exponent - 150), half unit = 2^-24.
        if (halfExponent < -10) return HalfBits(sign);  // below half the smallest subnormal
        const std::uint32_t significand = mantissa | 0x800000u;
        const int shift = 14 - halfExponent;  // 14..24
        std::uint32_t result = significand >> shift;
        const std::uint32_t rest = significand & ((1u << shift) - 1);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (result & 1u))) ++result;  // may carry into the smallest normal
        return HalfBits(sign | result);
    }

    std::uint32_t result = (std::uint32_t(halfExponent) << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1FFFu;
    // A carry out of the mantissa bumps the exponent, and past 65504 lands exactly on inf.
    if (rest > 0x1000u || (rest == 0x1000u && (result & 1u))) ++result;
    return HalfBits(sign | result);
}

}  // namespace q4
