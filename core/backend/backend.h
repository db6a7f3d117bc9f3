#pragma once
// The contract between the engine and a place that runs kernels (CUDA device or CPU).
// A backend lists kernels, prepares one for a problem (untimed), and hands back an instance
// that can run once for validation and take timed samples. The engine owns the protocol.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"
#include "model/model_instance.h"
#include "sparsity/sparse_gptq_layer.h"
#include "results/record.h"
#include "results/run_info.h"
#include "sweep/sweep_spec.h"

namespace q4 {

class ModelWeightSource;

struct KernelInfo {
    std::string id;           // stable, lowercase: "cublas_fp16", "cpu_int4_fused"
    std::string family;       // "baseline", "reference", "gptq", "exllama", "tensor-core", ...
    std::string description;
    std::string constraints;  // human-readable shape limits
    bool ranked = true;       // false for the validation reference
    bool baseline = false;    // speedups are measured against this kernel
    // The sparsity patterns it runs. Dense weight kernels run none only; the baseline and the
    // references also run the pruned weights densely, so sparse points keep a baseline.
    std::vector<Sparsity> sparsity{Sparsity::None};
};

// Empty when the kernel runs the pattern, else why not ("tc_int4 runs dense weights only
// (sparsity 2:4)", "sparse_int4 runs sparse weights only (2:4)").
Status supportsSparsity(const KernelInfo& kernel, Sparsity sparsity);
// Every pattern: for kernels that run any weights densely.
std::vector<Sparsity> allSparsities();
// The kernels a sweep runs, in its order: the ids it names, or for "all" every kernel that runs
// at least one of its sparsity patterns (a dense sweep lists no sparse-only kernel).
std::vector<std::string> sweepKernels(const SweepSpec& spec, const std::vector<KernelInfo>& kernels);

// One problem's inputs on the host; backends copy what they need.
struct Problem {
    SweepPoint point;
    const GptqLayer* layer = nullptr;   // quantized weights
    const std::vector<HalfBits>* a = nullptr;  // activations fp16 [m, k]
    std::uint64_t layerId = 0;  // changes whenever the layer does, so backends may cache per layer
    // Sparse points: the kept nibbles and metadata of *layer (which holds the same weights densely,
    // each dropped nibble its zero point, so dense kernels compute the same product).
    const SparseGptqLayer* sparse = nullptr;
};

// A kernel prepared for one problem. It offers the primitives; the protocol that strings them
// together (poison, validate, warm up, sample, batch hot launches) lives in core/run, the same
// for every backend.
class KernelInstance {
public:
    virtual ~KernelInstance() = default;
    // Fills the output with NaN, so elements a kernel fails to write fail validation.
    virtual Status poisonOutput() = 0;
    // Queues one run (or one replay of its CUDA graph, with timing.cudaGraph).
    virtual Status launch(const TimingOptions& timing) = 0;
    // Waits for the queued runs and returns C [m, n] as fp32.
    virtual Expected<std::vector<float>> readOutput() = 0;
    // Seconds for `launches` back-to-back runs, timed together. With a cold L2 the caches are
    // flushed by reads first, outside the timed region.
    virtual Expected<double> timeLaunches(int launches, const TimingOptions& timing) = 0;
    virtual MemoryBreakdown memory() const = 0;
    virtual std::int64_t peakBytes() const { return memory().total(); }
    virtual std::string path() const { return {}; }  // dispatchers name the path they chose
    virtual std::optional<double> permuteSeconds() { return std::nullopt; }
    // L2Mode::Stream: seconds per run over one pass through distinct copies of the weights that
    // together exceed the L2 (backends that can hold them; Backend::supportsTiming says which).
    virtual Expected<double> timeStream(const TimingOptions& /*timing*/) {
        return Error{"this backend has no layer-stream timing"};
    }
    virtual std::optional<std::int64_t> streamCopies() const { return std::nullopt; }  // after timeStream
    // Device telemetry after sampling (clock, power, temperature, throttling, energy per op),
    // where the device reports it; fields stay empty otherwise.
    virtual void addTelemetry(Record& /*record*/) {}
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // the registry's name: "cuda", "cpu"
    virtual DeviceInfo deviceInfo() const = 0;
    virtual Ceilings ceilings() = 0;  // may measure on first call and cache
    virtual std::vector<KernelInfo> kernels() const = 0;
    virtual std::string baselineKernel() const = 0;  // speedups are against this one
    virtual std::int64_t memoryLimitBytes() const = 0;
    // Empty status when the kernel can run the point, else why not ("k=96 is not a multiple of 64").
    virtual Status supports(const std::string& kernelId, const SweepPoint& point) const = 0;
    // Empty status when the backend can time this way, else why not.
    virtual Status supportsTiming(const TimingOptions& timing) const {
        if (timing.l2 == L2Mode::Stream) return Status::failure("l2=stream is timed by GPU backends only");
        return Status::success();
    }
    virtual Expected<std::unique_ptr<KernelInstance>> prepare(const std::string& kernelId, const Problem& problem) = 0;
    // Failure that ends the sweep (a sticky device error); checked after every record.
    virtual Status health() { return Status::success(); }
    // The validation reference C [m, n] for a problem (fp32 or better accumulation).
    virtual Expected<std::vector<float>> reference(const Problem& problem, const std::vector<float>& dequantized) = 0;
    // Empty status when the backend's decoder can run its linear layers, pruned to sparsity,
    // through kernelId (each layer shape is then checked with supports()), else why not.
    virtual Status supportsModel(const std::string& /*kernelId*/, Sparsity /*sparsity*/) const {
        return Status::failure("the " + name() + " backend does not run models");
    }
    // Loads a decoder whose linear layers run through kernelId, for the model view.
    virtual Expected<std::unique_ptr<ModelInstance>> loadModel(const ModelWeightSource& /*weights*/,
                                                               const std::string& /*kernelId*/,
                                                               const ModelLoadOptions& /*options*/) {
        return Error{"the " + name() + " backend does not run models"};
    }
};

std::vector<std::string> kernelIds(const Backend& backend);

}  // namespace q4
