// GpuKernel::prepareFromDevice against prepare: a kernel prepared from qweight already on the
// device holds the same memory and gives the same output, to the bit, as one prepared from the host
// layer, for every kernel that lays weights out on the device (tc_int4 and those built on it,
// cublas_fp16 and cublas_fp16_kn) and for the default path (dequant_cublas). Shapes cover act-order
// with groups 32 and 128, one group over k, both zero formats, and odd m on both sides of every
// dispatch threshold.
// The staging words are overwritten after prepare, so a kernel that kept reading them would fail.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/gpu_kernel.h"
#include "gpu_test_support.h"
#include "run/problem_data.h"
#include "tc_int4/tc_int4.h"

namespace q4 {
namespace {

constexpr HalfBits kPoison = 0xFFFF;  // fp16 NaN: an element the kernel fails to write stays NaN

struct Shape {
    std::int64_t n, k;
    int group;
    bool actOrder;
    ZeroFormat zeroFormat;
};

const std::vector<Shape> kShapes = {
    {128, 256, 32, true, ZeroFormat::V1},
    {192, 512, 128, true, ZeroFormat::V2},
    {256, 384, -1, false, ZeroFormat::V1},
    {80, 640, 128, false, ZeroFormat::V2},
    {144, 1024, 32, false, ZeroFormat::V1},
};

std::string describe(const Shape& s) {
    return "n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) + " group=" + std::to_string(s.group) +
           (s.actOrder ? " act-order" : "") + (s.zeroFormat == ZeroFormat::V2 ? " v2" : " v1");
}

GptqLayer makeLayer(const Shape& s) {
    QuantConfig quant;
    quant.groupSize = s.group;
    quant.actOrder = s.actOrder;
    quant.symmetric = false;
    quant.zeroFormat = s.zeroFormat;
    auto data = makeLayerData(s.n, s.k, quant, 0x5EED + std::uint64_t(s.n * 7 + s.k));
    EXPECT_TRUE(data) << data.error();
    return data ? std::move(data).value().layer : GptqLayer{};
}

std::vector<std::int64_t> msFor(const std::string& kernelId) {
    if (kernelId == "gemv_int4") return {1, 3, 5, 8};
    // 1, 3: gemv_int4; 13: tc_int4; 33, 300: wgmma_int4 on sm_90; 4097: dequantize + cuBLAS.
    if (kernelId == "best_int4") return {1, 3, 13, 33, 300, 4097};
    return {1, 3, 13, 33, 300};
}

const KernelEntry* findKernel(const std::string& id) {
    for (const KernelEntry& entry : kernelRegistry())
        if (entry.info.id == id) return &entry;
    return nullptr;
}

// The kernel's output for activations a [m, k], as fp16 bits.
std::vector<HalfBits> runKernel(GpuKernel& kernel, GpuContext& context, const void* a, std::int64_t m,
                                std::int64_t n) {
    std::vector<HalfBits> c(std::size_t(m * n), kPoison);
    void* deviceC = nullptr;
    EXPECT_EQ(cudaMalloc(&deviceC, c.size() * sizeof(HalfBits)), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(deviceC, c.data(), c.size() * sizeof(HalfBits), cudaMemcpyHostToDevice), cudaSuccess);
    // A pageable copy may return before it lands, and the legacy stream does not order the kernel's.
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const Status ran = kernel.run(a, deviceC, m, context);
    EXPECT_TRUE(ran) << ran.message;
    EXPECT_EQ(cudaStreamSynchronize(context.stream), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(c.data(), deviceC, c.size() * sizeof(HalfBits), cudaMemcpyDeviceToHost), cudaSuccess);
    cudaFree(deviceC);
    return c;
}

class PrepareFromDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(PrepareFromDevice, GivesTheHostPreparedOutputToTheBit) {
    Q4_REQUIRE_GPU();
    const std::string& id = GetParam();
    const KernelEntry* entry = findKernel(id);
    ASSERT_NE(entry, nullptr) << id;
    test::GpuTestContext gpu;
    const std::vector<std::int64_t> ms = msFor(id);
    int compared = 0;
    for (const Shape& shape : kShapes) {
        SCOPED_TRACE(describe(shape));
        const GptqLayer layer = makeLayer(shape);
        SweepPoint point;
        point.m = *std::max_element(ms.begin(), ms.end());
        point.n = shape.n;
        point.k = shape.k;
        point.quant.groupSize = shape.group;
        point.quant.symmetric = false;
        point.quant.actOrder = shape.actOrder;
        point.quant.zeroFormat = shape.zeroFormat;
        DeviceAllocator hostAllocator, deviceAllocator, dataAllocator;
        GpuContext hostContext = gpu.context(&hostAllocator), deviceContext = gpu.context(&deviceAllocator);
        if (Status s = entry->supports(point, hostContext); !s) {
            std::printf("%s: %s: %s\n", id.c_str(), describe(shape).c_str(), s.message.c_str());
            continue;
        }

        auto fromHost = entry->create();
        const Status hostPrepared = fromHost->prepare(layer, point, hostContext);
        ASSERT_TRUE(hostPrepared) << hostPrepared.message;

        DeviceBuffer staging;
        ASSERT_TRUE(uploadVector(dataAllocator, layer.qweight, MemoryUse::Weights, staging));
        GptqLayer withoutQweight = layer;
        withoutQweight.qweight.clear();
        auto fromDevice = entry->create();
        const Status devicePrepared = fromDevice->prepareFromDevice(withoutQweight, staging.data(), point, deviceContext);
        ASSERT_TRUE(devicePrepared) << devicePrepared.message;
        ASSERT_EQ(cudaMemsetAsync(staging.data(), 0x5A, staging.bytes(), gpu.stream()), cudaSuccess);
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);

