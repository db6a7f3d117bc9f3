#include "cuda/device_memory.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <string>

namespace q4 {
namespace {

std::int64_t& slot(MemoryBreakdown& mem, MemoryUse use) {
    switch (use) {
        case MemoryUse::Weights: return mem.weights;
        case MemoryUse::Scales: return mem.scales;
        case MemoryUse::Zeros: return mem.zeros;
        case MemoryUse::GIdx: return mem.gIdx;
        case MemoryUse::Activations: return mem.activations;
        case MemoryUse::Output: return mem.output;
        case MemoryUse::Workspace: break;
    }
    return mem.workspace;
}

const char* useName(MemoryUse use) {
    switch (use) {
        case MemoryUse::Weights: return "weights";
        case MemoryUse::Scales: return "scales";
        case MemoryUse::Zeros: return "zeros";
        case MemoryUse::GIdx: return "g_idx";
        case MemoryUse::Activations: return "activations";
        case MemoryUse::Output: return "output";
        case MemoryUse::Workspace: break;
    }
    return "workspace";
}

}  // namespace

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        data_ = std::exchange(other.data_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
        use_ = other.use_;
        view_ = std::exchange(other.view_, false);
    }
    return *this;
}

void DeviceBuffer::release() {
    if (data_ && !view_) {
        cudaFree(data_);
        if (owner_) owner_->released(*this);
    }
    owner_ = nullptr;
    data_ = nullptr;
    bytes_ = 0;
    view_ = false;
}

Expected<DeviceBuffer> DeviceAllocator::allocate(std::size_t bytes, MemoryUse use) {
    if (sharing_ && use == MemoryUse::Workspace && bytes >= kSharedWorkspaceMinBytes) return sharedView(bytes);
    return allocateOwned(bytes, use);
}

Expected<DeviceBuffer> DeviceAllocator::sharedView(std::size_t bytes) {
    const std::size_t slot = nextSlot_++;
    if (slot >= slabs_.size()) slabs_.resize(slot + 1);
    std::vector<DeviceBuffer>& slabs = slabs_[slot];
    if (slabs.empty() || slabs.back().bytes() < bytes) {
        auto slab = allocateOwned(bytes, MemoryUse::Workspace);
        if (!slab) return slab;
        slabs.push_back(std::move(slab).value());
    }
    DeviceBuffer view;
    view.data_ = slabs.back().data();
    view.bytes_ = bytes;
    view.use_ = MemoryUse::Workspace;
    view.view_ = true;
    return view;
}

Expected<DeviceBuffer> DeviceAllocator::allocateOwned(std::size_t bytes, MemoryUse use) {
    DeviceBuffer buffer;
    if (bytes == 0) return buffer;
    void* data = nullptr;
    if (cudaError_t e = cudaMalloc(&data, bytes); e != cudaSuccess) {
        cudaGetLastError();  // out-of-memory is not sticky; clear it
        char size[32];
        std::snprintf(size, sizeof(size), "%.1f MB", double(bytes) / 1e6);
        return Error{std::string("cannot allocate ") + size + " of " + useName(use) + ": " + cudaGetErrorString(e)};
    }
    buffer.owner_ = this;
    buffer.data_ = data;
    buffer.bytes_ = bytes;
    buffer.use_ = use;
    current_ += std::int64_t(bytes);
    slot(live_, use) += std::int64_t(bytes);
    if (current_ > peak_) peak_ = current_;
    return buffer;
}

Expected<DeviceBuffer> DeviceAllocator::upload(const void* host, std::size_t bytes, MemoryUse use) {
    auto buffer = allocateOwned(bytes, use);
    if (!buffer) return buffer;
    // From pageable memory cudaMemcpy may return before its copy lands, and the legacy stream it
    // runs on does not order the non-blocking streams kernels use: wait, so an uploaded buffer is
    // ready for any stream.
    cudaError_t e = cudaMemcpy(buffer->data(), host, bytes, cudaMemcpyHostToDevice);
    if (e == cudaSuccess) e = cudaStreamSynchronize(cudaStreamLegacy);
    if (e != cudaSuccess) return Error{std::string("upload of ") + useName(use) + ": " + cudaGetErrorString(e)};
    return buffer;
}

void DeviceAllocator::released(const DeviceBuffer& buffer) {
    current_ -= std::int64_t(buffer.bytes_);
    slot(live_, buffer.use_) -= std::int64_t(buffer.bytes_);
}

}  // namespace q4
