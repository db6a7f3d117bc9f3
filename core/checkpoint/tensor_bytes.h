#pragma once
// Copies of tensor data out of a mapped file. Safetensors stores little-endian values at any
// alignment, so values are copied byte-wise (memcpy), never read through a cast pointer.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace q4 {

template <class T>
std::vector<T> copyLittleEndian(const std::uint8_t* bytes, std::size_t count) {
    std::vector<T> values(count);
    if (count == 0) return values;
    std::memcpy(values.data(), bytes, count * sizeof(T));
    if constexpr (std::endian::native == std::endian::big) {
        for (T& value : values) {
            auto* b = reinterpret_cast<unsigned char*>(&value);
            for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
        }
    }
    return values;
}

}  // namespace q4
