// cublas_fp16: the baseline of every speedup. C [m, n] fp16 = A [m, k] fp16 * W^T with W held as
// dense fp16 [n, k] row-major, the layout frameworks keep nn.Linear weights in (out_features x
// in_features), dequantized once at prepare (untimed). The product runs through cublasLt with fp32
// compute and scale types, as PyTorch's F.linear does.
// Algorithm choice: at prepare, for each m bucket (every power of two below the prepared m, and the
// prepared m itself), the heuristic's top 8 algorithms that fit the workspace are timed on scratch
// activations (the median of 5 launches after warm-up) and the fastest is kept; run(m) takes the
// choice of the smallest bucket >= m, and path(m) names it. Choices are kept for the process per
// (device, n, k, bucket), so every instance of a shape runs the same algorithms (the same bits,
// which the device-prepared and model tests compare to the bit) and a model's layers are timed
// once per shape. Candidates are timed as the benchmark times them: with the backend's timer, each
// launch alone after an L2 flush (timed back to back, a clustered tile won at m = 2 and 16 and then
// ran 9 % slower than the heuristic's first in the cold sweep, log step 64); without one, back to
// back behind a held stream.
// Memory: 2*k*n bytes of fp16 weights and a 32 MiB workspace; while a bucket is timed, scratch
// activations and output for the largest bucket timed, freed before prepare returns.
// Limits: any valid GPTQ shape; a and c 16-byte aligned (every row is: k and n are multiples of 8).
#include <cublasLt.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cublas_fp16/fp16_weights.h"
#include "cuda/cuda_check.h"
#include "cuda/device_fill.h"
#include "cuda/gpu_timer.h"
#include "cuda/kernel_entries.h"

namespace q4 {
namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t(32) << 20;  // what NVIDIA recommends on Hopper
constexpr int kCandidates = 8;
constexpr int kWarmups = 2;
constexpr int kTimedLaunches = 5;
constexpr int kQueuedLaunches = kWarmups - 1 + kTimedLaunches;  // the first warm-up runs before the hold
// Longer than the host takes to queue one candidate's launches and events behind the hold.
constexpr unsigned long long kHoldNanoseconds = 500'000;
// What run() can promise of a and c: rows of k or n halves, both multiples of 8. The heuristic
// assumes 256 bytes unless told; the weights are our own allocation and keep that default.
constexpr std::uint32_t kIoAlignment = 16;
constexpr std::uint64_t kScratchSeed = 0xC0B1A5;

// Holds the stream while the host queues the launches after it, so that their events time the
// GPU's back-to-back work rather than the host's enqueue gaps.
__global__ void holdStream(unsigned long long nanoseconds) {
    unsigned long long start = 0, now = 0;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
    do {
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    } while (now - start < nanoseconds);
}

// An algorithm and the name path() gives it.
struct LtChoice {
    cublasLtMatmulAlgo_t algo{};
    std::string name;
};

// The process's choices per (device, n, k, bucket m). An algorithm descriptor is plain data, valid
// with any handle of the same cuBLAS version.
using ChoiceKey = std::tuple<int, std::int64_t, std::int64_t, std::int64_t>;

struct ChoiceTable {
    std::mutex mutex;
    std::map<ChoiceKey, LtChoice> choices;
};

ChoiceTable& choiceTable() {
    static ChoiceTable table;
    return table;
}

std::optional<LtChoice> findChoice(const ChoiceKey& key) {
    ChoiceTable& table = choiceTable();
    std::lock_guard<std::mutex> lock(table.mutex);
    const auto it = table.choices.find(key);
    if (it == table.choices.end()) return std::nullopt;
    return it->second;
}

// Keeps choice unless another instance kept one first; returns the one kept.
LtChoice keepChoice(const ChoiceKey& key, LtChoice choice) {
    ChoiceTable& table = choiceTable();
    std::lock_guard<std::mutex> lock(table.mutex);
    return table.choices.emplace(key, std::move(choice)).first->second;
}

// Every power of two below maxM, then maxM.
std::vector<std::int64_t> bucketsUpTo(std::int64_t maxM) {
    std::vector<std::int64_t> buckets;
    for (std::int64_t m = 1; m < maxM; m *= 2) buckets.push_back(m);
    buckets.push_back(maxM);
    return buckets;
}

template <class T>
std::string configValue(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attribute) {
    T value{};
    std::size_t written = 0;
    if (cublasLtMatmulAlgoConfigGetAttribute(&algo, attribute, &value, sizeof(value), &written) !=
        CUBLAS_STATUS_SUCCESS)
        return "?";
    return std::to_string(value);
}

// "algo 66 tile 20 stages 29 split-k 1 ...": tile and stages are cublasLtMatmulTile_t and
// cublasLtMatmulStages_t values, cluster a cublasLtClusterShape_t.
std::string algoName(const cublasLtMatmulAlgo_t& algo) {
    std::string name = "algo " + configValue<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_ID);
    name += " tile " + configValue<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID);
    name += " stages " + configValue<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID);
    name += " split-k " + configValue<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
    name += " reduction " + configValue<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME);
    name += " swizzle " + configValue<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING);
    name += " custom " + configValue<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION);
    name += " cluster " + configValue<std::uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
    return name;
}

