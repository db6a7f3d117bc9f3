#include "model/model_spec.h"

#include <functional>
#include <limits>

#include <nlohmann/json.hpp>

#include "io/json_io.h"
#include "sweep/field_readers.h"
#include "sweep/presets.h"

namespace q4 {
namespace {

template <class T>
std::string joinValues(const std::vector<T>& values) {
    std::string text;
    for (const auto& v : values) {
        if (!text.empty()) text += ',';
        if constexpr (std::is_same_v<T, std::string>) text += v;
        else text += std::to_string(v);
    }
    return text;
}

struct ModelFieldRule {
    SpecFieldInfo info;
    std::function<Status(ModelSpec&, std::string_view key, std::string_view text)> set;
    std::function<std::string(const ModelSpec&)> get;
};

// Generous for real use, small enough that a typo cannot hang a run.
constexpr int kMaxWarmup = 1000;
constexpr int kMaxGenerations = 100000;
constexpr double kMaxSeconds = 24 * 3600;

Status readModelPreset(std::string_view key, std::string_view text, std::string& out) {
    text = trim(text);
    if (!text.empty()) {
        if (auto arch = presetArchitecture(std::string(text)); !arch) return fieldError(key, arch.error());
    }
    out = std::string(text);
    return Status::success();
}

Status readBatches(std::string_view key, std::string_view text, std::vector<std::int64_t>& out) {
    std::vector<std::int64_t> batches;
    if (Status s = readAxis(key, text, batches); !s) return s;
    for (std::int64_t b : batches)
        if (b < 1 || b > kMaxModelBatch)
            return fieldError(key, "batch " + std::to_string(b) + " must be from 1 to " + std::to_string(kMaxModelBatch));
    out = std::move(batches);
    return Status::success();
}

const std::vector<ModelFieldRule>& rules() {
    using S = ModelSpec;
    static const std::vector<ModelFieldRule> table = {
        {{"preset", "--preset", "Model", "A model preset: random GPTQ weights with its architecture"},
         [](S& s, auto key, auto text) { return readModelPreset(key, text, s.preset); },
         [](const S& s) { return s.preset; }},
        {{"checkpoint", "--checkpoint", "Checkpoint", "A GPTQ checkpoint directory: its architecture and weights"},
         [](S& s, auto, auto text) {
             s.checkpoint = std::string(trim(text));
             return Status::success();
         },
         [](const S& s) { return s.checkpoint; }},
        {{"batch", "--batch", "Batch sizes", "Sequences generated together: 1,2,4,8,16 or 1:16:x2 (default 1)"},
         [](S& s, auto key, auto text) { return readBatches(key, text, s.batches); },
         [](const S& s) { return joinValues(s.batches); }},
        {{"prompt", "--prompt", "Prompt tokens", "Prompt tokens per sequence (default 512)"},
         [](S& s, auto key, auto text) { return readInteger<std::int64_t>(key, text, 1, kMaxModelContext, s.prompt); },
         [](const S& s) { return std::to_string(s.prompt); }},
        {{"new_tokens", "--new", "New tokens", "Tokens generated per sequence, the first by prefill (default 512)"},
         [](S& s, auto key, auto text) {
             return readInteger<std::int64_t>(key, text, 1, kMaxModelContext, s.newTokens);
         },
         [](const S& s) { return std::to_string(s.newTokens); }},
        {{"kernels", "--kernels", "Kernels", "Linear kernels, comma-separated, or all (default best_int4)"},
         [](S& s, auto key, auto text) { return readKernels(key, text, s.kernels); },
         [](const S& s) { return joinValues(s.kernels); }},
        {{"backend", "--backend", "Backend", "A backend of this build, or auto (default auto)"},
         [](S& s, auto key, auto text) { return readBackend(key, text, s.backend); },
         [](const S& s) { return s.backend; }},
        {{"group_size", "--group-size", "Group size", "Random weights: rows per quantization group, -1 = one (default 128)"},
         [](S& s, auto key, auto text) {
             std::vector<int> sizes;
             if (Status st = readGroupSizes(key, text, sizes); !st) return st;
             if (sizes.size() != 1) return Status(fieldError(key, "must be one group size"));
             s.groupSize = sizes.front();
             return Status::success();
         },
         [](const S& s) { return std::to_string(s.groupSize); }},
        {{"act_order", "--act-order", "Act-order", "Random weights: act-order g_idx, yes or no (default no)"},
         [](S& s, auto key, auto text) { return readYesNo(key, text, s.actOrder); },
         [](const S& s) { return std::string(s.actOrder ? "yes" : "no"); }},
        {{"sparsity", "--sparsity", "Sparsity",
          "Random weights: none, 16:32 or 2:4, each layer pruned by the magnitude of its dequantized weights along k "
          "(default none)"},
         [](S& s, auto key, auto text) { return readEnum(key, text, s.sparsity); },
         [](const S& s) { return std::string(nameOf(s.sparsity)); }},
        {{"seed", "--seed", "Seed", "Seed of the random weights and prompts (default 1234)"},
         [](S& s, auto key, auto text) {
             return readInteger<std::uint64_t>(key, text, 0, std::numeric_limits<std::uint64_t>::max(), s.seed);
         },
         [](const S& s) { return std::to_string(s.seed); }},
        {{"cuda_graph", "--cuda-graph", "CUDA graph", "Replay decode steps from a CUDA graph: yes or no (default yes)"},
         [](S& s, auto key, auto text) { return readYesNo(key, text, s.cudaGraph); },
         [](const S& s) { return std::string(s.cudaGraph ? "yes" : "no"); }},
        {{"fuse_projections", "--fuse-projections", "Fuse projections",
          "Run q, k, v as one qkv_proj and gate, up as one gate_up_proj where they share g_idx: yes or no (default yes)"},
         [](S& s, auto key, auto text) { return readYesNo(key, text, s.fuseProjections); },
         [](const S& s) { return std::string(s.fuseProjections ? "yes" : "no"); }},
        {{"timing.warmup", "--warmup", "Warm-up", "Untimed generations first (default 1)"},
         [](S& s, auto key, auto text) { return readInteger(key, text, 0, kMaxWarmup, s.timing.warmup); },
         [](const S& s) { return std::to_string(s.timing.warmup); }},
        {{"timing.min_generations", "--min-generations", "Min generations", "Timed generations, at least (default 4)"},
         [](S& s, auto key, auto text) { return readInteger(key, text, 1, kMaxGenerations, s.timing.minSamples); },
         [](const S& s) { return std::to_string(s.timing.minSamples); }},
        {{"timing.min_time_s", "--min-time", "Min time", "Seconds of timed generations, at least (default 0)"},
         [](S& s, auto key, auto text) { return readNumber(key, text, 0, true, kMaxSeconds, s.timing.minTimeSeconds); },
         [](const S& s) { return numberText(s.timing.minTimeSeconds); }},
        {{"timing.max_noise", "--max-noise", "Max noise",
          "Target relative standard error of the per-token mean over generations (default 0.01)"},
         [](S& s, auto key, auto text) { return readNumber(key, text, 0, false, 1, s.timing.maxNoise); },
         [](const S& s) { return numberText(s.timing.maxNoise); }},
        {{"timing.timeout_s", "--timeout", "Timeout", "Seconds after which timed generations stop (default 300)"},
         [](S& s, auto key, auto text) { return readNumber(key, text, 0, false, kMaxSeconds, s.timing.timeoutSeconds); },
         [](const S& s) { return numberText(s.timing.timeoutSeconds); }},
    };
    return table;
}

const ModelFieldRule* findRule(std::string_view key) {
    for (const ModelFieldRule& rule : rules())
        if (rule.info.key == key) return &rule;
    return nullptr;
}

}  // namespace

const std::vector<SpecFieldInfo>& modelSpecFields() {
    static const std::vector<SpecFieldInfo> infos = [] {
        std::vector<SpecFieldInfo> out;
        for (const ModelFieldRule& rule : rules()) out.push_back(rule.info);
        return out;
    }();
    return infos;
}

Status setModelSpecField(ModelSpec& spec, std::string_view key, std::string_view text) {
    const ModelFieldRule* rule = findRule(key);
    if (!rule) return Status::failure("unknown model field '" + std::string(key) + "'", std::string(key));
    ModelSpec changed = spec;
    if (Status s = rule->set(changed, key, text); !s) return s;
    spec = std::move(changed);
    return Status::success();
}

std::string modelSpecFieldText(const ModelSpec& spec, std::string_view key) {
    const ModelFieldRule* rule = findRule(key);
    return rule ? rule->get(spec) : std::string();
}

Status validateModelSpec(const ModelSpec& spec) {
    if (spec.preset.empty() == spec.checkpoint.empty())
        return Status::failure("preset/checkpoint: name exactly one model, a preset or a checkpoint", "preset");
    if (spec.batches.empty()) return Status::failure("batch: the list is empty", "batch");
    if (spec.kernels.empty()) return Status::failure("kernels: the kernel list is empty", "kernels");
    if (!spec.checkpoint.empty() && spec.sparsity != Sparsity::None)
        return Status::failure("sparsity: a checkpoint's weights are dense; sparsity prunes random weights only",
                               "sparsity");
    if (spec.prompt + spec.newTokens > kMaxModelContext)
        return Status::failure("prompt + new_tokens = " + std::to_string(spec.prompt + spec.newTokens) +
                                   " is more than " + std::to_string(kMaxModelContext) + " positions",
                               "new_tokens");
    return Status::success();
}

std::string modelSpecToJson(const ModelSpec& spec) {
    nlohmann::ordered_json j;
    for (const ModelFieldRule& rule : rules()) j[rule.info.key] = rule.get(spec);
    return j.dump(2);
}

Expected<ModelSpec> modelSpecFromJson(const std::string& json) {
    if (Status depth = checkJsonDepth(json, "model spec"); !depth) return depth.asError();
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{"model spec: not a JSON object"};
    ModelSpec spec;
    for (const auto& item : j.items()) {
        const auto& value = item.value();
        std::string text;
        if (value.is_string()) text = value.get<std::string>();
        else if (value.is_boolean()) text = value.get<bool>() ? "yes" : "no";
        else if (value.is_number() || value.is_array()) text = value.is_array() ? std::string() : value.dump();
        else return Error{item.key() + ": must be a string, number or boolean", item.key()};
        if (value.is_array()) {
            for (const auto& element : value) {
                if (!element.is_string() && !element.is_number_integer())
                    return Error{item.key() + ": list items must be strings or integers", item.key()};
                text += (text.empty() ? "" : ",") + (element.is_string() ? element.get<std::string>() : element.dump());
            }
        }
        if (Status s = setModelSpecField(spec, item.key(), text); !s) return s.asError();
    }
    if (Status s = validateModelSpec(spec); !s) return s.asError();
    return spec;
}

}  // namespace q4
