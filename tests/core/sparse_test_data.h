#pragma once
// Seeded random data for the sparsity tests: values in [-1, 1) with a different spread per
// column, like real layers, and never all zero.
#include <cstdint>
#include <random>
#include <vector>

namespace q4test {

inline std::vector<float> randomMatrix(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> spread(static_cast<std::size_t>(cols));
    for (auto& s : spread) s = 0.05f + float(rng() % 1000) / 1000.0f;
    std::vector<float> v(std::size_t(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            v[std::size_t(r * cols + c)] = (float(rng() % 65536) / 32768.0f - 1.0f) * spread[std::size_t(c)];
    return v;
}

}  // namespace q4test
