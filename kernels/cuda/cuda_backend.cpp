#include "cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "cuda/ceilings.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_devices.h"
#include "cuda/gpu_kernel.h"
#include "cuda/gpu_timer.h"
#include "cuda/nvml_monitor.h"
#include "decoder/cuda_decoder.h"
#include "reference/reference_fp32.h"
#include "run/problem_data.h"

namespace q4 {
namespace {

const char* const kBaseline = "cublas_fp16";
constexpr HalfBits kPoison = 0xFFFF;  // fp16 NaN: any element a kernel fails to write stays NaN
constexpr double kEnergyBurstSeconds = 0.1;
// l2=stream: the copies' weights exceed the L2 this many times, so each launch finds its weights
// evicted by the ones before; tiny layers stop at the copy cap (their record names the count).
constexpr double kStreamL2Multiple = 4.0;
constexpr std::int64_t kMaxStreamCopies = 1024;
// Copies of one kernel must agree with its first copy (split-k kernels may round differently).
constexpr double kStreamCopyTolerance = 1e-3;

// "9.0" -> 90, as kernels compare it.
int computeCapabilityNumber(const std::string& text) {
    const auto dot = text.find('.');
    if (dot == std::string::npos) return 0;
    return std::stoi(text.substr(0, dot)) * 10 + std::stoi(text.substr(dot + 1));
}

// True for errors after which the context is unusable (every later call fails).
bool isSticky(cudaError_t e) {
    switch (e) {
        case cudaErrorIllegalAddress:
        case cudaErrorLaunchFailure:
        case cudaErrorIllegalInstruction:
        case cudaErrorMisalignedAddress:
        case cudaErrorInvalidPc:
        case cudaErrorHardwareStackError:
        case cudaErrorAssert:
        case cudaErrorECCUncorrectable:
            return true;
        default:
            return false;
    }
}

class CudaKernelInstance final : public KernelInstance {
public:
    CudaKernelInstance(const KernelEntry& entry, GpuContext context, GpuTimer& timer, std::size_t l2Bytes,
                       const NvmlMonitor* nvml)
        : entry_(entry), kernel_(entry.create()), context_(context), timer_(timer), l2Bytes_(l2Bytes), nvml_(nvml) {}
    CudaKernelInstance(const CudaKernelInstance&) = delete;
    CudaKernelInstance& operator=(const CudaKernelInstance&) = delete;
    ~CudaKernelInstance() override {
        if (graph_) cudaGraphExecDestroy(graph_);
        if (streamGraph_) cudaGraphExecDestroy(streamGraph_);
    }

    Status setUp(const Problem& problem) {
        problem_ = &problem;
        const SweepPoint& p = problem.point;
        m_ = p.m;
        n_ = p.n;
        auto a = allocator_.upload(problem.a->data(), problem.a->size() * sizeof(HalfBits), MemoryUse::Activations);
        if (!a) return Status::failure(a.error());
        a_ = std::move(a).value();
        auto c = allocator_.allocate(std::size_t(p.m * p.n) * sizeof(HalfBits), MemoryUse::Output);
        if (!c) return Status::failure(c.error());
        c_ = std::move(c).value();
        context_.allocator = &allocator_;
        Status prepared = prepareKernel(*kernel_, context_);
        if (prepared) prepared = cudaStatus(cudaStreamSynchronize(context_.stream), "prepare");
        return prepared;
    }

    Status poisonOutput() override {
        return cudaStatus(cudaMemsetAsync(c_.data(), kPoison & 0xff, c_.bytes(), context_.stream), "poison");
    }

    Status launch(const TimingOptions& timing) override {
        if (timing.cudaGraph) {
            if (!graph_) Q4_CHECK(captureGraph());
            return cudaStatus(cudaGraphLaunch(graph_, context_.stream), "graph launch");
        }
        return kernel_->run(a_.data(), c_.data(), m_, context_);
    }

    Expected<std::vector<float>> readOutput() override {
        Q4_CUDA(cudaStreamSynchronize(context_.stream));
        std::vector<HalfBits> host(std::size_t(m_ * n_));
        Q4_CUDA(cudaMemcpy(host.data(), c_.data(), c_.bytes(), cudaMemcpyDeviceToHost));
        return toFloat(host);
    }

