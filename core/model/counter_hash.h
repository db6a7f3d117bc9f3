#pragma once
// The counter hash behind random weights (random_weights.cpp): splitmix64's output function over
// a counter, keyed per (seed, block, tensor). Element i of a stream needs no state, so the host
// and the device (kernels/decoder/generated_weights.cu) make the same bits independently.
#include <cstdint>

#include "common/host_device.h"

namespace q4 {

constexpr std::uint64_t kCounterGolden = 0x9E3779B97F4A7C15ull;

Q4_HOST_DEVICE constexpr std::uint64_t counterMix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The key of one tensor's stream; the model-wide tensors use block -1.
Q4_HOST_DEVICE constexpr std::uint64_t counterStreamKey(std::uint64_t seed, std::int64_t block, std::uint64_t tensor) {
    return counterMix(counterMix(counterMix(seed) + std::uint64_t(block + 1)) + tensor);
}

// Element i of the stream: the i-th output of splitmix64 started at key.
Q4_HOST_DEVICE constexpr std::uint64_t counterAt(std::uint64_t key, std::uint64_t i) {
    return counterMix(key + (i + 1) * kCounterGolden);
}

// Packed word i of a qweight stream: uniform words have uniform nibbles, so each hash gives two
// words, the low half first.
Q4_HOST_DEVICE constexpr std::uint32_t counterWord(std::uint64_t key, std::uint64_t i) {
    const std::uint64_t h = counterAt(key, i / 2);
    return std::uint32_t(i % 2 == 0 ? h : h >> 32);
}

}  // namespace q4
