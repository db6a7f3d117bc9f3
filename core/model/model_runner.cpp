#include "model/model_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "measure/statistics.h"
#include "measure/stop_criterion.h"
#include "model/fuse_projections.h"
#include "model/model_floor.h"
#include "model/model_validation.h"
#include "model/model_weights.h"
#include "model/prune_linears.h"
#include "run/problem_data.h"
#include "run/runner.h"
#include "sweep/presets.h"
#include "sweep/sweep_expand.h"

namespace q4 {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Expected<std::unique_ptr<ModelWeightSource>> openWeights(const ModelSpec& spec) {
    if (!spec.checkpoint.empty()) return openCheckpointWeights(spec.checkpoint);
    auto arch = presetArchitecture(spec.preset);
    if (!arch) return arch.takeError();
    return makeRandomWeights(*arch, spec.preset, {spec.groupSize, spec.actOrder, spec.seed});
}

// "all" is every ranked kernel that runs the model's sparsity (the validation reference would hold
// the model in fp32).
Expected<std::vector<KernelInfo>> selectKernels(const Backend& backend, const std::vector<std::string>& wanted,
                                                Sparsity sparsity) {
    std::vector<KernelInfo> out;
    const std::vector<KernelInfo> known = backend.kernels();
    for (const std::string& id : wanted) {
        if (id == "all") {
            for (const KernelInfo& k : known)
                if (k.ranked && supportsSparsity(k, sparsity) &&
                    std::none_of(out.begin(), out.end(), [&](const KernelInfo& o) { return o.id == k.id; }))
                    out.push_back(k);
            continue;
        }
        auto it = std::find_if(known.begin(), known.end(), [&](const KernelInfo& k) { return k.id == id; });
        if (it == known.end())
            return Error{"kernels: unknown kernel '" + id + "' on the " + backend.name() + " backend", "kernels"};
        out.push_back(*it);
    }
    return out;
}

// Seeded prompts [batch, prompt], sequence-major; each sequence its own stream.
std::vector<std::int32_t> makePrompt(const ModelSpec& spec, std::int64_t batch, std::int64_t vocab) {
    std::vector<std::int32_t> tokens(std::size_t(batch * spec.prompt));
    std::uint64_t state = mixSeed(spec.seed, std::uint64_t(batch));
    for (auto& t : tokens) {
        state = mixSeed(state, 0x51ed27);
        t = std::int32_t(state % std::uint64_t(vocab));
    }
    return tokens;
}

std::vector<std::vector<std::int32_t>> splitSequences(const std::vector<std::int32_t>& flat, std::int64_t batch) {
    std::vector<std::vector<std::int32_t>> out;
    const std::size_t length = batch > 0 ? flat.size() / std::size_t(batch) : 0;
    for (std::int64_t b = 0; b < batch; ++b)
        out.emplace_back(flat.begin() + std::ptrdiff_t(b * length), flat.begin() + std::ptrdiff_t((b + 1) * length));
    return out;
}

class ModelRun {
public:
    ModelRun(Backend& backend, const ModelSpec& spec, const ModelWeightSource& weights, const ModelRunCallbacks& callbacks,
             const CancelToken& cancel, ModelRunResult& result)
        : backend_(backend), spec_(spec), weights_(weights), arch_(weights.architecture()), callbacks_(callbacks),
          cancel_(cancel), result_(result) {}