    Expected<double> timeLaunches(int launches, const TimingOptions& timing) override {
        if (timing.cudaGraph && !graph_) Q4_CHECK(captureGraph());
        return timer_.time(
            [&]() -> Status {
                for (int i = 0; i < launches; ++i)
                    if (Status s = launch(timing); !s) return s;
                return Status::success();
            },
            timing.l2 == L2Mode::Cold);
    }

    // One replay of a graph that runs every copy once, back to back; the copies are made on the
    // first call. Their memory is the measurement's, not the kernel's: it is kept apart.
    Expected<double> timeStream(const TimingOptions& /*timing*/) override {
        if (!streamGraph_) Q4_CHECK(setUpStream());
        auto seconds = timer_.time(
            [&]() { return cudaStatus(cudaGraphLaunch(streamGraph_, context_.stream), "stream graph launch"); }, false);
        if (!seconds) return seconds;
        return seconds.value() / double(streamKernels_.size() + 1);
    }
    std::optional<std::int64_t> streamCopies() const override {
        if (!streamGraph_) return std::nullopt;
        return std::int64_t(streamKernels_.size() + 1);
    }

    MemoryBreakdown memory() const override { return allocator_.breakdown(); }
    std::int64_t peakBytes() const override { return allocator_.peakBytes(); }
    std::string path() const override { return kernel_->path(m_); }
    std::optional<double> permuteSeconds() override { return kernel_->permuteSeconds(a_.data(), m_, context_); }

    // Energy per operation from a burst of back-to-back launches long enough for the driver's
    // energy counter to move; clock, power, temperature and throttle reasons read under that load.
    void addTelemetry(Record& record) override {
        if (!nvml_) return;
        const NvmlSnapshot before = nvml_->sample();
        const auto start = std::chrono::steady_clock::now();
        std::int64_t launches = 0;
        double seconds = 0;
        for (int batch = 1; seconds < kEnergyBurstSeconds;) {  // batches grow while far from the burst length
            for (int i = 0; i < batch; ++i)
                if (!kernel_->run(a_.data(), c_.data(), m_, context_)) return;
            launches += batch;
            if (cudaStreamSynchronize(context_.stream) != cudaSuccess) return;
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (seconds < kEnergyBurstSeconds / 4) batch = std::min(batch * 2, 256);
        }
        const NvmlSnapshot after = nvml_->sample();
        record.smClockMhz = after.smClockMhz;
        record.temperatureC = after.temperatureC;
        if (before.throttleReasons && after.throttleReasons)
            record.throttleReasons = *before.throttleReasons | *after.throttleReasons;
        if (before.energyJoules && after.energyJoules && *after.energyJoules > *before.energyJoules) {
            const double joules = *after.energyJoules - *before.energyJoules;
            record.energyJoulesPerOp = joules / double(launches);
            record.powerWatts = joules / seconds;
        } else {
            record.powerWatts = after.powerWatts;
        }
    }

private:
    // Prepares the copies (each validated against the kernel's own output), then captures the
    // kernel and every copy in one graph and replays it once, untimed.
    Status setUpStream() {
        const MemoryBreakdown mem = allocator_.breakdown();
        const double layerBytes = double(std::max<std::int64_t>(mem.weights + mem.scales + mem.zeros + mem.gIdx, 1));
        const std::int64_t copies =
            std::clamp<std::int64_t>(std::int64_t(std::ceil(kStreamL2Multiple * double(l2Bytes_) / layerBytes)), 2,
                                     kMaxStreamCopies);
        auto first = runOnce(*kernel_, context_);
        if (!first) return Status::failure("stream: " + first.error());
        streamContext_ = context_;
        streamContext_.allocator = &streamAllocator_;
        for (std::int64_t i = 1; i < copies; ++i) {
            auto copy = entry_.create();
            Q4_CHECK(prepareKernel(*copy, streamContext_));
            Q4_CUDA(cudaStreamSynchronize(context_.stream));
            auto output = runOnce(*copy, streamContext_);
            if (!output) return Status::failure("stream copy " + std::to_string(i) + ": " + output.error());
            const double difference = relativeError(output.value(), first.value());
            if (!(difference <= kStreamCopyTolerance))
                return Status::failure("stream copy " + std::to_string(i) + " differs from the first by " +
                                       std::to_string(difference));
            streamKernels_.push_back(std::move(copy));
        }
        cudaGraph_t graph = nullptr;
        Q4_CHECK(cudaStatus(cudaStreamBeginCapture(context_.stream, cudaStreamCaptureModeThreadLocal), "begin capture"));
        Status launched = kernel_->run(a_.data(), c_.data(), m_, context_);
        for (auto& copy : streamKernels_)
            if (launched) launched = copy->run(a_.data(), c_.data(), m_, streamContext_);
        const Status ended = cudaStatus(cudaStreamEndCapture(context_.stream, &graph), "end capture");
        if (!launched) return launched;
        if (!ended) return ended;
        const Status instantiated = cudaStatus(cudaGraphInstantiate(&streamGraph_, graph, 0), "graph instantiate");
        cudaGraphDestroy(graph);
        Q4_CHECK(instantiated);
        Q4_CHECK(cudaStatus(cudaGraphLaunch(streamGraph_, context_.stream), "stream graph launch"));
        return cudaStatus(cudaStreamSynchronize(context_.stream), "stream warm-up");
    }

