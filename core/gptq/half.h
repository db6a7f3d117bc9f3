#pragma once
// IEEE 754 binary16 conversion on the host, without CUDA headers. Round to nearest even.
#include <cstdint>

namespace q4 {

using HalfBits = std::uint16_t;  // fp16 stored as its bit pattern

float halfToFloat(HalfBits h);
HalfBits floatToHalf(float f);

}  // namespace q4
