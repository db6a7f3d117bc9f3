#pragma once
// What a model run measures: one model (a preset's architecture with random GPTQ weights, or a
// checkpoint), the batch sizes, the prompt and generated lengths, and the linear kernels. The
// CLI's `model` flags, the workbench's Model view and model spec files all fill this through
// setModelSpecField, so one set of rules names every bad value.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "sweep/spec_fields.h"
#include "sweep/sweep_spec.h"

namespace q4 {

struct ModelSpec {
    std::string preset;      // a builtin preset with an architecture ("llama2-13b"), or
    std::string checkpoint;  // a GPTQ checkpoint directory: its architecture and weights
    std::vector<std::int64_t> batches{1};
    std::int64_t prompt = 512;     // prompt tokens per sequence
    std::int64_t newTokens = 512;  // generated tokens per sequence (the first comes from prefill)
    std::vector<std::string> kernels{"best_int4"};  // or "all"
    std::string backend = "auto";
    // Random weights only (a checkpoint brings its own):
    int groupSize = 128;
    bool actOrder = false;
    Sparsity sparsity = Sparsity::None;  // the layers pruned to a pattern (model/prune_linears.h)
    std::uint64_t seed = 1234;
    bool cudaGraph = true;  // replay decode steps from a CUDA graph
    bool fuseProjections = true;  // q|k|v and gate|up as one layer each where they share g_idx
    // Generations, not launches: warmup generations first, then timed ones until minSamples
    // generations and minTimeSeconds are reached and the noise of the per-token mean falls under
    // maxNoise, or timeoutSeconds passes (the record then says timed_out).
    TimingOptions timing{1, 4, 0.0, 0.01, 300.0, L2Mode::Hot, true};
};

// Every settable field (key, CLI flag, label, help), in the order front ends show them. Keys:
// preset, checkpoint, batch, prompt, new_tokens, kernels, group_size, act_order, sparsity, seed,
// cuda_graph, fuse_projections, timing.warmup, timing.min_generations, timing.min_time_s, timing.max_noise,
// timing.timeout_s.
const std::vector<SpecFieldInfo>& modelSpecFields();
// Sets one field from text (lists comma-separated); the error names the key and the rule, and
// the spec is unchanged.
Status setModelSpecField(ModelSpec& spec, std::string_view key, std::string_view text);
// The field's value as text that setModelSpecField reads back.
std::string modelSpecFieldText(const ModelSpec& spec, std::string_view key);
// The rules between fields: exactly one of preset and checkpoint, sizes in range.
Status validateModelSpec(const ModelSpec& spec);

std::string modelSpecToJson(const ModelSpec& spec);
Expected<ModelSpec> modelSpecFromJson(const std::string& json);  // unknown keys are errors

// The largest batch x (prompt + new tokens) a spec may ask for: keeps a typo from asking for a
// KV cache of terabytes before the memory check can say so.
inline constexpr std::int64_t kMaxModelBatch = 1024;
inline constexpr std::int64_t kMaxModelContext = 1 << 20;

}  // namespace q4
