#pragma once
// Pieces shared by the gptq_naive and gptq_half2 kernels: the device copy of a GPTQ layer
// (qweight as stored, zero points converted to v2 packing, scales, g_idx), the shape check, the
// split of m over grid.z, and the fp32 workspace that both kernels atomically add their k-slab
// partial sums into, converted to the fp16 output at the end.
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/gpu_kernel.h"

namespace q4 {
namespace {

struct GptqDeviceLayer {
    DeviceBuffer qweight;  // uint32 [k/8, n]: 8 rows per word, lowest nibble = lowest row
    DeviceBuffer zeros;    // uint32 [G, n/8]: true zero points (v2), lowest nibble = lowest column
    DeviceBuffer scales;   // fp16 [G, n]
    DeviceBuffer gIdx;     // int32 [k]: group of each row, any order
};

// Uploads the layer; the zeros are rewritten to hold the true zero point whatever the checkpoint
// format, so the kernels never add the v1 offset.
inline Expected<GptqDeviceLayer> uploadGptqLayer(const GptqLayer& layer, DeviceAllocator& allocator) {
    const std::int64_t k = layer.k, n = layer.n, groups = layer.numGroups();
    if (std::int64_t(layer.qweight.size()) != k / 8 * n || std::int64_t(layer.qzeros.size()) != groups * (n / 8) ||
        std::int64_t(layer.scales.size()) != groups * n || std::int64_t(layer.gIdx.size()) != k)
        return Error{"GPTQ layer tensors do not match k=" + std::to_string(k) + ", n=" + std::to_string(n)};
    for (const std::int32_t g : layer.gIdx)
        if (g < 0 || g >= groups)
            return Error{"g_idx holds group " + std::to_string(g) + " outside 0.." + std::to_string(groups - 1)};

    std::vector<std::uint8_t> zeros = unpackZeros(layer.qzeros, groups, n);
    for (auto& z : zeros) z = std::uint8_t(decodeZero(z, layer.zeroFormat));
    const std::vector<std::int32_t> zerosV2 = packZeros(zeros, groups, n);

    GptqDeviceLayer device;
    auto upload = [&](DeviceBuffer& to, const void* data, std::size_t bytes, MemoryUse use) -> Status {
        auto buffer = allocator.upload(data, bytes, use);
        if (!buffer) return Status::failure(buffer.error());
        to = std::move(buffer).value();
        return Status::success();
    };
    Q4_CHECK(upload(device.qweight, layer.qweight.data(), layer.qweight.size() * 4, MemoryUse::Weights));
    Q4_CHECK(upload(device.zeros, zerosV2.data(), zerosV2.size() * 4, MemoryUse::Zeros));
    Q4_CHECK(upload(device.scales, layer.scales.data(), layer.scales.size() * 2, MemoryUse::Scales));
    Q4_CHECK(upload(device.gIdx, layer.gIdx.data(), layer.gIdx.size() * 4, MemoryUse::GIdx));
    return Expected<GptqDeviceLayer>(std::move(device));
}

// The shapes both kernels take: every valid GPTQ shape whose scale offsets fit 32 bits.
inline Status checkGptqShape(const SweepPoint& point) {
    if (Status shape = validateLayerShape(point.k, point.n, point.quant.groupSize); !shape) return shape;
    if (point.m < 1) return Status::failure("m=" + std::to_string(point.m) + " must be positive");
    constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
    if (point.m > kIntMax || point.n > kIntMax || point.k > kIntMax)
        return Status::failure("m, n and k must each fit in 32 bits");
    if (point.k > 65535 * 128)
        return Status::failure("k=" + std::to_string(point.k) + " needs more than 65535 slabs of 128 rows (grid.y)");
    const std::int64_t groups = point.k / effectiveGroupSize(point.quant.groupSize, point.k);
    if (groups * point.n > kIntMax)
        return Status::failure("groups*n=" + std::to_string(groups * point.n) +
                               " exceeds 2^31-1 (32-bit scale offsets): use a larger group size");
    return Status::success();
}

// grid.z copies that share the m rows (copy z takes rows z, z + gridDim.z, ...): enough blocks in
// all for several waves when the (n, k) grid alone is small, never more copies than rows.
inline unsigned splitRows(std::int64_t m, std::int64_t blocksPerRow, int multiprocessors, int threadsPerBlock) {
    const std::int64_t wanted = std::int64_t(std::max(multiprocessors, 1)) * 4 * (2048 / threadsPerBlock);
    const std::int64_t copies = (wanted + blocksPerRow - 1) / blocksPerRow;
    return unsigned(std::clamp<std::int64_t>(copies, 1, std::min<std::int64_t>(m, 65535)));
}

struct alignas(8) Half4 {
    __half2 lo, hi;
};

// fp32 workspace -> fp16 output, four values per thread (count is a multiple of 8: n % 8 == 0).
__global__ void workspaceToHalfKernel(const float4* __restrict__ workspace, Half4* __restrict__ out,
                                      std::int64_t quads) {
    const std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= quads) return;
    const float4 v = workspace[i];
    out[i] = Half4{__floats2half2_rn(v.x, v.y), __floats2half2_rn(v.z, v.w)};
}

inline Status launchWorkspaceToHalf(const float* workspace, void* c, std::int64_t count, cudaStream_t stream) {
    constexpr int kThreads = 256;
    const std::int64_t quads = count / 4;
    const auto blocks = unsigned((quads + kThreads - 1) / kThreads);
    workspaceToHalfKernel<<<blocks, kThreads, 0, stream>>>(reinterpret_cast<const float4*>(workspace),
                                                           static_cast<Half4*>(c), quads);
    return launchStatus("gptq workspace to fp16");
}

// The fp32 workspace both kernels accumulate into, sized for the largest m.
inline Expected<DeviceBuffer> allocateWorkspace(const SweepPoint& point, DeviceAllocator& allocator) {
    return allocator.allocate(std::size_t(point.m * point.n) * sizeof(float), MemoryUse::Workspace);
}

// The host side both GPTQ-style kernels share: the checkpoint tensors on the device, an fp32
// workspace [maxM, n] that k slabs add into atomically (zeroed on every run), and the final
// conversion to fp16 C. A kernel supplies only its slab launch.
class AtomicSlabKernel : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        n_ = point.n;
        k_ = point.k;
        maxM_ = point.m;
        multiprocessors_ = context.multiprocessors;
        auto device = uploadGptqLayer(layer, *context.allocator);
        if (!device) return Status::failure(device.error());
        layer_ = std::move(device).value();
        auto workspace = allocateWorkspace(point, *context.allocator);
        if (!workspace) return Status::failure(workspace.error());
        workspace_ = std::move(workspace).value();
        return Status::success();
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        if (m < 1 || m > maxM_)
            return Status::failure("m=" + std::to_string(m) + " is outside 1.." + std::to_string(maxM_));
        float* workspace = workspace_.as<float>();
        Q4_CUDA(cudaMemsetAsync(workspace, 0, std::size_t(m * n_) * sizeof(float), context.stream));
        Q4_CHECK(launchSlabs(a, workspace, m, context));
        return launchWorkspaceToHalf(workspace, c, m * n_, context.stream);
    }

protected:
    // Adds every k slab's partial products into workspace [m, n].
    virtual Status launchSlabs(const void* a, float* workspace, std::int64_t m, GpuContext& context) = 0;

    GptqDeviceLayer layer_;
    std::int64_t n_ = 0, k_ = 0;
    int multiprocessors_ = 0;

private:
    DeviceBuffer workspace_;  // fp32 [maxM, n]
    std::int64_t maxM_ = 0;
};

}  // namespace
}  // namespace q4
