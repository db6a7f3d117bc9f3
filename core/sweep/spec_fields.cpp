#include "sweep/spec_fields.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "backend/backend_registry.h"
#include "checkpoint/layer_selection.h"
#include "common/text.h"
#include "sweep/field_readers.h"
#include "sweep/presets.h"
#include "sweep/sweep_expand.h"

namespace q4 {
namespace {

template <class T>
std::string joinValues(const std::vector<T>& values) {
    std::string text;
    for (const T& v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
    return text;
}

struct FieldRule {
    SpecFieldInfo info;
    std::function<Status(SweepSpec&, std::string_view key, std::string_view text)> set;
    std::function<std::string(const SweepSpec&)> get;
};

// Limits on timing values: generous for real use, small enough that a typo cannot hang a sweep.
constexpr int kMaxWarmup = 1'000'000;
constexpr int kMaxSamples = 1'000'000;
constexpr double kMaxSamplingSeconds = 3600;

const std::vector<FieldRule>& rules() {
    using S = SweepSpec;
    static const std::vector<FieldRule> table = {
        {{"m", "--m", "m", "Batch sizes (rows of A): 1,2,4 or 1:4096:x2 or 256:4096:+256 (default 1)"},
         [](S& s, auto key, auto text) { return readAxis(key, text, s.m); },
         [](const S& s) { return joinValues(s.m); }},
        {{"n", "--n", "n", "Output features: a list or range (default 8192)"},
         [](S& s, auto key, auto text) { return readAxis(key, text, s.n); },
         [](const S& s) { return joinValues(s.n); }},
        {{"k", "--k", "k", "Input features, a multiple of the group size: a list or range (default 8192)"},
         [](S& s, auto key, auto text) { return readAxis(key, text, s.k); },
         [](const S& s) { return joinValues(s.k); }},
        {{"preset", "--preset", "Preset", "Shapes from a preset's layers instead of n x k (empty: none)"},
         [](S& s, auto key, auto text) { return readPreset(key, text, s.preset); },
         [](const S& s) { return s.preset; }},
        {{"checkpoint", "--checkpoint", "Checkpoint",
          "A GPTQ checkpoint directory: its layers and tensors instead of n x k and the quantization axes"},
         [](S& s, auto, auto text) {
             s.checkpoint = std::string(trim(text));
             return Status::success();
         },
         [](const S& s) { return s.checkpoint; }},
        {{"layers", "--layers", "Layers", "With a checkpoint: a regex its layer names must contain a match of (empty: all)"},
         [](S& s, auto key, auto text) { return readLayerPattern(key, text, s.layers); },
         [](const S& s) { return s.layers; }},
        {{"unique_shapes", "--unique-shapes", "Unique shapes",
          "With a checkpoint: one layer per (n, k, group size, act-order): yes or no (default no)"},
         [](S& s, auto key, auto text) { return readYesNo(key, text, s.uniqueShapes); },
         [](const S& s) { return std::string(s.uniqueShapes ? "yes" : "no"); }},
        {{"group_sizes", "--group-size", "Group sizes", "Quantization group sizes, -1 = one group over k (default 128)"},
         [](S& s, auto key, auto text) { return readGroupSizes(key, text, s.groupSizes); },
         [](const S& s) { return joinValues(s.groupSizes); }},
        {{"act_order", "--act-order", "Act-order", "no, yes or both (default no)"},
         [](S& s, auto key, auto text) { return readEnum(key, text, s.actOrder); },
         [](const S& s) { return std::string(nameOf(s.actOrder)); }},
        {{"symmetric", "--symmetric", "Symmetric", "Symmetric zero points: yes, no or both (default yes)"},
         [](S& s, auto key, auto text) {
             YesNoBoth choice{};
             if (Status st = readEnum(key, text, choice); !st) return st;
             s.symmetric = valuesOf(choice);
             return Status::success();
         },
         [](const S& s) { return std::string(nameOf(choiceOf(s.symmetric))); }},
        {{"zero_format", "--zero-format", "Zero format", "Zero-point storage: v1 (gptq) or v2 (gptq_v2) (default v1)"},
         [](S& s, auto key, auto text) { return readEnum(key, text, s.zeroFormat); },
         [](const S& s) { return std::string(nameOf(s.zeroFormat)); }},
        {{"sparsity", "--sparsity", "Sparsity",
          "Structured sparsity along k, comma-separated: none, 16:32, 2:4 (default none); sparse points prune the "
          "same random weights by magnitude"},
         [](S& s, auto key, auto text) { return readEnumList(key, text, s.sparsity); },
         [](const S& s) {
             std::string text;
             for (Sparsity v : s.sparsity) text += (text.empty() ? "" : ",") + std::string(nameOf(v));
             return text;
         }},
        {{"kernels", "--kernels", "Kernels", "Kernel ids, comma-separated, or all (default all)"},
         [](S& s, auto key, auto text) { return readKernels(key, text, s.kernels); },
         [](const S& s) {
             std::string text;
             for (const auto& k : s.kernels) text += (text.empty() ? "" : ",") + k;
             return text;
         }},
        {{"backend", "--backend", "Backend", "A backend of this build, or auto: the first usable one (default auto)"},
         [](S& s, auto key, auto text) { return readBackend(key, text, s.backend); },
         [](const S& s) { return s.backend; }},
        {{"seed", "--seed", "Seed", "Seed of the random weights and activations (default 1234)"},
         [](S& s, auto key, auto text) {
             return readInteger<std::uint64_t>(key, text, 0, std::numeric_limits<std::uint64_t>::max(), s.seed);
         },
         [](const S& s) { return std::to_string(s.seed); }},
        {{"tolerance", "--tolerance", "Tolerance", "Relative error above which a record fails (default 0.01)"},
         [](S& s, auto key, auto text) { return readNumber(key, text, 0, false, 1e6, s.tolerance); },
         [](const S& s) { return numberText(s.tolerance); }},
        {{"timing.warmup", "--warmup", "Warm-up", "Untimed runs before sampling (default 3)"},
         [](S& s, auto key, auto text) { return readInteger(key, text, 0, kMaxWarmup, s.timing.warmup); },
         [](const S& s) { return std::to_string(s.timing.warmup); }},
        {{"timing.min_samples", "--min-samples", "Min samples", "Minimum timed samples (default 10)"},
         [](S& s, auto key, auto text) { return readInteger(key, text, 1, kMaxSamples, s.timing.minSamples); },
         [](const S& s) { return std::to_string(s.timing.minSamples); }},
        {{"timing.min_time_s", "--min-time", "Min time", "Minimum seconds of sampling (default 0.5)"},
         [](S& s, auto key, auto text) {
             return readNumber(key, text, 0, true, kMaxSamplingSeconds, s.timing.minTimeSeconds);
         },
         [](const S& s) { return numberText(s.timing.minTimeSeconds); }},
        {{"timing.max_noise", "--max-noise", "Max noise", "Target relative standard error of the mean (default 0.005)"},
         [](S& s, auto key, auto text) { return readNumber(key, text, 0, false, 1, s.timing.maxNoise); },
         [](const S& s) { return numberText(s.timing.maxNoise); }},
        {{"timing.timeout_s", "--timeout", "Timeout", "Seconds after which sampling stops (default 15)"},
         [](S& s, auto key, auto text) {
             return readNumber(key, text, 0, false, kMaxSamplingSeconds, s.timing.timeoutSeconds);
         },
         [](const S& s) { return numberText(s.timing.timeoutSeconds); }},
        {{"timing.l2", "--l2", "L2", "cold (flushed by reads before every sample, default), hot or stream (launches cycle over copies of the "
          "weights larger than the L2, from one CUDA graph)"},
         [](S& s, auto key, auto text) { return readEnum(key, text, s.timing.l2); },
         [](const S& s) { return std::string(nameOf(s.timing.l2)); }},
        {{"timing.cuda_graph", "--cuda-graph", "CUDA graph", "Replay each launch from a CUDA graph: yes or no"},
         [](S& s, auto key, auto text) { return readYesNo(key, text, s.timing.cudaGraph); },
         [](const S& s) { return std::string(s.timing.cudaGraph ? "yes" : "no"); }},
    };
    return table;
}

const FieldRule* findRule(std::string_view key) {
    for (const FieldRule& rule : rules())
        if (rule.info.key == key) return &rule;
    return nullptr;
}

}  // namespace

const std::vector<SpecFieldInfo>& specFields() {
    static const std::vector<SpecFieldInfo> infos = [] {
        std::vector<SpecFieldInfo> out;
        for (const FieldRule& rule : rules()) out.push_back(rule.info);
        return out;
    }();
    return infos;
}

const SpecFieldInfo* findSpecField(std::string_view key) {
    const FieldRule* rule = findRule(key);
    return rule ? &rule->info : nullptr;
}

Status setSpecField(SweepSpec& spec, std::string_view key, std::string_view text) {
    const FieldRule* rule = findRule(key);
    if (!rule) return Status::failure("unknown sweep field '" + std::string(key) + "'");
    SweepSpec changed = spec;
    if (Status s = rule->set(changed, key, text); !s) return s;
    spec = std::move(changed);
    return Status::success();
}

std::string specFieldText(const SweepSpec& spec, std::string_view key) {
    const FieldRule* rule = findRule(key);
    return rule ? rule->get(spec) : std::string();
}

}  // namespace q4