    void runKernel(const KernelInfo& kernel, std::size_t& done, std::size_t total) {
        const std::int64_t maxBatch = *std::max_element(spec_.batches.begin(), spec_.batches.end());
        const std::int64_t context = spec_.prompt + spec_.newTokens;
        const std::int64_t weightBytes =
            kernel.baseline ? fp16LinearBytes(arch_)
                            : gptqWeightBytes(arch_, weights_.groupSize(), weights_.actOrder(), spec_.sparsity);
        auto finishAll = [&](RecordStatus status, const std::string& message, double loadSeconds = 0) {
            for (std::int64_t batch : spec_.batches) {
                ModelRecord r = skeleton(kernel, batch);
                r.status = status;
                r.message = message;
                r.loadSeconds = loadSeconds;
                emit(std::move(r), done, total);
            }
        };
        if (cancel_.cancelled()) return finishAll(RecordStatus::Cancelled, "cancelled before it started");
        const std::string shortfall =
            memoryShortfall(arch_, weightBytes, maxBatch, context, backend_.memoryLimitBytes());
        if (!shortfall.empty()) return finishAll(RecordStatus::Unsupported, weights_.name() + " with " + kernel.id + " " + shortfall);

        auto block = weights_.blockLinears(0);
        if (!block) return finishAll(RecordStatus::Error, block.error());
        if (spec_.fuseProjections) block = fuseProjections(std::move(block).value());  // the layers the decoder runs
        if (Status pruned = pruneLinears(block.value(), spec_.sparsity); !pruned)
            return finishAll(RecordStatus::Error, pruned.message);
        const std::vector<std::int64_t> ms = linearMs(maxBatch);
        if (LinearValidation support = checkSupport(backend_, *block, kernel.id, ms); support.status != RecordStatus::Ok)
            return finishAll(support.status, support.message);

        log("loading " + weights_.name() + " with " + kernel.id);
        auto instance = backend_.loadModel(weights_, kernel.id,
                                           {maxBatch, context, spec_.cudaGraph, spec_.fuseProjections, spec_.sparsity});
        if (!instance) return finishAll(RecordStatus::Error, instance.error());
        log("validating " + kernel.id + " on block 0's layers");
        LinearValidation check = validateBlock(backend_, *block, kernel.id, ms, cancel_);
        if (check.status != RecordStatus::Ok) return finishAll(check.status, check.message, (*instance)->loadSeconds());

        for (std::int64_t batch : spec_.batches) {
            ModelRecord r = skeleton(kernel, batch);
            r.loadSeconds = (*instance)->loadSeconds();
            r.fusedProjections = std::any_of(block->begin(), block->end(), [](const DecoderLinear& l) {
                return l.name == "qkv_proj" || l.name == "gate_up_proj";
            });
            if (cancel_.cancelled()) {
                r.status = RecordStatus::Cancelled;
                r.message = "cancelled";
            } else {
                measureBatch(**instance, check, r);
            }
            emit(std::move(r), done, total);
            if (Status health = backend_.health(); !health) {
                log("the device failed: " + health.message);
                return;
            }
        }
    }

private:
    Backend& backend_;
    const ModelSpec& spec_;
    const ModelWeightSource& weights_;
    const ModelArchitecture& arch_;
    const ModelRunCallbacks& callbacks_;
    const CancelToken& cancel_;
    ModelRunResult& result_;

    void log(const std::string& text) const {
        if (callbacks_.onLog) callbacks_.onLog(text);
    }

    // Decode runs each batch size; prefill the largest chunk of rows (at most 4096).
    std::vector<std::int64_t> linearMs(std::int64_t maxBatch) const {
        std::vector<std::int64_t> ms = spec_.batches;
        ms.push_back(std::min<std::int64_t>(maxBatch * spec_.prompt, 4096));
        std::sort(ms.begin(), ms.end());
        ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
        return ms;
    }

    ModelRecord skeleton(const KernelInfo& kernel, std::int64_t batch) const {
        ModelRecord r;
        r.runId = result_.info.runId;
        r.backend = result_.info.backend;
        r.device = result_.info.device.name;
        r.model = weights_.name();
        r.kernel = kernel.id;
        r.family = kernel.family;
        r.batch = batch;
        r.prompt = spec_.prompt;
        r.newTokens = spec_.newTokens;
        r.groupSize = weights_.groupSize();
        r.actOrder = weights_.actOrder();
        r.sparsity = spec_.sparsity;
        r.seed = spec_.checkpoint.empty() ? spec_.seed : 0;
        r.cudaGraph = false;
        return r;
    }

    void emit(ModelRecord record, std::size_t& done, std::size_t total) {
        record.index = std::int64_t(result_.records.size());
        result_.records.push_back(record);
        if (callbacks_.onRecord) callbacks_.onRecord(result_.records.back());
        ++done;
        if (callbacks_.onProgress) callbacks_.onProgress(done, total);
    }

    void fail(ModelRecord& r, RecordStatus status, const std::string& message) const {
        r.status = status;
        r.message = message;
    }

