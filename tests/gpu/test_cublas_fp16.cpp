// cublas_fp16, the baseline, through cublasLt with an algorithm chosen per m bucket at prepare:
// the path names the algorithm of each m (one per bucket, the same for every instance of a shape);
// every m from 1 to the prepared m matches the fp32 reference and writes no row past m, on both
// sides of every bucket edge; and run() captured in a CUDA graph replays to the bits of a direct run.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cuda/gpu_kernel.h"
#include "gpu_test_support.h"
#include "reference/reference_fp32.h"
#include "run/problem_data.h"

namespace q4 {
namespace {

constexpr HalfBits kPoison = 0xFFFF;  // fp16 NaN: an element the kernel fails to write stays NaN
constexpr double kTolerance = 1e-2;
// Not a power of two: its bucket serves 65..72, the powers of two below it the rest.
constexpr std::int64_t kPreparedM = 72;

struct Shape {
    std::int64_t n, k;
    int group;
    bool actOrder;
};

// A model-like shape, and a small odd one with act-order where cuBLAS may split k.
const Shape kShapes[] = {{1024, 768, 128, false}, {264, 320, 32, true}};

std::string describe(const Shape& s) {
    return "n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) + " group=" + std::to_string(s.group) +
           (s.actOrder ? " act-order" : "");
}

std::unique_ptr<GpuKernel> createCublasFp16() {
    for (const KernelEntry& entry : kernelRegistry())
        if (entry.info.id == "cublas_fp16") return entry.create();
    return nullptr;
}

// A prepared kernel, its layer's fp32 reference weights and device buffers for a and c at the
// prepared m.
class Prepared {
public:
    Prepared(const test::GpuTestContext& gpu, const Shape& shape) : shape_(shape) {
        QuantConfig quant;
        quant.groupSize = shape.group;
        quant.actOrder = shape.actOrder;
        quant.symmetric = false;
        auto data = makeLayerData(shape.n, shape.k, quant, 0xB1A5 + std::uint64_t(shape.n));
        EXPECT_TRUE(data) << data.error();
        if (!data) return;
        context_ = gpu.context(&kernelMemory_);
        kernel_ = createCublasFp16();
        EXPECT_NE(kernel_, nullptr) << "cublas_fp16 is not registered";
        if (!kernel_) return;
        const SweepPoint point{kPreparedM, shape.n, shape.k, "", quant};
        const Status prepared = kernel_->prepare(data->layer, point, context_);
        EXPECT_TRUE(prepared) << prepared.message;
        if (!prepared) return;
        EXPECT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);
        EXPECT_TRUE(uploadVector(buffers_, data->dequantized, MemoryUse::Weights, w_));
        EXPECT_TRUE(uploadVector(buffers_, makeActivations(kPreparedM, shape.k, 31), MemoryUse::Activations, a_));
        auto c = buffers_.allocate(std::size_t(kPreparedM * shape.n) * sizeof(HalfBits), MemoryUse::Output);
        auto reference = buffers_.allocate(std::size_t(kPreparedM * shape.n) * sizeof(float), MemoryUse::Output);
        EXPECT_TRUE(c && reference);
        if (!c || !reference) return;
        c_ = std::move(c).value();
        reference_ = std::move(reference).value();
        ready_ = true;
    }

    bool ready() const { return ready_; }
    GpuKernel& kernel() { return *kernel_; }
    GpuContext& context() { return context_; }
    const void* a() const { return a_.data(); }
    void* c() const { return c_.data(); }

    void poison() { ASSERT_EQ(cudaMemsetAsync(c_.data(), kPoison & 0xff, c_.bytes(), context_.stream), cudaSuccess); }

    // All of c (kPreparedM rows) after the stream's work.
    std::vector<HalfBits> output() {
        std::vector<HalfBits> c(std::size_t(kPreparedM * shape_.n));
        EXPECT_EQ(cudaStreamSynchronize(context_.stream), cudaSuccess);
        EXPECT_EQ(cudaMemcpy(c.data(), c_.data(), c_.bytes(), cudaMemcpyDeviceToHost), cudaSuccess);
        return c;
    }