    Status prepareKernel(GpuKernel& kernel, GpuContext& context) {
        if (problem_->sparse) return kernel.prepareSparse(*problem_->sparse, *problem_->layer, problem_->point, context);
        return kernel.prepare(*problem_->layer, problem_->point, context);
    }

    // C from one poisoned run of kernel, as fp32.
    Expected<std::vector<float>> runOnce(GpuKernel& kernel, GpuContext& context) {
        Q4_CHECK(poisonOutput());
        Q4_CHECK(kernel.run(a_.data(), c_.data(), m_, context));
        return readOutput();
    }

    Status captureGraph() {
        cudaGraph_t graph = nullptr;
        Q4_CHECK(cudaStatus(cudaStreamBeginCapture(context_.stream, cudaStreamCaptureModeThreadLocal), "begin capture"));
        const Status launched = kernel_->run(a_.data(), c_.data(), m_, context_);
        const Status ended = cudaStatus(cudaStreamEndCapture(context_.stream, &graph), "end capture");
        if (!launched) return launched;
        if (!ended) return ended;
        const Status instantiated = cudaStatus(cudaGraphInstantiate(&graph_, graph, 0), "graph instantiate");
        cudaGraphDestroy(graph);
        return instantiated;
    }

    DeviceAllocator allocator_;  // declared first: destroyed after every buffer it tracks
    DeviceAllocator streamAllocator_;
    const KernelEntry& entry_;
    std::unique_ptr<GpuKernel> kernel_;
    GpuContext context_;
    GpuTimer& timer_;
    std::size_t l2Bytes_;
    const NvmlMonitor* nvml_;
    const Problem* problem_ = nullptr;  // outlives the instance (the engine measures it, then drops it)
    DeviceBuffer a_, c_;
    std::int64_t m_ = 0, n_ = 0;
    cudaGraphExec_t graph_ = nullptr;
    // l2=stream: the copies after the kernel itself, their context and the graph that runs them all.
    std::vector<std::unique_ptr<GpuKernel>> streamKernels_;
    GpuContext streamContext_;
    cudaGraphExec_t streamGraph_ = nullptr;
};

class CudaBackend final : public Backend {
public:
    static Expected<std::unique_ptr<Backend>> create(int device) {
        auto info = cudaDeviceInfo(device);
        if (!info) return Error{info.error()};
        Q4_CUDA(cudaSetDevice(device));
        std::unique_ptr<CudaBackend> backend(new CudaBackend(device, info.value()));
        Q4_CUDA(cudaStreamCreateWithFlags(&backend->stream_, cudaStreamNonBlocking));
        auto timer = GpuTimer::create(backend->stream_, std::size_t(info->l2Bytes));
        if (!timer) return Error{timer.error()};
        backend->timer_ = std::move(timer).value();
        backend->context_.stream = backend->stream_;
        backend->context_.multiprocessors = info->multiprocessors;
        backend->context_.computeCapability = computeCapabilityNumber(info->computeCapability);
        backend->context_.timer = backend->timer_.get();
        backend->nvml_ = NvmlMonitor::open(device);  // null without NVML: telemetry fields stay empty
        return std::unique_ptr<Backend>(std::move(backend));
    }

    ~CudaBackend() override {
        referenceWeights_.release();
        timer_.reset();
        if (stream_) cudaStreamDestroy(stream_);
    }

    std::string name() const override { return "cuda"; }
    DeviceInfo deviceInfo() const override { return info_; }
    Ceilings ceilings() override {
        if (!ceilingsMeasured_) {
            ceilings_ = measureOrLoadCeilings(device_, info_, stream_);
            ceilingsMeasured_ = true;
        }
        return ceilings_;
    }
    std::vector<KernelInfo> kernels() const override {
        std::vector<KernelInfo> infos;
        for (const auto& entry : kernelRegistry()) infos.push_back(entry.info);
        return infos;
    }
    std::string baselineKernel() const override { return kBaseline; }
    std::int64_t memoryLimitBytes() const override { return info_.memoryBytes; }

