// The measurement harness on a real device: memory tracking, timer linearity, the cold-L2 flush,
// CUDA graph replay and a whole sweep through the CUDA backend.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "backend/backend_registry.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_devices.h"
#include "cuda/device_fill.h"
#include "cuda/device_memory.h"
#include "cuda/gpu_timer.h"
#include "gpu_test_support.h"
#include "run/problem_data.h"
#include "run/runner.h"

namespace q4 {
namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;
constexpr std::uint64_t kSeed = 99;

std::size_t freeDeviceBytes() {
    std::size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    return free;
}

// A layer, its activations and the Problem that points at them, for backend-level tests.
struct ProblemData {
    LayerData layer;
    std::vector<HalfBits> a;
    Problem problem;
};

std::unique_ptr<ProblemData> makeProblem(std::int64_t m, std::int64_t n, std::int64_t k) {
    SweepPoint point{m, n, k, "", QuantConfig{}};
    auto layer = makeLayerData(n, k, point.quant, kSeed);
    if (!layer) return nullptr;
    auto data = std::make_unique<ProblemData>(ProblemData{std::move(layer).value(), makeActivations(m, k, kSeed), {}});
    data->problem = Problem{point, &data->layer.layer, &data->a, 1, nullptr};
    return data;
}

TEST(Harness, AllocatorMatchesDeviceFreeMemory) {
    Q4_REQUIRE_GPU();
    const std::size_t sizes[] = {256 * kMiB, 64 * kMiB, 1024 * kMiB};
    // cudaMalloc rounds to 2 MiB pages; the rest of the slack covers driver bookkeeping.
    auto slack = [](double tracked) { return 2.0 * double(kMiB) + 0.01 * tracked; };
    {
        DeviceAllocator warmUp;  // the first allocation sets up the driver's pools
        auto buffer = warmUp.allocate(kMiB, MemoryUse::Workspace);
    }

    // Free memory is device-wide, so another process allocating at the same moment skews one
    // attempt; a few attempts make that harmless.
    double used = 0, tracked = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        DeviceAllocator allocator;
        const std::size_t freeBefore = freeDeviceBytes();
        std::vector<DeviceBuffer> buffers;
        for (std::size_t bytes : sizes) {
            auto buffer = allocator.allocate(bytes, MemoryUse::Workspace);
            ASSERT_TRUE(buffer) << buffer.error();
            buffers.push_back(std::move(buffer).value());
        }
        used = double(freeBefore) - double(freeDeviceBytes());
        tracked = double(allocator.currentBytes());
        if (std::abs(used - tracked) <= slack(tracked)) break;
    }
    EXPECT_NEAR(used, tracked, slack(tracked)) << "device lost " << used / 1e6 << " MB, the allocator counted "
                                               << tracked / 1e6 << " MB";

    // Freeing lowers the current count and leaves the peak.
    DeviceAllocator allocator;
    std::vector<DeviceBuffer> buffers;
    for (std::size_t bytes : sizes) {
        auto buffer = allocator.allocate(bytes, MemoryUse::Workspace);
        ASSERT_TRUE(buffer) << buffer.error();
        buffers.push_back(std::move(buffer).value());
    }
    const std::int64_t total = std::int64_t(sizes[0] + sizes[1] + sizes[2]);
    EXPECT_EQ(allocator.currentBytes(), total);
    EXPECT_EQ(allocator.peakBytes(), total);
    EXPECT_EQ(allocator.breakdown().workspace, total);
    buffers[2].release();
    EXPECT_EQ(allocator.currentBytes(), total - std::int64_t(sizes[2]));
    EXPECT_EQ(allocator.peakBytes(), total);
    buffers.clear();
    EXPECT_EQ(allocator.currentBytes(), 0);
    EXPECT_EQ(allocator.peakBytes(), total);
}

