// Sparse points through the CUDA backend. Every registered kernel is run at every sparsity
// pattern its KernelInfo declares (kernels that run the pruned weights densely and kernels that
// read the compressed form alike), so a kernel that declares a pattern later is tested here
// without edits; the reference is the CPU product of the pruned weights. The layers sample
// n {64, 200, 4096} x k {128, 256, 4096} x group 32/64/128/-1 x act-order x zero format, each at
// two of m {1, 3, 7, 16, 33, 100}, the 64-wide layers with k <= 256 also at m = 515 or 4096 (where
// the kernels take their large-m paths; the CPU reference stays cheap). Also: kernels refuse the patterns they do not
// declare, wmma_int4 keeps its 16:32 weights compressed, and sparse_int4's paths by m at wider layers.
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
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend_registry.h"
#include "cuda/gpu_kernel.h"
#include "gpu_test_support.h"
#include "run/problem_data.h"

namespace q4 {
namespace {

constexpr double kTolerance = 1e-2;
constexpr std::uint64_t kSeed = 1632;

// One sampled layer and the m it runs at.
struct LayerCase {
    std::int64_t n = 0, k = 0;
    QuantConfig quant;
    std::vector<std::int64_t> ms;
};

std::string describe(const LayerCase& c) {
    return "n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) + " group=" + std::to_string(c.quant.groupSize) +
           " act_order=" + (c.quant.actOrder ? "on" : "off") + " zeros=" + nameOf(c.quant.zeroFormat) +
           (c.quant.symmetric ? " symmetric" : " asymmetric");
}

// Two layers per (n, k), one for 4096 x 4096 (its CPU reference is the costly part). A stride of 5
// through the 16 (group, act-order, zero format) combinations visits each of them once in the first
// 16 layers; each layer takes the next two m of the list, so every m meets several shapes.
std::vector<LayerCase> sampledCases() {
    const std::int64_t ns[] = {64, 200, 4096}, ks[] = {128, 256, 4096};
    const int groups[] = {32, 64, 128, -1};
    const std::int64_t ms[] = {1, 3, 7, 16, 33, 100};
    std::vector<LayerCase> cases;
    int index = 0;
    for (std::int64_t n : ns)
        for (std::int64_t k : ks)
            for (int layer = 0; layer < (n * k > 4096 * 256 ? 1 : 2); ++layer, ++index) {
                const int combo = index * 5 % 16;
                LayerCase c;
                c.n = n;
                c.k = k;
                c.quant.groupSize = groups[combo % 4];
                c.quant.actOrder = combo / 4 % 2 == 1;
                c.quant.zeroFormat = combo / 8 == 1 ? ZeroFormat::V2 : ZeroFormat::V1;
                c.quant.symmetric = index % 3 == 0;
                c.ms = {ms[2 * index % 6], ms[(2 * index + 1) % 6]};
                if (n == 64 && k <= 256) c.ms.push_back(layer == 0 ? 4096 : 515);
                cases.push_back(c);
            }
    return cases;
}

// A layer's data for one pattern, its activations and CPU reference at each of its m.
struct CaseData {
    LayerData data;
    std::vector<std::vector<HalfBits>> a;       // per m of the case
    std::vector<std::vector<float>> reference;  // per m: C [m, n] from the pruned weights
};

// The sampled layers of a pattern, generated once per process in parallel (the 4096-wide layers
// and their references take seconds on one core) and shared by every kernel that runs it.
const std::vector<std::shared_ptr<const CaseData>>& caseData(Sparsity sparsity, const std::vector<LayerCase>& cases,
                                                             std::vector<std::string>& errors) {
    static std::mutex mutex;
    static std::map<Sparsity, std::vector<std::shared_ptr<const CaseData>>> made;
    static std::map<Sparsity, std::vector<std::string>> madeErrors;
    std::lock_guard<std::mutex> lock(mutex);
    if (made.count(sparsity) == 0) {
        std::vector<std::shared_ptr<const CaseData>> layers(cases.size());
        std::vector<std::string> why(cases.size());
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i = next++; i < cases.size(); i = next++) {
                const LayerCase& c = cases[i];
                auto data = makeLayerData(c.n, c.k, c.quant, mixSeed(kSeed, i), sparsity);
                if (!data) {
                    why[i] = data.error();
                    continue;
                }
                auto layer = std::make_shared<CaseData>(CaseData{std::move(data).value(), {}, {}});
                for (std::int64_t m : c.ms) {
                    layer->a.push_back(makeActivations(m, c.k, mixSeed(kSeed, std::uint64_t(m))));
                    layer->reference.push_back(
                        referenceProduct(toFloat(layer->a.back()), m, layer->data.dequantized, c.k, c.n));
                }
                layers[i] = std::move(layer);
            }
        };
        const std::size_t threads =
            std::min<std::size_t>(cases.size(), std::max(1u, std::thread::hardware_concurrency()));
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work);
        for (auto& t : pool) t.join();
        made[sparsity] = std::move(layers);
        madeErrors[sparsity] = std::move(why);
    }
    errors = madeErrors[sparsity];
    return made[sparsity];
}

