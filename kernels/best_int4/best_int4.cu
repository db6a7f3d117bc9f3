// best_int4: the dispatcher. It prepares tc_int4's fragment-layout weights once and runs one of
// several paths over them (path_choice.h): gemv_int4 and wgmma_int4 on compute capability 9.0,
// tc_int4 (mma.sync) everywhere, the weights expanded to fp16 a block of features at a time
// plus cuBLAS, or, outside a model decoder, expanded once at prepare, in the layer's own k order
// so act-order needs no activation sort, plus cuBLAS (memory that then counts as the kernel's
// weights). With the backend's timer it times every eligible path at
// prepare, cold L2, for each m bucket up to the prepared m, and runs the fastest: measured
// choice, right on shapes no rule was tuned on. Choices are cached per device, shape,
// quantization and bucket. Without a timer it follows the rules measured on the H100 (below).
// The record's path names the path and how it was chosen.
#include <cuda_fp16.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "best_int4/path_choice.h"
#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "cuda/device_fill.h"
#include "cuda/gpu_timer.h"
#include "cuda/kernel_entries.h"
#include "gemv_int4/gemv_int4.h"
#include "int4_layout/fragment_dequant.h"
#include "tc_int4/tc_int4.h"
#include "wgmma_int4/wgmma_int4.h"

namespace q4 {
namespace {

using Path = BestInt4Path;

// The rules, where no timer is given. Without wgmma: above this m the dequantize + cuBLAS path
// wins (measured on the H100 before the Hopper path existed: docs/kernels.md).
constexpr std::int64_t kMmaMaxM = 64;
// With wgmma (compute capability 9.0): tc_int4 up to kHopperTcMaxM, wgmma_int4 up to
// kHopperWgmmaMaxM, dequantize + cuBLAS above (measured: docs/kernels.md).
constexpr std::int64_t kHopperTcMaxM = 16;
constexpr std::int64_t kHopperWgmmaMaxM = 4096;
// With wgmma, gemv_int4 (no split-k epilogue, no staging) beats tc_int4 at m <= 4 while
// m * n * k <= 2^25 (measured on the H100 over n, k in 2048..13824: docs/kernels.md).
constexpr std::int64_t kHopperGemvMaxM = 4;
constexpr std::int64_t kHopperGemvMaxMnk = std::int64_t(1) << 25;

// Candidates: paths below these m never won in the H100 and H200 sweeps, so they are not timed there.
constexpr std::int64_t kWgmmaMinM = 8;
constexpr std::int64_t kCublasMinM = 32;
// Timed runs per candidate and bucket, after one untimed: the median decides.
constexpr int kChoiceSamples = 5;
// A candidate whose first timed run takes over this many times the best median so far stops
// there: it cannot win, and at large m (a model's prefill buckets) its runs cost the most.
constexpr double kLoserFactor = 2;

class BestInt4 final : public GpuKernel {
public:
    Status prepare(const GptqLayer& layer, const SweepPoint& point, GpuContext& context) override {
        Q4_CHECK(tc_.prepare(layer, point, context));
        return preparePaths(point, context);
    }
    Status prepareFromDevice(const GptqLayer& layer, const void* deviceQweight, const SweepPoint& point,
                             GpuContext& context) override {
        Q4_CHECK(tc_.prepareFromDevice(layer, deviceQweight, point, context));
        return preparePaths(point, context);
    }

    Status run(const void* a, void* c, std::int64_t m, GpuContext& context) override {
        return runPath(choiceFor(m), a, c, m, context, cublas_.get(), wt_.data(), fp16Weights_.data());
    }

