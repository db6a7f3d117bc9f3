// Every registered kernel against the fp32 reference, driving GpuKernel directly.
// The matrix: four model shapes and two whose n is not a multiple of 128; group 32/64/128/-1 with
// act-order off and on (8 layers per shape); zero format v1/v2 and symmetric/asymmetric
// alternate so each shape has all four combinations. Each layer is prepared once for the largest
// m and then run at every m, which crosses the m thresholds where dispatchers switch paths.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/gpu_kernel.h"
#include "gpu_test_support.h"
#include "reference/reference_fp32.h"
#include "run/problem_data.h"

namespace q4 {
namespace {

// Both sides of every dispatch threshold: 8 | 9 (m tiles), 16 | 17, 32 | 33, 64 | 65, 128 | 129 and
// 512 | 513 (rows per launch or tile, best_int4's paths; two and three 256-row wgmma tiles).
const std::vector<std::int64_t> kMs = {1, 2, 3, 7, 9, 16, 17, 33, 64, 65, 129, 300, 512, 513};

// best_int4 also crosses its last threshold on the H100: 4096 | 4097 (wgmma_int4 | dequantize +
// cuBLAS).
std::vector<std::int64_t> msFor(const std::string& kernelId) {
    std::vector<std::int64_t> ms = kMs;
    if (kernelId == "best_int4") ms.insert(ms.end(), {4096, 4097});
    return ms;
}

constexpr double kTolerance = 1e-2;
constexpr std::uint64_t kSeed = 4242;
constexpr HalfBits kPoison = 0xFFFF;  // fp16 NaN: an element the kernel fails to write stays NaN

struct LayerConfig {
    std::int64_t n = 0, k = 0;
    QuantConfig quant;
    bool modelShape = true;  // false for the shape whose n is not a multiple of 128

    auto key() const {
        return std::tuple(n, k, quant.groupSize, quant.actOrder, quant.symmetric, int(quant.zeroFormat));
    }
    // Every ranked kernel must run the common case: model shapes, natural order, group 128.
    bool required() const { return modelShape && quant.groupSize == 128 && !quant.actOrder; }
};

std::string describe(const LayerConfig& c) {
    std::ostringstream out;
    out << "n=" << c.n << " k=" << c.k << " group=" << c.quant.groupSize
        << " act_order=" << (c.quant.actOrder ? "on" : "off") << " zeros=" << nameOf(c.quant.zeroFormat)
        << (c.quant.symmetric ? " symmetric" : " asymmetric");
    return out.str();
}

std::vector<LayerConfig> layerConfigs() {
    struct Shape {
        std::int64_t n, k;
    };
    const std::vector<Shape> modelShapes = {{4096, 4096}, {11008, 4096}, {4096, 11008}, {8192, 8192}};
    const int groups[] = {32, 64, 128, -1};
    std::vector<LayerConfig> configs;
    const int shapes = int(modelShapes.size()) + 2;  // plus two odd shapes
    for (int s = 0; s < shapes; ++s) {
        for (int g = 0; g < 4; ++g) {
            for (int actOrder = 0; actOrder < 2; ++actOrder) {
                LayerConfig c;
                if (s < int(modelShapes.size())) {
                    c.n = modelShapes[std::size_t(s)].n;
                    c.k = modelShapes[std::size_t(s)].k;
                } else {
                    // n = 8 * 513: a multiple of 8 only; n = 16 * 259: a multiple of 16 whose
                    // last 128-feature block is partial. k is not a multiple of 128 where the
                    // group allows it (4160 = 65 * 64), else 4224 = 33 * 128.
                    c.modelShape = false;
                    c.n = s == int(modelShapes.size()) ? 4104 : 4144;
                    c.k = groups[g] == 128 ? 4224 : 4160;
                }
                c.quant.groupSize = groups[g];
                c.quant.actOrder = actOrder == 1;
                // Shifted by the shape so each (group, act-order) pair meets different combinations.
                const int combo = (2 * g + actOrder + s) % 4;
                c.quant.zeroFormat = (combo & 1) ? ZeroFormat::V2 : ZeroFormat::V1;
                c.quant.symmetric = (combo & 2) == 0;
                configs.push_back(c);
            }
        }
    }
    return configs;
}

// Layers are shared by every kernel's test in the process: generating the 48 layers takes
// tens of CPU seconds, so the missing ones are made in parallel and kept.
class LayerCache {
public:
    static LayerCache& instance() {
        static LayerCache cache;
        return cache;
    }