TEST(Harness, TwiceTheWorkTakesTwiceTheTime) {
    Q4_REQUIRE_GPU();
    auto info = cudaDeviceInfo(0);
    ASSERT_TRUE(info) << info.error();
    test::GpuTestContext gpu;
    auto timer = GpuTimer::create(gpu.stream(), std::size_t(info->l2Bytes));
    ASSERT_TRUE(timer) << timer.error();

    // Device-to-device copies far larger than the L2: pure memory traffic, linear in bytes.
    const std::size_t bytes = 1024 * kMiB;
    DeviceAllocator allocator;
    auto src = allocator.allocate(bytes, MemoryUse::Workspace);
    auto dst = allocator.allocate(bytes, MemoryUse::Workspace);
    ASSERT_TRUE(src && dst) << "cannot allocate 2 GiB";
    ASSERT_TRUE(fillRandomHalf(src->data(), bytes / sizeof(HalfBits), kSeed, gpu.stream()));
    auto copy = [&](std::size_t count) {
        return [&, count]() -> Status {
            return cudaStatus(cudaMemcpyAsync(dst->data(), src->data(), count, cudaMemcpyDeviceToDevice, gpu.stream()),
                              "copy");
        };
    };

    // Interleaved, so clock changes or a neighbour on the device hit both sizes alike.
    std::vector<double> once, twice;
    for (int i = 0; i < 12; ++i) {
        auto t1 = timer.value()->time(copy(bytes / 2), false);
        auto t2 = timer.value()->time(copy(bytes), false);
        ASSERT_TRUE(t1) << t1.error();
        ASSERT_TRUE(t2) << t2.error();
        if (i < 2) continue;  // warm-up
        once.push_back(*t1);
        twice.push_back(*t2);
    }
    const double ratio = test::median(twice) / test::median(once);
    std::printf("copy 512 MiB: %.3f ms, 1 GiB: %.3f ms, ratio %.3f\n", test::median(once) * 1e3,
                test::median(twice) * 1e3, ratio);
    EXPECT_GE(ratio, 1.7);
    EXPECT_LE(ratio, 2.3);
}

TEST(Harness, ColdL2IsSlowerThanHotOnWeightsThatFitInL2) {
    Q4_REQUIRE_GPU();
    auto backend = BackendRegistry::instance().create("cuda", 0);
    ASSERT_TRUE(backend) << backend.error();
    const std::int64_t n = 2048, k = 2048;  // fp16 weights: 8 MiB
    if (backend.value()->deviceInfo().l2Bytes < 2 * n * k * 2)
        GTEST_SKIP() << "the L2 is too small to hold the fp16 weights";
    auto data = makeProblem(1, n, k);
    ASSERT_TRUE(data);
    auto instance = backend.value()->prepare("cublas_fp16", data->problem);
    ASSERT_TRUE(instance) << instance.error();
    KernelInstance& kernel = *instance.value();

    TimingOptions cold, hot;
    cold.l2 = L2Mode::Cold;
    hot.l2 = L2Mode::Hot;
    std::vector<double> coldTimes, hotTimes;
    for (int i = 0; i < 33; ++i) {
        auto c = kernel.timeLaunches(1, cold);
        auto h = kernel.timeLaunches(1, hot);  // right after a run: the weights are in L2
        ASSERT_TRUE(c) << c.error();
        ASSERT_TRUE(h) << h.error();
        if (i < 3) continue;  // warm-up
        coldTimes.push_back(*c);
        hotTimes.push_back(*h);
    }
    const double coldMedian = test::median(coldTimes), hotMedian = test::median(hotTimes);
    std::printf("cublas_fp16 m=1 n=k=2048: cold %.2f us, hot %.2f us\n", coldMedian * 1e6, hotMedian * 1e6);
    EXPECT_GT(coldMedian, hotMedian * 1.05);
}

TEST(Harness, CudaGraphReplayIsTimed) {
    Q4_REQUIRE_GPU();
    auto backend = BackendRegistry::instance().create("cuda", 0);
    ASSERT_TRUE(backend) << backend.error();
    auto data = makeProblem(16, 1024, 1024);
    ASSERT_TRUE(data);
    auto instance = backend.value()->prepare("cublas_fp16", data->problem);
    ASSERT_TRUE(instance) << instance.error();

    TimingOptions timing;
    timing.cudaGraph = true;
    timing.l2 = L2Mode::Hot;
    for (int i = 0; i < 5; ++i) {
        auto t = instance.value()->timeLaunches(4, timing);
        ASSERT_TRUE(t) << t.error();
        EXPECT_GT(*t, 0.0);
        EXPECT_LT(*t, 0.1);
    }
    timing.l2 = L2Mode::Cold;
    auto t = instance.value()->timeLaunches(1, timing);
    ASSERT_TRUE(t) << t.error();
    EXPECT_GT(*t, 0.0);
}