    std::string path(std::int64_t m) const override {
        const Path route = choiceFor(m);
        std::string text = pathName(route);
        switch (route) {
            case Path::Gemv: text += " " + gemvInt4Path(n_, k_, multiprocessors_); break;
            case Path::Mma: text += " " + tc_.path(m); break;
            case Path::Wgmma: text += " " + wgmma_.path(m); break;
            case Path::DequantCublas: {
                const std::int64_t chunks = (n_ + chunkFeatures_ - 1) / chunkFeatures_;
                text += ", " + std::to_string(chunks) + (chunks == 1 ? " block" : " blocks") + " of features";
                break;
            }
            case Path::Fp16Cublas: break;
        }
        return text + (measured_ ? " (timed at prepare)" : " (by rule)");
    }

private:
    TcInt4 tc_;
    WgmmaInt4Runner wgmma_;
    bool hopper_ = false, compact_ = false, measured_ = false, actOrder_ = false;
    CublasHandle cublas_;
    DeviceBuffer wt_;           // DequantCublas: one block of features of W^T
    DeviceBuffer fp16Weights_;  // Fp16Cublas: all of W^T
    std::int64_t n_ = 0, k_ = 0, chunkFeatures_ = 0, maxM_ = 0;
    int multiprocessors_ = 132, computeCapability_ = 0;
    std::vector<std::int64_t> buckets_;
    std::vector<Path> choices_;  // per bucket

    Status preparePaths(const SweepPoint& point, GpuContext& context) {
        n_ = point.n;
        k_ = point.k;
        maxM_ = point.m;
        actOrder_ = point.quant.actOrder;
        multiprocessors_ = context.multiprocessors;
        computeCapability_ = context.computeCapability;
        hopper_ = wgmmaInt4Runs(context.computeCapability);
        compact_ = context.compactWeights;
        chunkFeatures_ = dequantChunkFeatures(n_, k_);
        if (hopper_ && point.m >= kWgmmaMinM)
            Q4_CHECK(wgmma_.prepare(std::min(point.m, kHopperWgmmaMaxM), n_, k_, context.multiprocessors,
                                    *context.allocator, context.stream));
        buckets_ = pathChoiceBuckets(maxM_);
        measured_ = context.timer != nullptr;
        if (measured_) Q4_CHECK(choosePathsByTiming(context));
        else {
            choices_.clear();
            for (std::int64_t m : buckets_) choices_.push_back(ruleFor(m));
        }
        return prepareChosenPaths(context);
    }

    // The buffers of the paths that were chosen for some bucket, from the kernel's allocator.
    Status prepareChosenPaths(GpuContext& context) {
        const auto chosen = [&](Path p) { return std::find(choices_.begin(), choices_.end(), p) != choices_.end(); };
        if (chosen(Path::DequantCublas)) {
            auto wt = context.allocator->allocate(std::size_t(chunkFeatures_ * k_) * 2, MemoryUse::Workspace);
            if (!wt) return Status::failure(wt.error());
            wt_ = std::move(wt).value();
        }
        if (chosen(Path::Fp16Cublas)) {
            auto full = context.allocator->allocate(std::size_t(n_ * k_) * 2, MemoryUse::Weights);
            if (!full) return Status::failure(full.error());
            fp16Weights_ = std::move(full).value();
            Q4_CHECK(expandInSourceOrder(fp16Weights_.data(), context.stream));
        }
        if (chosen(Path::DequantCublas) || chosen(Path::Fp16Cublas)) return cublas_.create(context);
        return Status::success();
    }

    // The fp16 copy of W^T in the layer's own k order, so its product needs no activation sort
    // under act-order.
    Status expandInSourceOrder(void* wt, cudaStream_t stream) const {
        const std::optional<SortOrder> order = tc_.sortOrder();
        return expandFragmentsInSourceOrder(tc_.weights(), order ? &*order : nullptr, wt, stream);
    }

