#pragma once
// Device helpers for dequantizing GPTQ nibbles with half2 arithmetic, shared by the kernels that
// read packed weights. The exponent trick: the fp16 bit pattern 0x6400 | q is exactly 1024 + q
// for q < 1024, so a nibble becomes a half with one AND and one OR instead of an integer-to-float
// conversion, and (1024 + q) - (1024 + z) = q - z is exact in fp16.
#include <cuda_fp16.h>

#include <cstdint>

namespace q4 {

constexpr std::uint32_t kHalf2Bias = 0x64006400u;       // (1024, 1024) as half2 bits
constexpr std::uint32_t kNibblePairMask = 0x000F000Fu;  // the low nibble of each 16-bit half

__device__ __forceinline__ __half2 bitsToHalf2(std::uint32_t bits) {
    __half2_raw raw;
    raw.x = static_cast<unsigned short>(bits & 0xFFFFu);
    raw.y = static_cast<unsigned short>(bits >> 16);
    return __half2(raw);
}

__device__ __forceinline__ std::uint32_t half2ToBits(__half2 value) {
    const __half2_raw raw = value;
    return std::uint32_t(raw.x) | (std::uint32_t(raw.y) << 16);
}

// (1024 + nibble at bit 0, 1024 + nibble at bit 16) of bits.
__device__ __forceinline__ __half2 biasedNibblePair(std::uint32_t bits) {
    return bitsToHalf2((bits & kNibblePairMask) | kHalf2Bias);
}

// (1024 + zeroA, 1024 + zeroB): subtracting it from biasedNibblePair leaves q - z exactly.
__device__ __forceinline__ __half2 biasedZeroPair(std::uint32_t zeroA, std::uint32_t zeroB) {
    return bitsToHalf2(kHalf2Bias | zeroA | (zeroB << 16));
}

// The true zero point of the nibble at bit shift of a qzeros word. zeroOffset is 1 for v1
// (which stores zero - 1, wrapping 0 to 15) and 0 for v2.
__device__ __forceinline__ std::uint32_t trueZero(std::uint32_t word, int shift, std::uint32_t zeroOffset) {
    return ((word >> shift) + zeroOffset) & 0xFu;
}

}  // namespace q4
