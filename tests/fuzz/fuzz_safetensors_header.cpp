// Checkpoint shards come from model hubs: any bytes must give a header or an error, never a crash,
// and what is accepted must keep the promises the checkpoint reader relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "checkpoint/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto header = q4::parseSafetensorsHeader(data, size, size, "fuzz.safetensors");
    if (!header) return 0;
    const std::uint64_t dataBytes = size - header->dataOffset;
    std::uint64_t previousBegin = 0;
    for (const q4::TensorEntry& tensor : header->tensors) {
        const std::int64_t elements = tensor.elements();
        // Every accepted tensor lies inside the file, holds exactly its elements, and comes in offset order.
        if (elements < 0 || tensor.begin > tensor.end || tensor.end > dataBytes || tensor.begin < previousBegin ||
            std::uint64_t(elements) * q4::dtypeBytes(tensor.dtype) != tensor.end - tensor.begin)
            std::abort();
        previousBegin = tensor.begin;
    }
    return 0;
}