// l2=stream: the copies' weights together exceed the L2 four times (or stop at the cap), they are
// the measurement's memory and not the kernel's, and every sample is a time per run.
TEST(Harness, StreamModeCyclesOverCopiesLargerThanTheL2) {
    Q4_REQUIRE_GPU();
    auto backend = BackendRegistry::instance().create("cuda", 0);
    ASSERT_TRUE(backend) << backend.error();
    const double l2 = double(backend.value()->deviceInfo().l2Bytes);
    ASSERT_TRUE(backend.value()->supportsTiming(TimingOptions{.l2 = L2Mode::Stream}));
    auto data = makeProblem(3, 2048, 1536);
    ASSERT_TRUE(data);
    for (const char* id : {"cublas_fp16", "best_int4", "exllama_style"}) {
        SCOPED_TRACE(id);
        auto instance = backend.value()->prepare(id, data->problem);
        ASSERT_TRUE(instance) << instance.error();
        KernelInstance& kernel = *instance.value();
        const MemoryBreakdown before = kernel.memory();
        const double layerBytes = double(before.weights + before.scales + before.zeros + before.gIdx);
        EXPECT_FALSE(kernel.streamCopies().has_value());
        TimingOptions stream;
        stream.l2 = L2Mode::Stream;
        for (int i = 0; i < 5; ++i) {
            auto t = kernel.timeStream(stream);
            ASSERT_TRUE(t) << t.error();
            EXPECT_GT(*t, 0.0);
            EXPECT_LT(*t, 0.01);
        }
        ASSERT_TRUE(kernel.streamCopies().has_value());
        const std::int64_t copies = *kernel.streamCopies();
        EXPECT_GE(copies, 2);
        EXPECT_TRUE(double(copies) * layerBytes >= 4.0 * l2 || copies == 1024) << copies << " copies";
        EXPECT_EQ(kernel.memory().weights, before.weights);
        // The output is still the kernel's: the last copy's run left a correct C.
        auto output = kernel.readOutput();
        ASSERT_TRUE(output) << output.error();
        EXPECT_EQ(std::count_if(output->begin(), output->end(), [](float v) { return !std::isfinite(v); }), 0);
    }
}

TEST(Harness, SweepThroughCudaBackend) {
    Q4_REQUIRE_GPU();
    auto created = BackendRegistry::instance().create("cuda", 0);
    ASSERT_TRUE(created) << created.error();
    Backend& backend = *created.value();

    SweepSpec spec;
    spec.m = {1, 16};
    spec.n = {1024};
    spec.k = {1024};
    spec.kernels = {"all"};
    spec.timing.warmup = 1;
    spec.timing.minSamples = 5;
    spec.timing.minTimeSeconds = 0;
    spec.timing.maxNoise = 1;
    spec.timing.timeoutSeconds = 5;
    CancelToken cancel;
    auto result = runSweep(backend, spec, RunOptions{}, RunCallbacks{}, cancel);
    ASSERT_TRUE(result) << result.error();

    const RunInfo& info = result->info;
    EXPECT_EQ(info.backend, "cuda");
    EXPECT_FALSE(info.device.name.empty());
    EXPECT_FALSE(info.device.computeCapability.empty());
    EXPECT_FALSE(info.device.driverVersion.empty());
    EXPECT_FALSE(info.finishedUtc.empty());
    ASSERT_TRUE(info.ceilings.copyBytesPerSecond);
    EXPECT_GT(*info.ceilings.copyBytesPerSecond, 100e9);
    ASSERT_TRUE(info.ceilings.fp16FlopsPerSecond);
    EXPECT_GT(*info.ceilings.fp16FlopsPerSecond, 10e12);

    // "all" leaves out the kernels that run none of the sweep's sparsities (sparse_int4 here).
    const std::vector<KernelInfo> kernels = backend.kernels();
    const std::vector<std::string> swept = sweepKernels(spec, kernels);
    EXPECT_LT(swept.size(), kernels.size());
    EXPECT_EQ(result->records.size(), spec.m.size() * swept.size());
    std::set<std::pair<std::int64_t, std::string>> seen;
    for (const Record& r : result->records) {
        SCOPED_TRACE(r.kernel + " m=" + std::to_string(r.m) + ": " + r.message);
        EXPECT_TRUE(seen.insert({r.m, r.kernel}).second) << "duplicate record";
        const KernelInfo* kernel = nullptr;
        for (const auto& k : kernels)
            if (k.id == r.kernel) kernel = &k;
        ASSERT_NE(kernel, nullptr) << "record for an unknown kernel";
        if (r.status == RecordStatus::Unsupported) {
            EXPECT_FALSE(r.message.empty()) << "unsupported without a reason";
            EXPECT_NE(r.kernel, backend.baselineKernel());
            continue;
        }
        ASSERT_EQ(r.status, RecordStatus::Ok) << nameOf(r.status);
        ASSERT_TRUE(r.relError);
        EXPECT_LT(*r.relError, 1e-2);
        EXPECT_GT(r.time.median, 0);
        EXPECT_GE(r.time.samples, 5);
        EXPECT_GT(r.memPeakBytes, 0);
        if (kernel->ranked) {
            ASSERT_TRUE(r.speedupVsBaseline);
            EXPECT_GT(*r.speedupVsBaseline, 0);
        }
    }
    for (std::int64_t m : spec.m)
        for (const std::string& id : swept) EXPECT_TRUE(seen.count({m, id})) << "no record for " << id << " at m=" << m;
}

}  // namespace
}  // namespace q4