// What the heuristic may pick from: algorithms within our workspace, for row-aligned a and c.
class Preference {
public:
    Preference() = default;
    Preference(const Preference&) = delete;
    Preference& operator=(const Preference&) = delete;
    ~Preference() {
        if (preference_) cublasLtMatmulPreferenceDestroy(preference_);
    }

    Status create(std::uint64_t workspaceBytes) {
        Q4_CUBLAS(cublasLtMatmulPreferenceCreate(&preference_));
        Q4_CUBLAS(cublasLtMatmulPreferenceSetAttribute(preference_, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                       &workspaceBytes, sizeof(workspaceBytes)));
        // cublasLt's B, C and D are our activations and output (its A is the weights).
        for (const auto attribute :
             {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
              CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
            Q4_CUBLAS(
                cublasLtMatmulPreferenceSetAttribute(preference_, attribute, &kIoAlignment, sizeof(kIoAlignment)));
        return Status::success();
    }
    cublasLtMatmulPreference_t get() const { return preference_; }

private:
    cublasLtMatmulPreference_t preference_ = nullptr;
};

// Activations, output and events for timing candidates at prepare, sized for the largest m timed.
class TimingScratch {
public:
    TimingScratch() = default;
    TimingScratch(const TimingScratch&) = delete;
    TimingScratch& operator=(const TimingScratch&) = delete;
    ~TimingScratch() {
        for (cudaEvent_t event : events)
            if (event) cudaEventDestroy(event);
    }

    Status create(std::int64_t m, std::int64_t n, std::int64_t k, GpuContext& context) {
        // Activations and output, not workspace: private allocations even where workspace is shared.
        auto activations = context.allocator->allocate(std::size_t(m * k) * sizeof(HalfBits), MemoryUse::Activations);
        if (!activations) return Status::failure(activations.error());
        a = std::move(activations).value();
        auto output = context.allocator->allocate(std::size_t(m * n) * sizeof(HalfBits), MemoryUse::Output);
        if (!output) return Status::failure(output.error());
        c = std::move(output).value();
        // Realistic values: all-zero operands draw less power and could time faster than real ones.
        Q4_CHECK(fillRandomHalf(a.data(), std::size_t(m * k), kScratchSeed, context.stream));
        for (cudaEvent_t& event : events) Q4_CUDA(cudaEventCreate(&event));
        return Status::success();
    }

    DeviceBuffer a, c;
    cudaEvent_t events[kQueuedLaunches + 1] = {};
};

class CublasFp16 final : public GpuKernel {
public:
    CublasFp16() = default;
    CublasFp16(const CublasFp16&) = delete;
    CublasFp16& operator=(const CublasFp16&) = delete;
    ~CublasFp16() override {
        if (handle_) cublasLtDestroy(handle_);
    }

    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        Q4_CHECK(uploadFp16Weights(layer, WeightLayout::NK, *context.allocator, weights_));
        return setUp(layer, point, context);
    }

    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override {
        Q4_CHECK(dequantizeFp16WeightsOnDevice(layer, deviceQweight, WeightLayout::NK, context, weights_));
        return setUp(layer, point, context);
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        const LtChoice* choice = choiceFor(m);
        if (!choice)
            return Status::failure("cublas_fp16: m=" + std::to_string(m) + " is outside the prepared 1.." +
                                   std::to_string(maxM_));
        if ((reinterpret_cast<std::uintptr_t>(a) | reinterpret_cast<std::uintptr_t>(c)) % kIoAlignment != 0)
            return Status::failure("cublas_fp16: a and c must be 16-byte aligned");
        return matmul(a, c, m, choice->algo, context.stream);
    }

    std::string path(std::int64_t m) const override {
        const LtChoice* choice = choiceFor(m);
        return choice ? "cublasLt [n,k] " + choice->name : std::string();
    }

private:
    Status setUp(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) {
        n_ = layer.n;
        k_ = layer.k;
        maxM_ = point.m;
        if (maxM_ < 1) return Status::failure("cublas_fp16: the prepared m must be at least 1");
        if (!handle_) Q4_CUBLAS(cublasLtCreate(&handle_));
        auto workspace = context.allocator->allocate(kWorkspaceBytes, MemoryUse::Workspace);
        if (!workspace) return Status::failure(workspace.error());
        workspace_ = std::move(workspace).value();
        Q4_CUBLAS(cublasLtMatmulDescInit(&desc_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
        const std::int32_t transposeWeights = CUBLAS_OP_T;  // see describe()
        Q4_CUBLAS(cublasLtMatmulDescSetAttribute(&desc_, CUBLASLT_MATMUL_DESC_TRANSA, &transposeWeights,
                                                 sizeof(transposeWeights)));
        return chooseAlgorithms(context);
    }

    // Column-major descriptors of the row-major product. Row-major C [m, n] is column-major C^T
    // [n, m], and C^T = W A^T: W [n, k] row-major reads as the column-major k x n matrix W^T (so
    // cublasLt's A is the weights with op T) and A [m, k] row-major as the column-major k x m
    // matrix A^T (cublasLt's B, op N). Every leading dimension is a row length: k, k, n.
    struct Layouts {
        cublasLtMatrixLayoutOpaque_t w, a, c;
    };
    Status describe(std::int64_t m, Layouts& layouts) const {
        Q4_CUBLAS(cublasLtMatrixLayoutInit(&layouts.w, CUDA_R_16F, std::uint64_t(k_), std::uint64_t(n_), k_));
        Q4_CUBLAS(cublasLtMatrixLayoutInit(&layouts.a, CUDA_R_16F, std::uint64_t(k_), std::uint64_t(m), k_));
        Q4_CUBLAS(cublasLtMatrixLayoutInit(&layouts.c, CUDA_R_16F, std::uint64_t(n_), std::uint64_t(m), n_));
        return Status::success();
    }

    // Launches only; the descriptors live on the host stack, so nothing is allocated.
    Status matmul(const void* a, void* c, std::int64_t m, const cublasLtMatmulAlgo_t& algo, cudaStream_t stream) {
        Layouts layouts;
        Q4_CHECK(describe(m, layouts));
        const float alpha = 1.0f, beta = 0.0f;
        return cublasStatus(
            cublasLtMatmul(handle_, &desc_, &alpha, weights_.data(), &layouts.w, a, &layouts.a, &beta, c, &layouts.c, c,
                           &layouts.c, &algo, workspace_.data(), workspace_.bytes(), stream),
            "cublasLtMatmul");
    }

    // The choice of the smallest bucket >= m; null outside 1..maxM_.
    const LtChoice* choiceFor(std::int64_t m) const {
        if (m < 1 || m > maxM_) return nullptr;
        for (const auto& [bucket, choice] : buckets_)
            if (bucket >= m) return &choice;
        return nullptr;
    }

    // Fills buckets_, each with the process's choice for it or, the first time, the fastest candidate.
    Status chooseAlgorithms(GpuContext& context) {
        int device = 0;
        Q4_CUDA(cudaGetDevice(&device));
        const std::vector<std::int64_t> buckets = bucketsUpTo(maxM_);
        std::int64_t largestUntimed = 0;
        for (std::int64_t m : buckets)
            if (!findChoice({device, n_, k_, m})) largestUntimed = m;
        TimingScratch scratch;
        if (largestUntimed > 0) {
            Q4_CHECK(scratch.create(largestUntimed, n_, k_, context));
            // The weights and scratch are written on the kernel's stream; the timer times on its own.
            if (context.timer) Q4_CUDA(cudaStreamSynchronize(context.stream));
        }
        Preference preference;
        Q4_CHECK(preference.create(workspace_.bytes()));

        buckets_.clear();
        std::int64_t lowest = 1;  // the bucket serves m from lowest up to itself
        for (std::int64_t m : buckets) {
            const ChoiceKey key{device, n_, k_, m};
            std::optional<LtChoice> choice = findChoice(key);
            if (!choice) {
                auto fastest = fastestCandidate(m, lowest, preference, scratch, context);
                if (!fastest) return Status::failure(fastest.error());
                choice = keepChoice(key, std::move(fastest).value());
            }
            buckets_.emplace_back(m, std::move(*choice));
            lowest = m + 1;
        }
        return Status::success();
    }

    // The fastest of the heuristic's candidates for m that also run at lowest within our workspace.
    Expected<LtChoice> fastestCandidate(std::int64_t m, std::int64_t lowest, const Preference& preference,
                                        TimingScratch& scratch, GpuContext& context) {
        Layouts at, low;
        Q4_CHECK(describe(m, at));
        Q4_CHECK(describe(lowest, low));
        cublasLtMatmulHeuristicResult_t candidates[kCandidates] = {};
        int count = 0;
        Q4_CUBLAS(cublasLtMatmulAlgoGetHeuristic(handle_, &desc_, &at.w, &at.a, &at.c, &at.c, preference.get(),
                                                 kCandidates, candidates, &count));
        std::optional<LtChoice> best;
        double bestSeconds = 0;
        std::string firstFailure;
        for (int i = 0; i < count; ++i) {
            const cublasLtMatmulHeuristicResult_t& candidate = candidates[i];
            if (candidate.state != CUBLAS_STATUS_SUCCESS || candidate.workspaceSize > workspace_.bytes()) continue;
            cublasLtMatmulHeuristicResult_t check{};
            if (cublasLtMatmulAlgoCheck(handle_, &desc_, &low.w, &low.a, &low.c, &low.c, &candidate.algo, &check) !=
                    CUBLAS_STATUS_SUCCESS ||
                check.workspaceSize > workspace_.bytes())
                continue;
            auto seconds = timeCandidate(candidate.algo, m, scratch, context);
            if (!seconds) {
                // A candidate that fails to launch is skipped; the stream drains before the next.
                if (firstFailure.empty()) firstFailure = seconds.error();
                cudaStreamSynchronize(context.stream);
                if (context.timer) cudaStreamSynchronize(context.timer->stream());
                continue;
            }
            if (!best || *seconds < bestSeconds) {
                bestSeconds = *seconds;
                best = LtChoice{candidate.algo, algoName(candidate.algo) + ", heuristic's #" + std::to_string(i + 1) +
                                                    " of " + std::to_string(count)};
            }
        }
        if (!best)
            return Error{"cublas_fp16: none of cublasLt's " + std::to_string(count) +
                         " candidates runs m=" + std::to_string(m) + ", n=" + std::to_string(n_) +
                         ", k=" + std::to_string(k_) + (firstFailure.empty() ? "" : " (" + firstFailure + ")")};
        return *best;
    }

    // Median seconds of one launch of algo at m: cold through the backend's timer when there is one.
    Expected<double> timeCandidate(const cublasLtMatmulAlgo_t& algo, std::int64_t m, TimingScratch& scratch,
                                   GpuContext& context) {
        if (!context.timer) return timeBackToBack(algo, m, scratch, context.stream);
        GpuTimer& timer = *context.timer;
        const auto enqueue = [&] { return matmul(scratch.a.data(), scratch.c.data(), m, algo, timer.stream()); };
        Q4_CHECK(timer.warmUp(enqueue));
        std::vector<double> seconds;
        for (int i = 0; i < kTimedLaunches; ++i) {
            auto sample = timer.time(enqueue, true);
            if (!sample) return sample;
            seconds.push_back(*sample);
        }
        std::nth_element(seconds.begin(), seconds.begin() + kTimedLaunches / 2, seconds.end());
        return seconds[kTimedLaunches / 2];
    }

    Expected<double> timeBackToBack(const cublasLtMatmulAlgo_t& algo, std::int64_t m, TimingScratch& scratch,
                                    cudaStream_t stream) {
        const void* a = scratch.a.data();
        void* c = scratch.c.data();
        // The first warm-up runs before the hold: loading the algorithm's kernels may take the host long.
        Q4_CHECK(matmul(a, c, m, algo, stream));
        holdStream<<<1, 1, 0, stream>>>(kHoldNanoseconds);
        Q4_CHECK(launchStatus("hold stream"));
        for (int i = 0; i < kQueuedLaunches; ++i) {
            Q4_CUDA(cudaEventRecord(scratch.events[i], stream));
            Q4_CHECK(matmul(a, c, m, algo, stream));
        }
        Q4_CUDA(cudaEventRecord(scratch.events[kQueuedLaunches], stream));
        Q4_CUDA(cudaEventSynchronize(scratch.events[kQueuedLaunches]));
        std::vector<double> seconds;
        for (int i = kWarmups - 1; i < kQueuedLaunches; ++i) {
            float ms = 0;
            Q4_CUDA(cudaEventElapsedTime(&ms, scratch.events[i], scratch.events[i + 1]));
            seconds.push_back(double(ms) * 1e-3);
        }
        std::nth_element(seconds.begin(), seconds.begin() + kTimedLaunches / 2, seconds.end());
        return seconds[kTimedLaunches / 2];
    }

    cublasLtHandle_t handle_ = nullptr;
    cublasLtMatmulDescOpaque_t desc_{};
    DeviceBuffer weights_;  // fp16 [n, k]
    DeviceBuffer workspace_;
    std::vector<std::pair<std::int64_t, LtChoice>> buckets_;  // ascending bucket m, its choice
    std::int64_t n_ = 0, k_ = 0, maxM_ = 0;
};

}  // namespace

KernelEntry cublasFp16Entry() {
    return {{"cublas_fp16", "baseline",
             "Dense fp16 weights [n, k], as frameworks store nn.Linear's (dequantized once at prepare), through "
             "cublasLt with fp32 accumulation: C = A W^T, as PyTorch's F.linear. Per m bucket, the fastest of the "
             "heuristic's top 8 algorithms, timed at prepare. The baseline of every speedup; sparse points run "
             "their pruned weights densely.",
             "any valid GPTQ shape; needs 2*k*n bytes of fp16 weights and a 32 MiB cublasLt workspace", true, true,
             allSparsities()},
            [](const SweepPoint&, const GpuContext&) { return Status::success(); },
            [] { return std::make_unique<CublasFp16>(); }};
}

}  // namespace q4
