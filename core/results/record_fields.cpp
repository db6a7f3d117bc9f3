#include "results/record_fields.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include "results/field_builders.h"

namespace q4 {
namespace {

using namespace fields;  // NOLINT(google-build-using-namespace): the builders are this table's vocabulary


#define Q4_MEMBER(member) [](Record& r) -> auto& { return r.member; }

constexpr double kMs = 1e3;  // the record keeps seconds; files show milliseconds

std::vector<RecordField> buildFields() {
    using H = FieldHint;
    std::vector<RecordField> f = {
        textField<Record>("run_id", "Run", Q4_MEMBER(runId)),
        integerField<Record>("index", "#", H::Count, 0, kMaxDimension, Q4_MEMBER(index)),
        textField<Record>("backend", "Backend", Q4_MEMBER(backend)),
        textField<Record>("device", "Device", Q4_MEMBER(device)),
        textField<Record>("kernel", "Kernel", Q4_MEMBER(kernel)),
        textField<Record>("family", "Family", Q4_MEMBER(family)),
        textField<Record>("path", "Path", Q4_MEMBER(path)),
        textField<Record>("checkpoint", "Checkpoint", Q4_MEMBER(checkpoint)),
        textField<Record>("layer", "Layer", Q4_MEMBER(layer)),
        integerField<Record>("m", "m", H::Count, 1, kMaxDimension, Q4_MEMBER(m)),
        integerField<Record>("n", "n", H::Count, 1, kMaxDimension, Q4_MEMBER(n)),
        integerField<Record>("k", "k", H::Count, 1, kMaxDimension, Q4_MEMBER(k)),
        integerField<Record>("group_size", "Group", H::Count, -1, 1 << 30, Q4_MEMBER(groupSize)),
        flagField<Record>("act_order", "Act-order", Q4_MEMBER(actOrder)),
        flagField<Record>("symmetric", "Symmetric", Q4_MEMBER(symmetric)),
        enumField<Record, ZeroFormat>("zero_format", "Zeros", Q4_MEMBER(zeroFormat)),
        enumField<Record, Sparsity>("sparsity", "Sparsity", Q4_MEMBER(sparsity)),
        enumField<Record, L2Mode>("l2_mode", "L2", Q4_MEMBER(l2Mode)),
        flagField<Record>("cuda_graph", "Graph", Q4_MEMBER(cudaGraph)),
        integerField<Record>("stream_copies", "Copies", H::Count, 1, kMaxDimension, Q4_MEMBER(streamCopies)),
        {"seed", "Seed", H::Count, FieldType::Unsigned, [](const Record& r) -> FieldValue { return r.seed; },
         [](Record& r, const FieldValue& v) -> Status {
             if (absent(v)) return outOfRange("given");
             r.seed = std::get<std::uint64_t>(v);
             return Status::success();
         }},
        enumField<Record, RecordStatus>("status", "Status", Q4_MEMBER(status)),
        textField<Record>("message", "Message", Q4_MEMBER(message)),
        flagField<Record>("timed_out", "Timed out", Q4_MEMBER(timedOut)),
        integerField<Record>("samples", "Samples", H::Count, 0, kMaxBytes, Q4_MEMBER(time.samples)),
        numberField<Record>("time_ms_median", "Median (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.median)),
        numberField<Record>("time_ms_mean", "Mean (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.mean)),
        numberField<Record>("time_ms_stdev", "Stdev (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.stdev)),
        numberField<Record>("time_cv", "CV", H::Ratio, 1, 0, true, Q4_MEMBER(time.cv)),  // nan with one sample
        numberField<Record>("time_ms_min", "Min (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.min)),
        numberField<Record>("time_ms_max", "Max (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.max)),
        numberField<Record>("time_ms_p10", "p10 (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.p10)),
        numberField<Record>("time_ms_p90", "p90 (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.p90)),
        // +inf when the output held NaN/Inf: such a record is Incorrect, and its error says so.
        numberField<Record>("rel_error", "Rel. error", H::Ratio, 1, 0, true, Q4_MEMBER(relError)),
        numberField<Record>("pruning_error", "Pruning error", H::Ratio, 1, 0, false, Q4_MEMBER(pruningError)),
        numberField<Record>("bytes", "Bytes", H::Bytes, 1, 0, false, Q4_MEMBER(bytes)),
        numberField<Record>("flops", "FLOP", H::Count, 1, 0, false, Q4_MEMBER(flops)),
        numberField<Record>("gbps", "GB/s", H::Rate, 1, 0, false, Q4_MEMBER(gbps)),
        numberField<Record>("tflops", "TFLOP/s", H::Rate, 1, 0, false, Q4_MEMBER(tflops)),
        numberField<Record>("floor_ms", "Floor (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(floorSeconds)),
        numberField<Record>("fraction_of_floor", "Of floor", H::Percent, 1, 0, false, Q4_MEMBER(fractionOfFloor)),
        numberField<Record>("speedup_vs_baseline", "Speedup", H::Ratio, 1, 0, false, Q4_MEMBER(speedupVsBaseline)),
        numberField<Record>("permute_ms", "Permute (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(permuteSeconds)),
        // Derived from mem_peak_bytes, so files read that one and skip this.
        {"mem_peak_mb", "Peak mem (MB)", H::Bytes, FieldType::Number,
         [](const Record& r) -> FieldValue { return double(r.memPeakBytes) / 1e6; }, {}},
        integerField<Record>("mem_weights_bytes", "Weights (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.weights)),
        integerField<Record>("mem_scales_bytes", "Scales (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.scales)),
        integerField<Record>("mem_zeros_bytes", "Zeros (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.zeros)),
        integerField<Record>("mem_gidx_bytes", "g_idx (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.gIdx)),
        integerField<Record>("mem_activations_bytes", "Activations (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.activations)),
        integerField<Record>("mem_output_bytes", "Output (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.output)),
        integerField<Record>("mem_workspace_bytes", "Workspace (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.workspace)),
        integerField<Record>("mem_peak_bytes", "Peak mem (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(memPeakBytes)),
        numberField<Record>("prepare_ms", "Prepare (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(prepareSeconds)),
        numberField<Record>("sm_clock_mhz", "SM clock (MHz)", H::Rate, 1, 0, false, Q4_MEMBER(smClockMhz)),
        numberField<Record>("power_w", "Power (W)", H::Rate, 1, 0, false, Q4_MEMBER(powerWatts)),
        numberField<Record>("temperature_c", "Temp (°C)", H::Count, 1, -273.15, false, Q4_MEMBER(temperatureC)),
        numberField<Record>("energy_j_per_op", "Energy (J/op)", H::Count, 1, 0, false, Q4_MEMBER(energyJoulesPerOp)),
        integerField<Record>("throttle_reasons", "Throttle", H::Count, 0, std::numeric_limits<std::int64_t>::max(),
                     Q4_MEMBER(throttleReasons)),
    };
    return f;
}

#undef Q4_MEMBER

template <class T>
bool parseWhole(std::string_view text, T& out) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

const std::vector<RecordField>& recordFields() {
    static const std::vector<RecordField> fields = buildFields();
    return fields;
}

const RecordField* findRecordField(std::string_view key) {
    for (const RecordField& field : recordFields())
        if (field.key == key) return &field;
    return nullptr;
}

std::string formatNumber(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    // to_chars is locale-independent and gives the shortest text that reads back to the same double.
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string formatFieldValue(const FieldValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return {};
            else if constexpr (std::is_same_v<T, std::string>) return v;
            else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
            else if constexpr (std::is_same_v<T, double>) return formatNumber(v);
            else return std::to_string(v);
        },
        value);
}

Expected<FieldValue> parseFieldValue(FieldType type, std::string_view text) {
    if (type == FieldType::Text) return FieldValue(std::string(text));
    if (text.empty()) return FieldValue(std::monostate{});
    switch (type) {
        case FieldType::Boolean:
            // pandas writes True/False when it saves a frame again.
            if (text == "true" || text == "True" || text == "TRUE" || text == "1") return FieldValue(true);
            if (text == "false" || text == "False" || text == "FALSE" || text == "0") return FieldValue(false);
            return Error{"must be true or false"};
        case FieldType::Integer:
            if (std::int64_t v = 0; parseWhole(text, v)) return FieldValue(v);
            return Error{"must be an integer"};
        case FieldType::Unsigned:
            if (std::uint64_t v = 0; parseWhole(text, v)) return FieldValue(v);
            return Error{"must be a non-negative integer"};
        case FieldType::Number:
            if (text == "nan") return FieldValue(std::numeric_limits<double>::quiet_NaN());
            if (text == "inf") return FieldValue(std::numeric_limits<double>::infinity());
            if (text == "-inf") return FieldValue(-std::numeric_limits<double>::infinity());
            if (double v = 0; parseWhole(text, v)) return FieldValue(v);
            return Error{"must be a number"};
        case FieldType::Text: break;
    }
    return FieldValue(std::string(text));
}

}  // namespace q4