std::unique_ptr<Backend> cudaBackend() {
    auto backend = BackendRegistry::instance().create("cuda", 0);
    if (!backend) {
        ADD_FAILURE() << backend.error();
        return nullptr;
    }
    return std::move(backend).value();
}

struct KernelPattern {
    std::string id;
    Sparsity sparsity;
};

// How GoogleTest names a parameter in its output ("wmma_int4 16:32", not the struct's bytes).
void PrintTo(const KernelPattern& pattern, std::ostream* out) { *out << pattern.id << ' ' << nameOf(pattern.sparsity); }

// Every (kernel, sparse pattern) the registry declares.
std::vector<KernelPattern> sparseKernelPatterns() {
    std::vector<KernelPattern> all;
    for (const auto& entry : kernelRegistry())
        for (Sparsity s : entry.info.sparsity)
            if (s != Sparsity::None) all.push_back({entry.info.id, s});
    return all;
}

std::string testName(const ::testing::TestParamInfo<KernelPattern>& info) {
    std::string name = info.param.id + "_" + nameOf(info.param.sparsity);
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

class SparseKernel : public ::testing::TestWithParam<KernelPattern> {};

TEST_P(SparseKernel, MatchesPrunedReference) {
    Q4_REQUIRE_GPU();
    const KernelPattern& param = GetParam();
    const auto backend = cudaBackend();
    ASSERT_TRUE(backend);
    const std::vector<LayerCase> cases = sampledCases();
    std::vector<std::string> errors;
    const auto& layers = caseData(param.sparsity, cases, errors);

    TimingOptions plain, graph;
    graph.cudaGraph = true;  // run() only launches, so it must replay from a graph as well
    int checked = 0, unsupported = 0;
    std::string firstReason;
    double worst = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const LayerCase& c = cases[i];
        SCOPED_TRACE(param.id + " " + nameOf(param.sparsity) + " " + describe(c));
        ASSERT_TRUE(layers[i]) << errors[i];
        const CaseData& data = *layers[i];
        ASSERT_TRUE(data.data.sparse.has_value());
        for (std::size_t j = 0; j < c.ms.size(); ++j) {
            const std::int64_t m = c.ms[j];
            SCOPED_TRACE("m=" + std::to_string(m));
            const SweepPoint point{m, c.n, c.k, "", c.quant, param.sparsity};
            if (Status why = backend->supports(param.id, point); !why) {
                ++unsupported;
                if (firstReason.empty()) firstReason = describe(c) + " m=" + std::to_string(m) + ": " + why.message;
                continue;
            }
            const Problem problem{point, &data.data.layer, &data.a[j], 1000 * i + j + 1, &*data.data.sparse};
            auto instance = backend->prepare(param.id, problem);
            ASSERT_TRUE(instance) << "prepare: " << instance.error();
            KernelInstance& kernel = *instance.value();
            for (const TimingOptions* timing : {&plain, &graph}) {
                SCOPED_TRACE(timing->cudaGraph ? "graph replay" : "launch");
                ASSERT_TRUE(kernel.poisonOutput());
                const Status launched = kernel.launch(*timing);
                ASSERT_TRUE(launched) << launched.message;
                auto output = kernel.readOutput();
                ASSERT_TRUE(output) << output.error();
                ASSERT_EQ(output->size(), std::size_t(m * c.n));
                const auto unwritten =
                    std::count_if(output->begin(), output->end(), [](float v) { return !std::isfinite(v); });
                EXPECT_EQ(unwritten, 0) << "elements left unwritten (NaN poison) or not finite";
                const double error = relativeError(*output, data.reference[j]);
                EXPECT_LT(error, kTolerance);
                worst = std::isfinite(error) ? std::max(worst, error) : error;
            }
            ++checked;
        }
    }
    EXPECT_GT(checked, 0) << param.id << " declares " << nameOf(param.sparsity)
                          << " but supports none of the sampled points (" << firstReason << ")";
    std::printf("%s %s: %d points checked, worst relative error %.3g, %d unsupported%s%s\n", param.id.c_str(),
                nameOf(param.sparsity), checked, worst, unsupported,
                firstReason.empty() ? "" : ", first: ", firstReason.c_str());
}

