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
    bool view_ = false;  // a window into a shared workspace slab, which its allocator owns and frees
};

class DeviceAllocator {
public:
    DeviceAllocator() = default;
    DeviceAllocator(const DeviceAllocator&) = delete;  // buffers point back at their allocator
    DeviceAllocator& operator=(const DeviceAllocator&) = delete;

    // Fails with the size and use named ("cannot allocate 134.2 MB of weights: out of memory").
    Expected<DeviceBuffer> allocate(std::size_t bytes, MemoryUse use);
    // Copies host data into a new buffer (always its own allocation, shared workspace or not); the
    // copy has landed when this returns.
    Expected<DeviceBuffer> upload(const void* host, std::size_t bytes, MemoryUse use);

    // Shared workspace, for an owner that prepares many kernels which then run one after another
    // on one stream (the model decoder's layers), so that no two of them use scratch at the same
    // time. While on, a Workspace request of at least kSharedWorkspaceMinBytes is served as a
    // view into a shared slab: the t-th such request after beginShare() goes to slot t, so two
    // buffers of one kernel never overlap. A request larger than its slot's newest slab gets a new,
    // larger slab; views already handed out keep pointing into theirs (no pointer ever moves). Slabs
    // count as workspace and live as long as the allocator. Smaller requests (counters that must
    // stay zeroed between runs) stay private. Off (the default), every request is its own
    // allocation, exactly as before. Only for kernels that keep nothing in such a workspace
    // between runs.
    static constexpr std::size_t kSharedWorkspaceMinBytes = std::size_t(1) << 20;
    void setWorkspaceSharing(bool on) { sharing_ = on; }
    bool workspaceSharing() const { return sharing_; }
    void beginShare() { nextSlot_ = 0; }  // before each kernel's prepare

    std::int64_t currentBytes() const { return current_; }
    std::int64_t peakBytes() const { return peak_; }
    MemoryBreakdown breakdown() const { return live_; }  // bytes live now, by use
    void resetPeak() { peak_ = current_; }

private:
    friend class DeviceBuffer;
    Expected<DeviceBuffer> allocateOwned(std::size_t bytes, MemoryUse use);
    Expected<DeviceBuffer> sharedView(std::size_t bytes);
    void released(const DeviceBuffer& buffer);
    std::int64_t current_ = 0;
    std::int64_t peak_ = 0;
    MemoryBreakdown live_;
    bool sharing_ = false;
    std::size_t nextSlot_ = 0;
    // Per slot, its slabs in growing size (the newest serves new views). Declared last: destroyed
    // first, while the counters it updates still exist.
    std::vector<std::vector<DeviceBuffer>> slabs_;
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
