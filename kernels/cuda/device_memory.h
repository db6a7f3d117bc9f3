#pragma once
// A device allocator that tracks every allocation by purpose, so each point reports its peak
// bytes and the breakdown (weights, scales, zeros, g_idx/permutation, activations, output, workspace).
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "results/record.h"

namespace q4 {

enum class MemoryUse { Weights, Scales, Zeros, GIdx, Activations, Output, Workspace };

class DeviceAllocator;

// Owns one device allocation; frees it (and updates the tracker) when destroyed.
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    DeviceBuffer(DeviceBuffer&& other) noexcept { *this = std::move(other); }
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer() { release(); }

    void* data() const { return data_; }
    template <class T>
    T* as() const { return static_cast<T*>(data_); }
    std::size_t bytes() const { return bytes_; }
    void release();

private:
    friend class DeviceAllocator;
    DeviceAllocator* owner_ = nullptr;
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
    MemoryUse use_ = MemoryUse::Workspace;
};

class DeviceAllocator {
public:
    // Fails with the size and use named ("cannot allocate 134.2 MB of weights: out of memory").
    Expected<DeviceBuffer> allocate(std::size_t bytes, MemoryUse use);
    // Copies host data into a new buffer.
    Expected<DeviceBuffer> upload(const void* host, std::size_t bytes, MemoryUse use);

    std::int64_t currentBytes() const { return current_; }
    std::int64_t peakBytes() const { return peak_; }
    MemoryBreakdown breakdown() const { return live_; }  // bytes live now, by use
    void resetPeak() { peak_ = current_; }

private:
    friend class DeviceBuffer;
    void released(const DeviceBuffer& buffer);
    std::int64_t current_ = 0;
    std::int64_t peak_ = 0;
    MemoryBreakdown live_;
};

// Copies a host vector into a new buffer kept in out (an empty vector leaves out empty).
template <class T>
Status uploadVector(DeviceAllocator& allocator, const std::vector<T>& host, MemoryUse use, DeviceBuffer& out) {
    if (host.empty()) {
        out = DeviceBuffer();
        return Status::success();
    }
    auto buffer = allocator.upload(host.data(), host.size() * sizeof(T), use);
    if (!buffer) return Status::failure(buffer.error());
    out = std::move(buffer).value();
    return Status::success();
}

}  // namespace q4
