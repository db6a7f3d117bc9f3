#pragma once
// A decoder loaded on a backend with one linear kernel: the contract between the model view's
// protocol (core/model/model_runner) and the place that runs the forward pass (the CPU
// reference decoder, the CUDA decoder). The protocol decides what to time and how often; the
// instance runs prefill and decode steps and times them on its own clock.
#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.h"
#include "sparsity/sparsity.h"

namespace q4 {

struct ModelLoadOptions {
    std::int64_t maxBatch = 1;    // the largest batch setBatch will be given
    std::int64_t maxContext = 0;  // prompt + new tokens: the KV cache's length per sequence
    bool cudaGraph = true;        // capture decode steps in a CUDA graph (backends without graphs ignore it)
    bool fuseProjections = true;  // run fuseProjections (model/fuse_projections.h) on every block
    Sparsity sparsity = Sparsity::None;  // prune every block's layers (model/prune_linears.h)
};

// Device memory by purpose, in bytes.
struct ModelMemory {
    std::int64_t quantWeights = 0;  // packed weights of the linear layers (or fp16 weights for fp16 kernels)
    std::int64_t scales = 0;
    std::int64_t zeros = 0;
    std::int64_t gIdx = 0;          // g_idx or permutations
    std::int64_t embeddings = 0;    // token embedding, LM head and norm weights (fp16)
    std::int64_t kvCache = 0;
    std::int64_t activations = 0;
    std::int64_t workspace = 0;     // kernels' scratch, cuBLAS workspace, attention partials
    std::int64_t total() const {
        return quantWeights + scales + zeros + gIdx + embeddings + kvCache + activations + workspace;
    }
};

// One step's output: the next token of each sequence (greedy), and, when asked, the logits the
// step computed for each sequence's last position, fp32 [batch, vocab].
struct StepOutput {
    std::vector<std::int32_t> tokens;
    std::vector<float> logits;
};

// One timed generation: prefill (its time is the time to first token) and each decode step.
struct GenerationTimes {
    double prefillSeconds = 0;
    std::vector<double> stepSeconds;  // newTokens - 1 decode steps
    std::vector<std::int32_t> generated;  // [batch, newTokens], sequence-major
};

// Time per component of one decode step, seconds, in the order the step runs them. Names:
// embedding, qkv_proj, attention (RoPE, cache append, attention), o_proj, gate_up_proj,
// mlp_act (SiLU * up), down_proj, norms, residual, lm_head, sampling, and gaps (time with no
// work on the device: launch gaps, host time between direct launches).
struct ComponentTime {
    std::string name;
    double seconds = 0;
};
struct StepProfile {
    std::vector<ComponentTime> components;
    double stepSeconds = 0;  // the profiled step's own total
    std::string method;      // how it was timed, e.g. "kernel trace of the step's graph"
};

class ModelInstance {
public:
    virtual ~ModelInstance() = default;
    virtual double loadSeconds() const = 0;  // weights made or read, converted and uploaded
    virtual bool cudaGraph() const { return false; }  // decode steps replay a captured graph
    // A step's kernels launch as programmatic dependents of the kernel before them.
    virtual bool programmaticLaunch() const { return false; }
    virtual std::string graphNote() const { return {}; }  // why not, when a graph was asked for
    virtual ModelMemory memory() const = 0;  // held now
    virtual std::int64_t peakBytes() const = 0;  // since load
    // Sizes the KV cache and activations for batch sequences (1 <= batch <= maxBatch); drops any
    // sequence in progress.
    virtual Status setBatch(std::int64_t batch) = 0;
    // Starts new sequences from prompt [batch, promptLength] (sequence-major token ids) and
    // returns the first generated token of each. wantLogits fills StepOutput::logits.
    virtual Expected<StepOutput> prefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                         bool wantLogits) = 0;
    // Appends one token per sequence at the next position and returns the next greedy tokens.
    virtual Expected<StepOutput> decode(const std::vector<std::int32_t>& tokens, bool wantLogits) = 0;
    // prefill + (newTokens - 1) greedy decode steps, each timed; the tokens stay on the device
    // between steps.
    virtual Expected<GenerationTimes> generate(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                               std::int64_t newTokens) = 0;
    // One decode step at cache length contextLength, timed per component (a fresh prefill of
    // contextLength tokens of prompt precedes it, untimed).
    virtual Expected<StepProfile> profileStep(const std::vector<std::int32_t>& prompt, std::int64_t contextLength) = 0;
};

}  // namespace q4