    // The layers for configs, in order; a null entry's error is in errors[i].
    std::vector<std::shared_ptr<const LayerData>> get(const std::vector<LayerConfig>& configs,
                                                      std::vector<std::string>& errors) {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::shared_ptr<const LayerData>> layers(configs.size());
        errors.assign(configs.size(), {});
        std::vector<std::size_t> missing;
        for (std::size_t i = 0; i < configs.size(); ++i) {
            auto it = layers_.find(configs[i].key());
            if (it != layers_.end()) layers[i] = it->second;
            else missing.push_back(i);
        }
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t j = next++; j < missing.size(); j = next++) {
                const LayerConfig& c = configs[missing[j]];
                auto made = makeLayerData(c.n, c.k, c.quant, kSeed);
                if (made) layers[missing[j]] = std::make_shared<const LayerData>(std::move(made).value());
                else errors[missing[j]] = made.error();
            }
        };
        const std::size_t threads = std::min<std::size_t>(missing.size(), std::max(1u, std::thread::hardware_concurrency()));
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work);
        for (auto& t : pool) t.join();
        for (std::size_t i : missing)
            if (layers[i]) layers_[configs[i].key()] = layers[i];
        return layers;
    }

private:
    std::mutex mutex_;
    std::map<decltype(LayerConfig{}.key()), std::shared_ptr<const LayerData>> layers_;
};

const KernelEntry* findEntry(const std::string& id) {
    for (const auto& entry : kernelRegistry())
        if (entry.info.id == id) return &entry;
    return nullptr;
}

std::string testName(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

template <class T>
Status download(std::vector<T>& host, const void* device, std::size_t count) {
    host.resize(count);
    return cudaStatus(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost), "download");
}

class KernelCorrectness : public ::testing::TestWithParam<std::string> {};