INSTANTIATE_TEST_SUITE_P(Registry, SparseKernel, ::testing::ValuesIn(sparseKernelPatterns()), testName);

// Patterns a kernel does not declare are refused by the backend, before its own rules; dense-only
// kernels say so. Declared patterns are taken at a plain shape.
TEST(SparseSupport, KernelsRefuseUndeclaredPatterns) {
    Q4_REQUIRE_GPU();
    const auto backend = cudaBackend();
    ASSERT_TRUE(backend);
    for (const KernelInfo& info : backend->kernels()) {
        for (Sparsity s : allSparsities()) {
            if (s == Sparsity::None) continue;
            SCOPED_TRACE(info.id + " " + nameOf(s));
            const SweepPoint point{16, 256, 512, "", QuantConfig{}, s};
            const Status why = backend->supports(info.id, point);
            if (std::find(info.sparsity.begin(), info.sparsity.end(), s) != info.sparsity.end()) {
                EXPECT_TRUE(why) << why.message;
                continue;
            }
            EXPECT_FALSE(why);
            if (info.sparsity == std::vector<Sparsity>{Sparsity::None}) {
                EXPECT_NE(why.message.find("dense weights only"), std::string::npos) << why.message;
            }
        }
    }
    const Status tc = backend->supports("tc_int4", SweepPoint{16, 256, 512, "", QuantConfig{}, Sparsity::Sparse16of32});
    EXPECT_FALSE(tc);
    EXPECT_NE(tc.message.find("dense weights only"), std::string::npos) << tc.message;
}

// 16:32 weights stay compressed: k*n/4 bytes of kept nibbles plus k*n/8 of masks, against k*n/2
// dense; scales, zeros and g_idx are the same for both.
TEST(WmmaInt4, SparseWeightsTakeThreeEighthsOfAByte) {
    Q4_REQUIRE_GPU();
    const auto backend = cudaBackend();
    ASSERT_TRUE(backend);
    const std::int64_t m = 16, n = 256, k = 512;
    QuantConfig quant;
    quant.actOrder = true;
    auto dense = makeLayerData(n, k, quant, kSeed);
    ASSERT_TRUE(dense) << dense.error();
    auto sparse = makeLayerData(n, k, quant, kSeed, Sparsity::Sparse16of32);
    ASSERT_TRUE(sparse) << sparse.error();
    const std::vector<HalfBits> a = makeActivations(m, k, kSeed);

    const Problem denseProblem{SweepPoint{m, n, k, "", quant}, &dense->layer, &a, 1, nullptr};
    const Problem sparseProblem{SweepPoint{m, n, k, "", quant, Sparsity::Sparse16of32}, &sparse->layer, &a, 2,
                                &*sparse->sparse};
    ASSERT_TRUE(backend->supports("wmma_int4", denseProblem.point));
    ASSERT_TRUE(backend->supports("wmma_int4", sparseProblem.point));
    auto denseKernel = backend->prepare("wmma_int4", denseProblem);
    ASSERT_TRUE(denseKernel) << denseKernel.error();
    auto sparseKernel = backend->prepare("wmma_int4", sparseProblem);
    ASSERT_TRUE(sparseKernel) << sparseKernel.error();

    const MemoryBreakdown d = denseKernel.value()->memory(), s = sparseKernel.value()->memory();
    EXPECT_EQ(d.weights, k * n / 2);
    EXPECT_EQ(s.weights,
              compressedWeightBytes(k, n, Sparsity::Sparse16of32) + metadataBytes(k, n, Sparsity::Sparse16of32));
    EXPECT_EQ(s.weights, 3 * k * n / 8);
    EXPECT_LT(s.weights, d.weights);
    EXPECT_EQ(s.scales, d.scales);
    EXPECT_EQ(s.zeros, d.zeros);
    EXPECT_EQ(s.gIdx, d.gIdx);
}