    Status supports(const std::string& kernelId, const SweepPoint& point) const override {
        const KernelEntry* entry = find(kernelId);
        if (!entry) return Status::failure("unknown kernel '" + kernelId + "'");
        return entrySupports(*entry, point, context_);
    }
    Status supportsTiming(const TimingOptions&) const override { return Status::success(); }

    Expected<std::unique_ptr<KernelInstance>> prepare(const std::string& kernelId, const Problem& problem) override {
        const KernelEntry* entry = find(kernelId);
        if (!entry) return Error{"unknown kernel '" + kernelId + "'"};
        auto instance = std::make_unique<CudaKernelInstance>(*entry, context_, *timer_, std::size_t(info_.l2Bytes),
                                                             nvml_.get());
        if (Status s = instance->setUp(problem); !s) return Error{s.message};
        return std::unique_ptr<KernelInstance>(std::move(instance));
    }

    Status supportsModel(const std::string& kernelId, Sparsity sparsity) const override {
        const KernelEntry* entry = find(kernelId);
        if (!entry) return Status::failure("unknown kernel '" + kernelId + "'");
        return supportsSparsity(entry->info, sparsity);
    }

    Expected<std::unique_ptr<ModelInstance>> loadModel(const ModelWeightSource& weights, const std::string& kernelId,
                                                       const ModelLoadOptions& options) override {
        const KernelEntry* entry = find(kernelId);
        if (!entry) return Error{"unknown kernel '" + kernelId + "'"};
        return loadCudaDecoder(weights, *entry, options, context_);
    }

    Expected<std::vector<float>> reference(const Problem& problem, const std::vector<float>& dequantized) override {
        const SweepPoint& p = problem.point;
        if (referenceLayerId_ != problem.layerId || !referenceWeights_.data()) {
            referenceWeights_.release();
            auto w = referenceAllocator_.upload(dequantized.data(), dequantized.size() * sizeof(float),
                                                MemoryUse::Weights);
            if (!w) return Error{w.error()};
            referenceWeights_ = std::move(w).value();
            referenceLayerId_ = problem.layerId;
        }
        auto a = referenceAllocator_.upload(problem.a->data(), problem.a->size() * sizeof(HalfBits),
                                            MemoryUse::Activations);
        if (!a) return Error{a.error()};
        auto c = referenceAllocator_.allocate(std::size_t(p.m * p.n) * sizeof(float), MemoryUse::Output);
        if (!c) return Error{c.error()};
        Q4_CHECK(launchReferenceFp32(a->data(), referenceWeights_.as<float>(), c->as<float>(), p.m, p.n, p.k, stream_));
        Q4_CUDA(cudaStreamSynchronize(stream_));
        std::vector<float> host(std::size_t(p.m * p.n));
        Q4_CUDA(cudaMemcpy(host.data(), c->data(), c->bytes(), cudaMemcpyDeviceToHost));
        return host;
    }

    Status health() override {
        const cudaError_t e = cudaStreamSynchronize(stream_);
        if (isSticky(e)) return Status::failure(cudaGetErrorString(e));
        cudaGetLastError();  // non-sticky errors were already reported by the record that caused them
        return Status::success();
    }

private:
    CudaBackend(int device, DeviceInfo info) : device_(device), info_(std::move(info)) {}

    const KernelEntry* find(const std::string& id) const {
        for (const auto& entry : kernelRegistry())
            if (entry.info.id == id) return &entry;
        return nullptr;
    }

    int device_;
    DeviceInfo info_;
    cudaStream_t stream_ = nullptr;
    GpuContext context_;
    std::unique_ptr<GpuTimer> timer_;
    std::unique_ptr<NvmlMonitor> nvml_;
    Ceilings ceilings_;
    bool ceilingsMeasured_ = false;
    DeviceAllocator referenceAllocator_;
    DeviceBuffer referenceWeights_;  // dequantized fp32 weights of the current layer
    std::uint64_t referenceLayerId_ = 0;
};

}  // namespace

Expected<std::unique_ptr<Backend>> makeCudaBackend(int device) { return CudaBackend::create(device); }

}  // namespace q4