        const MemoryBreakdown hostMemory = hostAllocator.breakdown(), deviceMemory = deviceAllocator.breakdown();
        EXPECT_EQ(deviceMemory.weights, hostMemory.weights);
        EXPECT_EQ(deviceMemory.scales, hostMemory.scales);
        EXPECT_EQ(deviceMemory.zeros, hostMemory.zeros);
        EXPECT_EQ(deviceMemory.gIdx, hostMemory.gIdx);
        EXPECT_EQ(deviceMemory.workspace, hostMemory.workspace);

        for (std::int64_t m : ms) {
            SCOPED_TRACE("m=" + std::to_string(m));
            DeviceBuffer a;
            ASSERT_TRUE(uploadVector(dataAllocator, makeActivations(m, shape.k, 17), MemoryUse::Activations, a));
            const std::vector<HalfBits> want = runKernel(*fromHost, hostContext, a.data(), m, shape.n);
            const std::vector<HalfBits> got = runKernel(*fromDevice, deviceContext, a.data(), m, shape.n);
            ASSERT_EQ(std::count(want.begin(), want.end(), kPoison), 0) << "the host-prepared kernel left elements unwritten";
            std::size_t differ = 0;
            for (std::size_t i = 0; i < want.size(); ++i) differ += want[i] != got[i] ? 1 : 0;
            EXPECT_EQ(differ, 0u) << "of " << want.size() << " outputs";
            ++compared;
        }
    }
    std::printf("%s: %d (shape, m) outputs compared\n", id.c_str(), compared);
    if (id != "wgmma_int4") EXPECT_GT(compared, 0);  // wgmma_int4 runs on compute capability 9.0 only
}

INSTANTIATE_TEST_SUITE_P(Kernels, PrepareFromDevice,
                         ::testing::Values(std::string("tc_int4"), std::string("best_int4"), std::string("gemv_int4"),
                                           std::string("wgmma_int4"), std::string("cublas_fp16"),
                                           std::string("cublas_fp16_kn"), std::string("dequant_cublas")),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// tc_int4's layout itself: the words laid out on the device are the host layout's, word for word,
// and so are the scales and zeros beside them.
TEST(PrepareFromDevice, TcInt4LaysOutTheHostWords) {
    Q4_REQUIRE_GPU();
    test::GpuTestContext gpu;
    for (const Shape& shape : kShapes) {
        SCOPED_TRACE(describe(shape));
        const GptqLayer layer = makeLayer(shape);
        auto layout = makeFragmentLayout(layer);
        ASSERT_TRUE(layout) << layout.error();
        SweepPoint point;
        point.m = 5;
        point.n = shape.n;
        point.k = shape.k;
        point.quant.groupSize = shape.group;
        DeviceAllocator allocator;
        GpuContext context = gpu.context(&allocator);
        DeviceBuffer staging;
        ASSERT_TRUE(uploadVector(allocator, layer.qweight, MemoryUse::Weights, staging));
        GptqLayer withoutQweight = layer;
        withoutQweight.qweight.clear();
        TcInt4 kernel;
        const Status prepared = kernel.prepareFromDevice(withoutQweight, staging.data(), point, context);
        ASSERT_TRUE(prepared) << prepared.message;
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);
        const FragmentWeightsView view = kernel.weights();
        const auto download = [](const void* device, std::size_t count) {
            std::vector<std::uint32_t> host(count);
            EXPECT_EQ(cudaMemcpy(host.data(), device, count * 4, cudaMemcpyDeviceToHost), cudaSuccess);
            return host;
        };
        EXPECT_EQ(download(view.words, layout->words.size()), layout->words);
        EXPECT_EQ(download(view.scales, layout->scales.size()), layout->scales);
        EXPECT_EQ(download(view.zeros, layout->zeros.size()), layout->zeros);
        EXPECT_EQ(layout->permutation.empty(), !shape.actOrder);
    }
}

}  // namespace
}  // namespace q4