TEST_P(KernelCorrectness, MatchesFp32Reference) {
    Q4_REQUIRE_GPU();
    const KernelEntry* entry = findEntry(GetParam());
    ASSERT_NE(entry, nullptr);
    test::GpuTestContext gpu;
    ASSERT_NE(gpu.stream(), nullptr);
    const std::vector<std::int64_t> testMs = msFor(GetParam());
    const std::int64_t maxM = testMs.back();

    // Which (layer, m) points the kernel claims; the rest are counted, not run.
    const std::vector<LayerConfig> all = layerConfigs();
    std::vector<LayerConfig> supported;
    std::vector<std::vector<std::int64_t>> supportedMs;
    int unsupportedPoints = 0;
    const GpuContext probe = gpu.context(nullptr);
    for (const LayerConfig& c : all) {
        std::vector<std::int64_t> ms;
        std::string firstReason;
        for (std::int64_t m : testMs) {
            const SweepPoint point{m, c.n, c.k, "", c.quant};
            const Status why = entry->supports(point, probe);
            if (why) {
                ms.push_back(m);
            } else {
                ++unsupportedPoints;
                if (firstReason.empty()) firstReason = "m=" + std::to_string(m) + ": " + why.message;
            }
        }
        // Small-m specialists (family "gemv") may turn larger m away, with a reason naming m.
        const bool specialist = entry->info.family == "gemv";
        const bool coversRequiredMs =
            specialist ? !ms.empty() && ms.front() == 1 && firstReason.find("m=") != std::string::npos
                       : ms.size() == testMs.size();
        if (c.required() && !coversRequiredMs && !(specialist && ms.size() == testMs.size()))
            ADD_FAILURE() << GetParam() << " must support " << describe(c) << (specialist ? " from m=1" : " at every m")
                          << ", but rejects " << testMs.size() - ms.size() << " (" << firstReason << ")";
        if (!ms.empty()) {
            supported.push_back(c);
            supportedMs.push_back(ms);
        }
    }

    std::vector<std::string> errors;
    const auto layers = LayerCache::instance().get(supported, errors);
    double worst = 0;
    int checkedPoints = 0;
    for (std::size_t i = 0; i < supported.size(); ++i) {
        const LayerConfig& config = supported[i];
        const std::vector<std::int64_t>& ms = supportedMs[i];
        SCOPED_TRACE(GetParam() + " " + describe(config));
        ASSERT_TRUE(layers[i]) << errors[i];
        const LayerData& data = *layers[i];
        const std::int64_t n = config.n, k = config.k, preparedM = ms.back();

        // Activations for the largest m; the first m rows are the [m, k] input at every m.
        const std::vector<HalfBits> a = makeActivations(maxM, k, mixSeed(kSeed, std::uint64_t(k)));
        ASSERT_TRUE(std::any_of(a.begin(), a.end(), [](HalfBits h) { return (h & 0x7fff) != 0; }))
            << "activations are all zero";

        DeviceAllocator buffers;
        auto aDevice = buffers.upload(a.data(), a.size() * sizeof(HalfBits), MemoryUse::Activations);
        ASSERT_TRUE(aDevice) << aDevice.error();
        auto wDevice = buffers.upload(data.dequantized.data(), data.dequantized.size() * sizeof(float),
                                      MemoryUse::Weights);
        ASSERT_TRUE(wDevice) << wDevice.error();
        const std::size_t cCount = std::size_t(preparedM * n);
        auto cDevice = buffers.allocate(cCount * sizeof(HalfBits), MemoryUse::Output);
        ASSERT_TRUE(cDevice) << cDevice.error();
        auto refDevice = buffers.allocate(cCount * sizeof(float), MemoryUse::Output);
        ASSERT_TRUE(refDevice) << refDevice.error();

        DeviceAllocator kernelMemory;  // declared before the kernel: outlives its buffers
        GpuContext context = gpu.context(&kernelMemory);
        std::unique_ptr<GpuKernel> kernel = entry->create();
        ASSERT_NE(kernel, nullptr) << "create() returned no kernel although supports() accepted the layer";
        const SweepPoint point{preparedM, n, k, "", config.quant};
        const Status prepared = kernel->prepare(data.layer, point, context);
        EXPECT_TRUE(prepared) << "prepare: " << prepared.message;
        if (!prepared) continue;
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess) << "prepare failed on the device";

        for (std::int64_t m : ms) {
            SCOPED_TRACE("m=" + std::to_string(m) + (kernel->path(m).empty() ? "" : " path=" + kernel->path(m)));
            ASSERT_EQ(cudaMemsetAsync(cDevice->data(), kPoison & 0xff, cDevice->bytes(), gpu.stream()), cudaSuccess);
            const Status ran = kernel->run(aDevice->data(), cDevice->data(), m, context);
            EXPECT_TRUE(ran) << "run: " << ran.message;
            // A failed launch leaves the context usable; a fault inside the kernel does not.
            const cudaError_t synced = cudaStreamSynchronize(gpu.stream());
            ASSERT_EQ(synced, cudaSuccess) << "kernel failed on the device: " << cudaGetErrorString(synced);
            if (!ran) continue;
            const Status referenced = launchReferenceFp32(aDevice->data(), wDevice->as<float>(),
                                                          refDevice->as<float>(), m, n, k, gpu.stream());
            ASSERT_TRUE(referenced) << referenced.message;
            ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);

            std::vector<HalfBits> c;
            std::vector<float> reference;
            const Status gotC = download(c, cDevice->data(), cCount);
            ASSERT_TRUE(gotC) << gotC.message;
            const Status gotRef = download(reference, refDevice->data(), std::size_t(m * n));
            ASSERT_TRUE(gotRef) << gotRef.message;
            // Rows past m belong to nobody: a kernel that writes them corrupts its caller's memory.
            const auto strayWrites = std::count_if(c.begin() + m * n, c.end(), [](HalfBits h) { return h != kPoison; });
            EXPECT_EQ(strayWrites, 0) << "elements written past row m";
            c.resize(std::size_t(m * n));
            const double error = relativeError(toFloat(c), reference);
            EXPECT_LT(error, kTolerance);
            worst = std::isfinite(error) ? std::max(worst, error) : error;
            ++checkedPoints;
        }
    }

    char worstText[32];
    std::snprintf(worstText, sizeof(worstText), "%.3g", worst);
    RecordProperty("worst_rel_error", worstText);
    RecordProperty("checked_points", checkedPoints);
    RecordProperty("unsupported_points", unsupportedPoints);
    std::printf("%s: %d points checked, worst relative error %s, %d points unsupported\n", GetParam().c_str(),
                checkedPoints, worstText, unsupportedPoints);
}