    // Relative error of c's first m rows against the fp32 reference; elements written past row m
    // are counted into stray.
    double error(const std::vector<HalfBits>& c, std::int64_t m, std::int64_t& stray) {
        stray = std::count_if(c.begin() + m * shape_.n, c.end(), [](HalfBits h) { return h != kPoison; });
        EXPECT_TRUE(launchReferenceFp32(a_.data(), w_.as<float>(), reference_.as<float>(), m, shape_.n, shape_.k,
                                        context_.stream));
        std::vector<float> reference(std::size_t(m * shape_.n));
        EXPECT_EQ(cudaStreamSynchronize(context_.stream), cudaSuccess);
        EXPECT_EQ(
            cudaMemcpy(reference.data(), reference_.data(), reference.size() * sizeof(float), cudaMemcpyDeviceToHost),
            cudaSuccess);
        return relativeError(toFloat(std::vector<HalfBits>(c.begin(), c.begin() + m * shape_.n)), reference);
    }

private:
    Shape shape_;
    DeviceAllocator buffers_, kernelMemory_;  // declared before the buffers and the kernel: outlive them
    GpuContext context_;
    std::unique_ptr<GpuKernel> kernel_;
    DeviceBuffer w_, a_, c_, reference_;
    bool ready_ = false;
};

TEST(CublasFp16, PathNamesTheAlgorithmOfEachBucket) {
    Q4_REQUIRE_GPU();
    test::GpuTestContext gpu;
    for (const Shape& shape : kShapes) {
        SCOPED_TRACE(describe(shape));
        Prepared first(gpu, shape), second(gpu, shape);
        ASSERT_TRUE(first.ready() && second.ready());
        EXPECT_EQ(first.kernel().path(0), "");
        EXPECT_EQ(first.kernel().path(kPreparedM + 1), "");
        for (std::int64_t m = 1; m <= kPreparedM; ++m) {
            const std::string path = first.kernel().path(m);
            EXPECT_EQ(path.rfind("cublasLt [n,k] algo ", 0), 0u) << "m=" << m << ": " << path;
            EXPECT_NE(path.find(" tile "), std::string::npos) << path;
            // Every instance of a shape runs the same algorithms, so they give the same bits.
            EXPECT_EQ(second.kernel().path(m), path) << "m=" << m;
        }
        // One choice per bucket: 3 and 4 share the bucket 4, 65 and 72 the bucket 72.
        EXPECT_EQ(first.kernel().path(3), first.kernel().path(4));
        EXPECT_EQ(first.kernel().path(65), first.kernel().path(kPreparedM));
        std::printf("cublas_fp16 %s: m=1 %s; m=%lld %s\n", describe(shape).c_str(), first.kernel().path(1).c_str(),
                    static_cast<long long>(kPreparedM), first.kernel().path(kPreparedM).c_str());
    }
}

TEST(CublasFp16, EveryMMatchesFp32Reference) {
    Q4_REQUIRE_GPU();
    test::GpuTestContext gpu;
    for (const Shape& shape : kShapes) {
        SCOPED_TRACE(describe(shape));
        Prepared prepared(gpu, shape);
        ASSERT_TRUE(prepared.ready());
        double worst = 0;
        for (std::int64_t m = 1; m <= kPreparedM; ++m) {
            SCOPED_TRACE("m=" + std::to_string(m) + " path=" + prepared.kernel().path(m));
            prepared.poison();
            const Status ran = prepared.kernel().run(prepared.a(), prepared.c(), m, prepared.context());
            ASSERT_TRUE(ran) << ran.message;
            std::int64_t stray = 0;
            const double error = prepared.error(prepared.output(), m, stray);
            EXPECT_LT(error, kTolerance);
            EXPECT_EQ(stray, 0) << "elements written past row m";
            worst = std::max(worst, error);
        }
        EXPECT_FALSE(prepared.kernel().run(prepared.a(), prepared.c(), kPreparedM + 1, prepared.context()))
            << "m past the prepared m must be refused";
        std::printf("cublas_fp16 %s: m=1..%lld, worst relative error %.3g\n", describe(shape).c_str(),
                    static_cast<long long>(kPreparedM), worst);
    }
}

TEST(CublasFp16, RunsInsideAStreamCapture) {
    Q4_REQUIRE_GPU();
    test::GpuTestContext gpu;
    for (const Shape& shape : kShapes) {
        SCOPED_TRACE(describe(shape));
        Prepared prepared(gpu, shape);
        ASSERT_TRUE(prepared.ready());
        for (std::int64_t m : {std::int64_t(1), std::int64_t(5), std::int64_t(33), kPreparedM}) {
            SCOPED_TRACE("m=" + std::to_string(m) + " path=" + prepared.kernel().path(m));
            prepared.poison();
            ASSERT_TRUE(prepared.kernel().run(prepared.a(), prepared.c(), m, prepared.context()));
            const std::vector<HalfBits> direct = prepared.output();

            const cudaStream_t stream = prepared.context().stream;
            cudaGraph_t graph = nullptr;
            ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), cudaSuccess);
            const Status captured = prepared.kernel().run(prepared.a(), prepared.c(), m, prepared.context());
            ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
            ASSERT_TRUE(captured) << captured.message;
            cudaGraphExec_t exec = nullptr;
            const cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
            cudaGraphDestroy(graph);
            ASSERT_EQ(instantiated, cudaSuccess) << cudaGetErrorString(instantiated);
            for (int replay = 0; replay < 2; ++replay) {  // a replay must not depend on the one before
                prepared.poison();
                ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
                const std::vector<HalfBits> replayed = prepared.output();
                EXPECT_EQ(replayed, direct) << "replay " << replay << " differs from the direct run";
                std::int64_t stray = 0;
                EXPECT_LT(prepared.error(replayed, m, stray), kTolerance);
                EXPECT_EQ(stray, 0);
            }
            cudaGraphExecDestroy(exec);
        }
    }
}

}  // namespace
}  // namespace q4