    // The rule's path first, so the candidates slower than it stop after one timed run.
    std::vector<Path> candidatesFor(std::int64_t m) const {
        std::vector<Path> paths{ruleFor(m)};
        if (paths.front() != Path::Mma) paths.push_back(Path::Mma);
        const auto add = [&](Path p) {
            if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
        };
        if (hopper_ && m <= kGemvInt4MaxM) add(Path::Gemv);
        if (hopper_ && m >= kWgmmaMinM && m <= std::min(maxM_, kHopperWgmmaMaxM)) add(Path::Wgmma);
        if (m >= kCublasMinM) {
            add(Path::DequantCublas);
            if (!compact_) add(Path::Fp16Cublas);
        }
        return paths;
    }

    Path ruleFor(std::int64_t m) const {
        if (hopper_ && m <= kHopperGemvMaxM && m * n_ * k_ <= kHopperGemvMaxMnk) return Path::Gemv;
        if (hopper_) return m <= kHopperTcMaxM ? Path::Mma : m <= kHopperWgmmaMaxM ? Path::Wgmma : Path::DequantCublas;
        return m <= kMmaMaxM ? Path::Mma : Path::DequantCublas;
    }

    PathChoiceKey choiceKey(std::int64_t m) const {
        return {computeCapability_, multiprocessors_, n_, k_, tc_.weights().groupSize, actOrder_, compact_, m};
    }

    // Every bucket's fastest candidate, cold L2, on scratch inputs outside the kernel's memory;
    // runs on the timer's stream (a model decoder may prepare on another).
    Status choosePathsByTiming(GpuContext& context) {
        GpuTimer& timer = *context.timer;
        DeviceAllocator scratch;
        GpuContext timed = context;
        timed.stream = timer.stream();
        timed.allocator = &scratch;
        DeviceBuffer a, c, wt, full;
        CublasHandle handle;
        bool cublasReady = false;
        choices_.clear();
        for (std::int64_t m : buckets_) {
            const PathChoiceKey key = choiceKey(m);
            if (auto cached = cachedPathChoice(key)) {
                choices_.push_back(*cached);
                continue;
            }
            // Scratch inputs only once a bucket needs timing: a model's layers share a few shapes,
            // so after the first layer of a shape they allocate nothing (hundreds of MB at a large
            // prefill m) and time nothing.
            if (!a.data()) {
                Q4_CUDA(cudaStreamSynchronize(context.stream));  // the weights, laid out on the kernel's stream
                auto activations = scratch.allocate(std::size_t(maxM_ * k_) * 2, MemoryUse::Activations);
                auto output = scratch.allocate(std::size_t(maxM_ * n_) * 2, MemoryUse::Output);
                if (!activations) return Status::failure(activations.error());
                if (!output) return Status::failure(output.error());
                a = std::move(activations).value();
                c = std::move(output).value();
                Q4_CHECK(fillRandomHalf(a.data(), std::size_t(maxM_ * k_), 0xB357, timed.stream));
            }
            Path best = Path::Mma;
            double bestSeconds = 0;
            for (Path candidate : candidatesFor(m)) {
                if ((candidate == Path::DequantCublas || candidate == Path::Fp16Cublas) && !cublasReady) {
                    Q4_CHECK(handle.create(timed));
                    cublasReady = true;
                }
                if (candidate == Path::DequantCublas && !wt.data()) {
                    auto buffer = scratch.allocate(std::size_t(chunkFeatures_ * k_) * 2, MemoryUse::Workspace);
                    if (!buffer) return Status::failure(buffer.error());
                    wt = std::move(buffer).value();
                }
                if (candidate == Path::Fp16Cublas && !full.data()) {
                    auto buffer = scratch.allocate(std::size_t(n_ * k_) * 2, MemoryUse::Weights);
                    if (!buffer) continue;  // no room for an fp16 copy: not a candidate here
                    full = std::move(buffer).value();
                    Q4_CHECK(expandInSourceOrder(full.data(), timed.stream));
                }
                auto seconds = medianSeconds(
                    timer,
                    [&] {
                        return runPath(candidate, a.data(), c.data(), m, timed, handle.get(), wt.data(),
                                       full.data());
                    },
                    kLoserFactor * bestSeconds);
                if (!seconds) return Status::failure(std::string(pathName(candidate)) + " at m=" +
                                                     std::to_string(m) + ": " + seconds.error());
                if (bestSeconds == 0 || *seconds < bestSeconds) {
                    best = candidate;
                    bestSeconds = *seconds;
                }
            }
            cachePathChoice(key, best);
            choices_.push_back(best);
        }
        return cudaStatus(cudaStreamSynchronize(timed.stream), "best_int4 path timing");
    }