    void measureBatch(ModelInstance& model, const LinearValidation& check, ModelRecord& r) {
        if (Status s = model.setBatch(r.batch); !s) return fail(r, RecordStatus::Error, s.message);
        r.cudaGraph = model.cudaGraph();  // captured by setBatch, for this batch
        r.programmaticLaunch = model.programmaticLaunch();
        const std::vector<std::int32_t> prompt = makePrompt(spec_, r.batch, arch_.vocabSize);
        r.promptTokens = splitSequences(prompt, r.batch);
        for (int w = 0; w < spec_.timing.warmup; ++w) {
            if (cancel_.cancelled()) return fail(r, RecordStatus::Cancelled, "cancelled during warm-up");
            if (auto g = model.generate(prompt, spec_.prompt, spec_.newTokens); !g)
                return fail(r, RecordStatus::Error, g.error());
        }
        const StopCriterion stop(spec_.timing);
        std::vector<double> generationMeans, steps;
        double prefillSum = 0;
        const auto start = Clock::now();
        StopDecision decision = StopDecision::Continue;
        while (decision == StopDecision::Continue) {
            if (cancel_.cancelled()) return fail(r, RecordStatus::Cancelled, "cancelled while timing");
            auto g = model.generate(prompt, spec_.prompt, spec_.newTokens);
            if (!g) return fail(r, RecordStatus::Error, g.error());
            prefillSum += g->prefillSeconds;
            double sum = 0;
            for (double s : g->stepSeconds) sum += s;
            steps.insert(steps.end(), g->stepSeconds.begin(), g->stepSeconds.end());
            if (!g->stepSeconds.empty()) generationMeans.push_back(sum / double(g->stepSeconds.size()));
            else generationMeans.push_back(g->prefillSeconds);  // one new token: prefill only
            if (r.generatedTokens.empty()) r.generatedTokens = splitSequences(g->generated, r.batch);
            decision = stop.decide(generationMeans, secondsSince(start));
        }
        r.timedOut = decision == StopDecision::TimedOut;
        r.generations = std::int64_t(generationMeans.size());
        r.ttftSeconds = prefillSum / double(r.generations);
        if (!steps.empty()) {
            r.perToken = summarize(steps);
            r.tokensPerSecond = double(r.batch) / r.perToken.mean;
        }
        r.mem = model.memory();
        r.memPeakBytes = model.peakBytes();
        const std::int64_t meanContext = spec_.prompt + spec_.newTokens / 2;
        r.stepFloorBytes = decodeStepBytes(arch_, r.mem, r.batch, meanContext);
        if (const auto bandwidth = result_.info.ceilings.copyBytesPerSecond; bandwidth && *bandwidth > 0) {
            r.stepFloorSeconds = r.stepFloorBytes / *bandwidth;
            if (!steps.empty()) r.fractionOfFloor = *r.stepFloorSeconds / r.perToken.mean;
        }
        if (spec_.newTokens > 1) profile(model, prompt, meanContext, r);
        char worst[64];
        std::snprintf(worst, sizeof worst, "block 0 validated (worst rel. error %.1e)", check.worstRelError);
        r.message = worst;
        if (const std::string note = model.graphNote(); !note.empty()) r.message += "; " + note;
    }

    // One decode step at the generation's mean context, by component; "gaps" is what the measured
    // mean step has beyond the components' sum.
    void profile(ModelInstance& model, const std::vector<std::int32_t>& prompt, std::int64_t context, ModelRecord& r) {
        std::vector<std::int32_t> longPrompt;
        longPrompt.reserve(std::size_t(r.batch * context));
        for (std::int64_t b = 0; b < r.batch; ++b)
            for (std::int64_t t = 0; t < context; ++t)
                longPrompt.push_back(prompt[std::size_t(b * spec_.prompt + t % spec_.prompt)]);
        auto step = model.profileStep(longPrompt, context);
        if (!step) {
            log("profiling " + r.kernel + " at batch " + std::to_string(r.batch) + " failed: " + step.error());
            return;
        }
        r.components = step->components;
        r.profiledStepSeconds = step->stepSeconds;
        r.profileMethod = step->method;
        double sum = 0;
        for (const ComponentTime& c : r.components) sum += c.seconds;
        const bool hasGaps = std::any_of(r.components.begin(), r.components.end(),
                                         [](const ComponentTime& c) { return c.name == "gaps"; });
        if (!hasGaps && r.perToken.samples > 0 && r.perToken.mean > sum)
            r.components.push_back({"gaps", r.perToken.mean - sum});
    }
};

}  // namespace

Expected<ModelRunResult> runModel(Backend& backend, const ModelSpec& spec, const ModelRunOptions& options,
                                  const ModelRunCallbacks& callbacks, const CancelToken& cancel) {
    if (Status s = validateModelSpec(spec); !s) return s.asError();
    auto kernels = selectKernels(backend, spec.kernels, spec.sparsity);
    if (!kernels) return kernels.takeError();
    auto weights = openWeights(spec);
    if (!weights) return weights.takeError();
    const ModelArchitecture& arch = (*weights)->architecture();
    if (arch.maxPositions > 0 && spec.prompt + spec.newTokens > arch.maxPositions && arch.ropeScaling.type == "dynamic")
        return Error{"new_tokens: prompt + new_tokens = " + std::to_string(spec.prompt + spec.newTokens) +
                         " is beyond max_position_embeddings " + std::to_string(arch.maxPositions) +
                         ", where dynamic RoPE scaling would change the model",
                     "new_tokens"};

    ModelRunResult result;
    result.info = makeRunInfo(backend, SweepSpec{}, RunOptions{options.commandLine, {}});
    result.info.specJson = modelSpecToJson(spec);
    result.info.architectureJson = architectureToJson(arch);
    if (callbacks.onStart) {
        if (Status s = callbacks.onStart(result.info); !s) return s.asError();
    }
    ModelRun run(backend, spec, **weights, callbacks, cancel, result);
    std::size_t done = 0;
    const std::size_t total = kernels->size() * spec.batches.size();
    for (const KernelInfo& kernel : *kernels) run.runKernel(kernel, done, total);
    if (!cancel.cancelled()) result.info.finishedUtc = utcNow();
    if (callbacks.onFinish) callbacks.onFinish(result.info);
    return result;
}

}  // namespace q4