// The k rule names itself, and a 2:4 layer handed to the kernel anyway is refused at prepare.
TEST(WmmaInt4, RefusesWhatItCannotRun) {
    Q4_REQUIRE_GPU();
    const auto backend = cudaBackend();
    ASSERT_TRUE(backend);
    QuantConfig quant;
    quant.groupSize = 16;  // k=48 is a valid GPTQ shape with groups of 16
    const Status k48 = backend->supports("wmma_int4", SweepPoint{1, 256, 48, "", quant});
    EXPECT_FALSE(k48);
    EXPECT_NE(k48.message.find("k=48 is not a multiple of 32"), std::string::npos) << k48.message;

    const std::int64_t m = 3, n = 64, k = 128;
    auto data = makeLayerData(n, k, QuantConfig{}, kSeed, Sparsity::Sparse2of4);
    ASSERT_TRUE(data) << data.error();
    const std::vector<HalfBits> a = makeActivations(m, k, kSeed);
    const Problem problem{SweepPoint{m, n, k, "", QuantConfig{}, Sparsity::Sparse2of4}, &data->layer, &a, 3,
                          &*data->sparse};
    EXPECT_FALSE(backend->supports("wmma_int4", problem.point));
    auto kernel = backend->prepare("wmma_int4", problem);
    ASSERT_FALSE(kernel);
    EXPECT_NE(kernel.error().find("16:32"), std::string::npos) << kernel.error();
}

// sparse_int4's paths by m: on compute capability 9.0 with groups of whole 32-row blocks, the sparse
// wgmma from 17 rows; otherwise (act-order here, or another GPU) the mma.sp kernel up to 128 rows
// and the fp16 expansion with cuBLAS above. Each against the pruned reference at odd m, feature
// blocks that n leaves partial (the copy engine's zero-filled tiles), split k and every group form.
TEST(SparseInt4, PathsByMMatchThePrunedReference) {
    Q4_REQUIRE_GPU();
    const auto backend = cudaBackend();
    ASSERT_TRUE(backend);
    cudaDeviceProp prop{};
    ASSERT_EQ(cudaGetDeviceProperties(&prop, 0), cudaSuccess);
    const bool hopper = prop.major == 9 && prop.minor == 0;
    struct Case {
        std::int64_t m, n, k;
        int groupSize;
        bool actOrder;
    };
    const Case cases[] = {{17, 208, 512, 64, false},     {33, 4096, 256, 32, false},  {100, 1040, 1024, 128, false},
                          {129, 208, 1024, 32, false},   {300, 384, 512, 128, false}, {515, 80, 256, -1, false},
                          {1000, 1024, 2048, 64, false}, {257, 208, 512, 128, true},  {77, 208, 512, 128, true}};
    for (const Case& c : cases) {
        QuantConfig quant;
        quant.groupSize = c.groupSize;
        quant.actOrder = c.actOrder;
        quant.zeroFormat = c.m % 2 ? ZeroFormat::V1 : ZeroFormat::V2;
        const SweepPoint point{c.m, c.n, c.k, "", quant, Sparsity::Sparse2of4};
        SCOPED_TRACE("m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) +
                     " group=" + std::to_string(c.groupSize) + (c.actOrder ? " act-order" : ""));
        auto data = makeLayerData(c.n, c.k, quant, mixSeed(kSeed, std::uint64_t(c.m)), Sparsity::Sparse2of4);
        ASSERT_TRUE(data) << data.error();
        const std::vector<HalfBits> a = makeActivations(c.m, c.k, mixSeed(kSeed, std::uint64_t(c.m + 1)));
        const std::vector<float> reference = referenceProduct(toFloat(a), c.m, data->dequantized, c.k, c.n);
        const Problem problem{point, &data->layer, &a, std::uint64_t(c.m), &*data->sparse};
        auto instance = backend->prepare("sparse_int4", problem);
        ASSERT_TRUE(instance) << "prepare: " << instance.error();
        KernelInstance& kernel = *instance.value();
        const std::string expected = hopper && !c.actOrder ? "sparse wgmma" : c.m > 128 ? "2:4 expanded" : "mma.sp";
        EXPECT_EQ(kernel.path().rfind(expected, 0), 0u) << kernel.path();
        ASSERT_TRUE(kernel.poisonOutput());
        const Status launched = kernel.launch(TimingOptions{});
        ASSERT_TRUE(launched) << launched.message;
        auto output = kernel.readOutput();
        ASSERT_TRUE(output) << output.error();
        ASSERT_EQ(output->size(), std::size_t(c.m * c.n));
        EXPECT_EQ(std::count_if(output->begin(), output->end(), [](float v) { return !std::isfinite(v); }), 0)
            << "elements left unwritten (NaN poison) or not finite";
        const double error = relativeError(*output, reference);
        EXPECT_LT(error, kTolerance);
        std::printf("sparse_int4 m=%lld n=%lld k=%lld group=%d%s: %s, relative error %.3g\n",
                    static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k), c.groupSize,
                    c.actOrder ? " act-order" : "", kernel.path().c_str(), error);
    }
}

}  // namespace
}  // namespace q4
