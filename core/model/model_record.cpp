#include "model/model_record.h"

#include "results/field_builders.h"

namespace q4 {
namespace {

using namespace fields;  // NOLINT(google-build-using-namespace): the builders are this table's vocabulary

constexpr double kMs = 1e3;  // the record keeps seconds; files show milliseconds
constexpr std::int64_t kMaxCount = std::int64_t(1) << 40;

#define Q4_MEMBER(member) [](ModelRecord& r) -> auto& { return r.member; }

// A component's time from the profiled step, found by name (empty when the step did not report it).
std::optional<double> componentSeconds(const ModelRecord& r, const std::string& name) {
    for (const ComponentTime& c : r.components)
        if (c.name == name) return c.seconds;
    return std::nullopt;
}

ModelRecordField componentField(const std::string& name) {
    return {name + "_ms", name + " (ms)", FieldHint::Duration, FieldType::Number,
            [name](const ModelRecord& r) -> FieldValue {
                const auto seconds = componentSeconds(r, name);
                return seconds ? FieldValue(*seconds * kMs) : FieldValue(std::monostate{});
            },
            [name](ModelRecord& r, const FieldValue& v) -> Status {
                if (absent(v)) return Status::success();
                const double ms = std::get<double>(v);
                if (!std::isfinite(ms) || ms < 0 || ms > kMaxMagnitude) return outOfRange("a finite time >= 0");
                r.components.push_back({name, ms / kMs});
                return Status::success();
            }};
}

std::vector<ModelRecordField> buildFields() {
    using H = FieldHint;
    using R = ModelRecord;
    std::vector<ModelRecordField> f = {
        textField<R>("run_id", "Run", Q4_MEMBER(runId)),
        integerField<R>("index", "#", H::Count, 0, kMaxCount, Q4_MEMBER(index)),
        textField<R>("backend", "Backend", Q4_MEMBER(backend)),
        textField<R>("device", "Device", Q4_MEMBER(device)),
        textField<R>("model", "Model", Q4_MEMBER(model)),
        textField<R>("kernel", "Kernel", Q4_MEMBER(kernel)),
        textField<R>("family", "Family", Q4_MEMBER(family)),
        integerField<R>("batch", "Batch", H::Count, 1, kMaxCount, Q4_MEMBER(batch)),
        integerField<R>("prompt", "Prompt", H::Count, 1, kMaxCount, Q4_MEMBER(prompt)),
        integerField<R>("new_tokens", "New tokens", H::Count, 1, kMaxCount, Q4_MEMBER(newTokens)),
        integerField<R>("group_size", "Group", H::Count, -1, 1 << 30, Q4_MEMBER(groupSize)),
        flagField<R>("act_order", "Act-order", Q4_MEMBER(actOrder)),
        enumField<R, Sparsity>("sparsity", "Sparsity", Q4_MEMBER(sparsity)),
        {"seed", "Seed", H::Count, FieldType::Unsigned, [](const R& r) -> FieldValue { return r.seed; },
         [](R& r, const FieldValue& v) -> Status {
             if (absent(v)) return outOfRange("given");
             r.seed = std::get<std::uint64_t>(v);
             return Status::success();
         }},
        flagField<R>("cuda_graph", "Graph", Q4_MEMBER(cudaGraph)),
        flagField<R>("programmatic_launch", "Overlapped launches", Q4_MEMBER(programmaticLaunch)),
        flagField<R>("fused_projections", "Fused", Q4_MEMBER(fusedProjections)),
        enumField<R, RecordStatus>("status", "Status", Q4_MEMBER(status)),
        textField<R>("message", "Message", Q4_MEMBER(message)),
        flagField<R>("timed_out", "Timed out", Q4_MEMBER(timedOut)),
        integerField<R>("generations", "Generations", H::Count, 0, kMaxCount, Q4_MEMBER(generations)),
        numberField<R>("load_s", "Load (s)", H::Duration, 1, 0, false, Q4_MEMBER(loadSeconds)),
        numberField<R>("ttft_ms", "TTFT (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(ttftSeconds)),
        integerField<R>("steps", "Steps", H::Count, 0, kMaxCount, Q4_MEMBER(perToken.samples)),
        numberField<R>("per_token_ms_mean", "Per token (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(perToken.mean)),
        numberField<R>("per_token_ms_median", "Median (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(perToken.median)),
        numberField<R>("per_token_ms_p10", "p10 (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(perToken.p10)),
        numberField<R>("per_token_ms_p90", "p90 (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(perToken.p90)),
        numberField<R>("per_token_ms_min", "Min (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(perToken.min)),
        numberField<R>("per_token_ms_max", "Max (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(perToken.max)),
        numberField<R>("per_token_cv", "CV", H::Ratio, 1, 0, true, Q4_MEMBER(perToken.cv)),
        numberField<R>("tokens_per_s", "Tokens/s", H::Rate, 1, 0, false, Q4_MEMBER(tokensPerSecond)),
        // Derived from mem_peak_bytes, so files read that one and skip this.
        {"mem_peak_mb", "Peak mem (MB)", H::Bytes, FieldType::Number,
         [](const R& r) -> FieldValue { return double(r.memPeakBytes) / 1e6; }, {}},
        integerField<R>("mem_peak_bytes", "Peak mem (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(memPeakBytes)),
        integerField<R>("mem_weights_bytes", "Weights (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.quantWeights)),
        integerField<R>("mem_scales_bytes", "Scales (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.scales)),
        integerField<R>("mem_zeros_bytes", "Zeros (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.zeros)),
        integerField<R>("mem_gidx_bytes", "g_idx (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.gIdx)),
        integerField<R>("mem_embeddings_bytes", "Embeddings (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.embeddings)),
        integerField<R>("mem_kv_cache_bytes", "KV cache (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.kvCache)),
        integerField<R>("mem_activations_bytes", "Activations (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.activations)),
        integerField<R>("mem_workspace_bytes", "Workspace (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.workspace)),
        numberField<R>("step_floor_bytes", "Step bytes", H::Bytes, 1, 0, false, Q4_MEMBER(stepFloorBytes)),
        numberField<R>("step_floor_ms", "Step floor (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(stepFloorSeconds)),
        numberField<R>("fraction_of_floor", "Of floor", H::Percent, 1, 0, false, Q4_MEMBER(fractionOfFloor)),
        numberField<R>("profiled_step_ms", "Profiled step (ms)", H::Duration, kMs, 0, false,
                       Q4_MEMBER(profiledStepSeconds)),
        textField<R>("profile_method", "Profile method", Q4_MEMBER(profileMethod)),
    };
    for (const std::string& name : stepComponentNames()) f.push_back(componentField(name));
    return f;
}

#undef Q4_MEMBER

}  // namespace

const std::vector<std::string>& stepComponentNames() {
    static const std::vector<std::string> names = {"embedding", "qkv_proj", "attention", "o_proj",
                                                   "gate_up_proj", "mlp_act", "down_proj", "norms",
                                                   "residual", "lm_head", "sampling", "gaps"};
    return names;
}

const std::vector<ModelRecordField>& modelRecordFields() {
    static const std::vector<ModelRecordField> fields = buildFields();
    return fields;
}

const ModelRecordField* findModelRecordField(std::string_view key) {
    for (const ModelRecordField& field : modelRecordFields())
        if (field.key == key) return &field;
    return nullptr;
}

bool isTimed(const ModelRecord& record) { return record.status == RecordStatus::Ok && record.perToken.samples > 0; }

}  // namespace q4