    // The median of kChoiceSamples cold runs, or the first timed run alone where it is above
    // stopAbove (when positive).
    template <class Enqueue>
    static Expected<double> medianSeconds(GpuTimer& timer, Enqueue enqueue, double stopAbove) {
        Q4_CHECK(timer.warmUp(enqueue));  // loads the path's code and warms the TLB
        std::vector<double> samples;
        for (int i = 0; i < kChoiceSamples; ++i) {
            auto seconds = timer.time(enqueue, true);
            if (!seconds) return seconds;
            if (i == 0 && stopAbove > 0 && *seconds > stopAbove) return *seconds;
            samples.push_back(*seconds);
        }
        std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
        return samples[samples.size() / 2];
    }

    Path choiceFor(std::int64_t m) const {
        for (std::size_t i = 0; i < buckets_.size(); ++i)
            if (m <= buckets_[i]) return choices_[i];
        return choices_.empty() ? Path::Mma : choices_.back();
    }

    Status runPath(Path route, const void* a, void* c, std::int64_t m, GpuContext& context, cublasHandle_t handle,
                   void* wt, const void* fp16Weights) {
        if (route == Path::Mma) return tc_.run(a, c, m, context);  // tc_int4 sorts its own activations
        if (route == Path::Fp16Cublas)  // its weights are in the layer's own k order
            return cublasRowMajorGemmTransposedB(handle, a, fp16Weights, c, m, n_, k_);
        auto sorted = tc_.sortedActivations(a, m, context);
        if (!sorted) return Status::failure(sorted.error());
        // Launched right after the reordering pass, or where the decoder allows it.
        const bool dependent = *sorted != a || context.dependentLaunch;
        switch (route) {
            case Path::Gemv:
                return runGemvInt4(tc_.weights(), *sorted, c, m, dependent, multiprocessors_, context.stream);
            case Path::Wgmma: return wgmma_.run(tc_.weights(), *sorted, c, m, dependent, context.stream);
            case Path::DequantCublas:
                for (std::int64_t first = 0; first < n_; first += chunkFeatures_) {  // a block of features at a time
                    const std::int64_t features = std::min(chunkFeatures_, n_ - first);
                    Q4_CHECK(dequantizeFragmentsTransposed(tc_.weights(), first, features, wt, context.stream));
                    Q4_CHECK(cublasRowMajorGemmTransposedB(handle, *sorted, wt, static_cast<__half*>(c) + first, m,
                                                           features, k_, n_));
                }
                return Status::success();
            case Path::Mma:
            case Path::Fp16Cublas: break;
        }
        return Status::failure("best_int4: no path");
    }
};

}  // namespace

KernelEntry bestInt4Entry() {
    return {{"best_int4", "dispatcher",
             "Ours: runs the fastest of its paths over one copy of tc_int4's weights, timed at prepare for each m "
             "bucket (cached per device and shape): gemv_int4 and wgmma_int4 on compute capability 9.0, tc_int4, "
             "dequantize to fp16 a block of features at a time plus cuBLAS, or (not in a model) fp16 weights "
             "expanded once plus cuBLAS, whose memory then counts. The record's path column names the choice.",
             "as tc_int4: n % 16 == 0, k % 64 == 0, group size a multiple of 32 or -1; sm_80+", true},
            tcInt4Supports, [] { return std::make_unique<BestInt4>(); }};
}

}  // namespace q4