INSTANTIATE_TEST_SUITE_P(Registry, KernelCorrectness, ::testing::ValuesIn(test::denseKernelIds()), testName);

// tc_int4 and the dispatcher on small layers whose k splits at one and two m tiles but not at four,
// prepared for a large m and run at every m of one and two launches. Each m tile count's largest m
// writes the most split-k partials; at m = 13 on n = 256, k = 384 they once overran a workspace
// sized by the count's smallest m, and the output was left unwritten.
class SmallSplitK : public ::testing::TestWithParam<std::string> {};

TEST_P(SmallSplitK, EveryMMatchesFp32Reference) {
    Q4_REQUIRE_GPU();
    const KernelEntry* entry = findEntry(GetParam());
    ASSERT_NE(entry, nullptr);
    test::GpuTestContext gpu;
    struct Shape {
        std::int64_t n, k;
        int group;
        bool actOrder;
    };
    const Shape shapes[] = {{256, 384, -1, false}, {192, 512, 128, true}, {80, 640, 128, false},
                            {208, 448, 32, true},  {336, 576, 64, false}};
    constexpr std::int64_t kPreparedM = 300;
    std::vector<std::int64_t> ms;
    for (std::int64_t m = 1; m <= 64; ++m) ms.push_back(m);
    ms.push_back(kPreparedM);
    for (const Shape& shape : shapes) {
        LayerConfig config;
        config.n = shape.n;
        config.k = shape.k;
        config.quant.groupSize = shape.group;
        config.quant.actOrder = shape.actOrder;
        config.quant.symmetric = false;
        SCOPED_TRACE(GetParam() + " " + describe(config));
        const std::int64_t n = shape.n, k = shape.k;
        const SweepPoint point{kPreparedM, n, k, "", config.quant};
        const Status supported = entry->supports(point, gpu.context(nullptr));
        ASSERT_TRUE(supported) << supported.message;
        auto data = makeLayerData(n, k, config.quant, kSeed);
        ASSERT_TRUE(data) << data.error();

        DeviceAllocator buffers;
        const std::vector<HalfBits> a = makeActivations(kPreparedM, k, mixSeed(kSeed, std::uint64_t(k)));
        auto aDevice = buffers.upload(a.data(), a.size() * sizeof(HalfBits), MemoryUse::Activations);
        ASSERT_TRUE(aDevice) << aDevice.error();
        auto wDevice = buffers.upload(data->dequantized.data(), data->dequantized.size() * sizeof(float),
                                      MemoryUse::Weights);
        ASSERT_TRUE(wDevice) << wDevice.error();
        const std::size_t cCount = std::size_t(kPreparedM * n);
        auto cDevice = buffers.allocate(cCount * sizeof(HalfBits), MemoryUse::Output);
        ASSERT_TRUE(cDevice) << cDevice.error();
        auto refDevice = buffers.allocate(cCount * sizeof(float), MemoryUse::Output);
        ASSERT_TRUE(refDevice) << refDevice.error();

        DeviceAllocator kernelMemory;  // declared before the kernel: outlives its buffers
        GpuContext context = gpu.context(&kernelMemory);
        std::unique_ptr<GpuKernel> kernel = entry->create();
        const Status prepared = kernel->prepare(data->layer, point, context);
        ASSERT_TRUE(prepared) << "prepare: " << prepared.message;
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);

        for (std::int64_t m : ms) {
            SCOPED_TRACE("m=" + std::to_string(m) + " path=" + kernel->path(m));
            ASSERT_EQ(cudaMemsetAsync(cDevice->data(), kPoison & 0xff, cDevice->bytes(), gpu.stream()), cudaSuccess);
            const Status ran = kernel->run(aDevice->data(), cDevice->data(), m, context);
            ASSERT_TRUE(ran) << "run: " << ran.message;
            const cudaError_t synced = cudaStreamSynchronize(gpu.stream());
            ASSERT_EQ(synced, cudaSuccess) << "kernel failed on the device: " << cudaGetErrorString(synced);
            ASSERT_TRUE(launchReferenceFp32(aDevice->data(), wDevice->as<float>(), refDevice->as<float>(), m, n, k,
                                            gpu.stream()));
            ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);
            std::vector<HalfBits> c;
            std::vector<float> reference;
            ASSERT_TRUE(download(c, cDevice->data(), cCount));
            ASSERT_TRUE(download(reference, refDevice->data(), std::size_t(m * n)));
            EXPECT_EQ(std::count(c.begin() + m * n, c.end(), kPoison), std::ptrdiff_t(cCount - std::size_t(m * n)))
                << "elements written past row m";
            c.resize(std::size_t(m * n));
            EXPECT_EQ(std::count(c.begin(), c.end(), kPoison), 0) << "elements left unwritten";
            EXPECT_LT(relativeError(toFloat(c), reference), kTolerance);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(TcInt4Family, SmallSplitK, ::testing::Values(std::string("tc_int4"), std::string("best_int4")),
                         testName);

// The reference itself against the CPU product in double, with act-order scattering the groups.
TEST(ReferenceFp32, MatchesCpuReferenceProduct) {
    Q4_REQUIRE_GPU();
    const std::int64_t n = 264, k = 384;
    QuantConfig quant;
    quant.groupSize = 64;
    quant.actOrder = true;
    auto data = makeLayerData(n, k, quant, kSeed);
    ASSERT_TRUE(data) << data.error();

    test::GpuTestContext gpu;
    DeviceAllocator buffers;
    auto w = buffers.upload(data->dequantized.data(), data->dequantized.size() * sizeof(float), MemoryUse::Weights);
    ASSERT_TRUE(w) << w.error();
    for (std::int64_t m : {1, 3, 17}) {
        SCOPED_TRACE("m=" + std::to_string(m));
        const std::vector<HalfBits> a = makeActivations(m, k, kSeed);
        auto aDevice = buffers.upload(a.data(), a.size() * sizeof(HalfBits), MemoryUse::Activations);
        ASSERT_TRUE(aDevice) << aDevice.error();
        auto c = buffers.allocate(std::size_t(m * n) * sizeof(float), MemoryUse::Output);
        ASSERT_TRUE(c) << c.error();
        auto cHalf = buffers.allocate(std::size_t(m * n) * sizeof(HalfBits), MemoryUse::Output);
        ASSERT_TRUE(cHalf) << cHalf.error();
        ASSERT_TRUE(launchReferenceFp32(aDevice->data(), w->as<float>(), c->as<float>(), m, n, k, gpu.stream()));
        ASSERT_TRUE(launchReferenceFp32ToHalf(aDevice->data(), w->as<float>(), cHalf->data(), m, n, k, gpu.stream()));
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);

        std::vector<float> gpuC;
        std::vector<HalfBits> gpuHalf;
        ASSERT_TRUE(download(gpuC, c->data(), std::size_t(m * n)));
        ASSERT_TRUE(download(gpuHalf, cHalf->data(), std::size_t(m * n)));
        const std::vector<float> cpu = referenceProduct(toFloat(a), m, data->dequantized, k, n);
        ASSERT_EQ(cpu.size(), std::size_t(m * n));
        EXPECT_LT(relativeError(gpuC, cpu), 1e-5);
        // The fp16 output variant (the fp32_reference kernel) only adds output rounding.
        EXPECT_LT(relativeError(toFloat(gpuHalf), cpu), 2e-3);
    }
}

}  // namespace
}  // namespace q4
