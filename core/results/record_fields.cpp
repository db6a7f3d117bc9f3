#include "results/record_fields.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

namespace q4 {
namespace {

// Bounds on what a file may hold: wide enough for any real measurement, narrow enough that a
// hostile or corrupt file cannot overflow arithmetic in the charts and tables downstream.
constexpr std::int64_t kMaxDimension = std::int64_t(1) << 40;
constexpr std::int64_t kMaxBytes = std::int64_t(1) << 56;
constexpr double kMaxMagnitude = 1e30;
constexpr std::size_t kMaxText = 4096;  // names, paths and messages; a 100,000-character name is garbage

std::string numberText(double v) { return formatNumber(v); }

Status outOfRange(const std::string& what) { return Status::failure("must be " + what); }

// ---- field builders: one per kind of member --------------------------------------------------

// An empty value (a blank CSV cell) for a member that is always present is an error, not a default.
bool absent(const FieldValue& v) { return std::holds_alternative<std::monostate>(v); }

template <class Access>
RecordField textField(std::string key, std::string label, Access access) {
    return {std::move(key), std::move(label), FieldHint::Text, FieldType::Text,
            [access](const Record& r) -> FieldValue { return access(const_cast<Record&>(r)); },
            [access](Record& r, const FieldValue& v) -> Status {
                if (absent(v)) return outOfRange("given");
                const std::string& text = std::get<std::string>(v);
                if (text.size() > kMaxText) return outOfRange("at most " + std::to_string(kMaxText) + " characters");
                access(r) = text;
                return Status::success();
            }};
}

template <class E, class Access>
RecordField enumField(std::string key, std::string label, Access access) {
    return {std::move(key), std::move(label), FieldHint::Text, FieldType::Text,
            [access](const Record& r) -> FieldValue { return std::string(nameOf(access(const_cast<Record&>(r)))); },
            [access](Record& r, const FieldValue& v) -> Status {
                if (absent(v)) return outOfRange("given");
                const auto value = valueOf<E>(std::get<std::string>(v));
                if (!value) return outOfRange("one of " + canonicalNames<E>());
                access(r) = *value;
                return Status::success();
            }};
}

template <class Access>
RecordField flagField(std::string key, std::string label, Access access) {
    return {std::move(key), std::move(label), FieldHint::Flag, FieldType::Boolean,
            [access](const Record& r) -> FieldValue { return access(const_cast<Record&>(r)); },
            [access](Record& r, const FieldValue& v) -> Status {
                if (absent(v)) return outOfRange("true or false");
                access(r) = std::get<bool>(v);
                return Status::success();
            }};
}

// A plain or optional member as a FieldValue; an absent optional is monostate.
template <class Member, class Convert>
FieldValue readMember(const Member& member, Convert convert) {
    if constexpr (requires { member.has_value(); }) {
        if (!member) return std::monostate{};
        return convert(*member);
    } else {
        return convert(member);
    }
}

// Stores a value through store; monostate clears an optional member and is refused for a plain one.
template <class Member, class Store>
Status writeMember(Member& member, const FieldValue& v, Store store) {
    if (std::holds_alternative<std::monostate>(v)) {
        if constexpr (requires { member.reset(); }) {
            member.reset();
            return Status::success();
        } else {
            return outOfRange("given");
        }
    }
    return store(member);
}

// Integers (also optional ones) within [low, high].
template <class Access>
RecordField integerField(std::string key, std::string label, FieldHint hint, std::int64_t low, std::int64_t high,
                         Access access) {
    return {std::move(key), std::move(label), hint, FieldType::Integer,
            [access](const Record& r) {
                return readMember(access(const_cast<Record&>(r)), [](auto x) { return std::int64_t(x); });
            },
            [access, low, high](Record& r, const FieldValue& v) {
                return writeMember(access(r), v, [&](auto& member) {
                    const std::int64_t value = std::get<std::int64_t>(v);
                    if (value < low || value > high)
                        return outOfRange("from " + std::to_string(low) + " to " + std::to_string(high));
                    using Member = std::remove_cvref_t<decltype(member)>;
                    if constexpr (requires { member.reset(); }) member = typename Member::value_type(value);
                    else member = Member(value);
                    return Status::success();
                });
            }};
}

// Numbers (also optional ones), stored in the record times `scale` in the file (1e3: seconds
// shown as ms). Reading divides by the exact power of ten, never multiplies by its inverse.
template <class Access>
RecordField numberField(std::string key, std::string label, FieldHint hint, double scale, double low,
                        bool nonFiniteAllowed, Access access) {
    return {std::move(key), std::move(label), hint, FieldType::Number,
            [access, scale](const Record& r) {
                return readMember(access(const_cast<Record&>(r)), [scale](double x) { return x * scale; });
            },
            [access, scale, low, nonFiniteAllowed](Record& r, const FieldValue& v) {
                return writeMember(access(r), v, [&](auto& member) {
                    const double value = std::get<double>(v);
                    if (std::isnan(value) || std::isinf(value)) {
                        if (!nonFiniteAllowed) return outOfRange("a finite number");
                    } else if (value < low || value > kMaxMagnitude) {
                        return outOfRange("from " + numberText(low) + " to " + numberText(kMaxMagnitude));
                    }
                    member = value / scale;
                    return Status::success();
                });
            }};
}

#define Q4_MEMBER(member) [](Record& r) -> auto& { return r.member; }

constexpr double kMs = 1e3;  // the record keeps seconds; files show milliseconds

std::vector<RecordField> buildFields() {
    using H = FieldHint;
    std::vector<RecordField> f = {
        textField("run_id", "Run", Q4_MEMBER(runId)),
        integerField("index", "#", H::Count, 0, kMaxDimension, Q4_MEMBER(index)),
        textField("backend", "Backend", Q4_MEMBER(backend)),
        textField("device", "Device", Q4_MEMBER(device)),
        textField("kernel", "Kernel", Q4_MEMBER(kernel)),
        textField("family", "Family", Q4_MEMBER(family)),
        textField("path", "Path", Q4_MEMBER(path)),
        textField("checkpoint", "Checkpoint", Q4_MEMBER(checkpoint)),
        textField("layer", "Layer", Q4_MEMBER(layer)),
        integerField("m", "m", H::Count, 1, kMaxDimension, Q4_MEMBER(m)),
        integerField("n", "n", H::Count, 1, kMaxDimension, Q4_MEMBER(n)),
        integerField("k", "k", H::Count, 1, kMaxDimension, Q4_MEMBER(k)),
        integerField("group_size", "Group", H::Count, -1, 1 << 30, Q4_MEMBER(groupSize)),
        flagField("act_order", "Act-order", Q4_MEMBER(actOrder)),
        flagField("symmetric", "Symmetric", Q4_MEMBER(symmetric)),
        enumField<ZeroFormat>("zero_format", "Zeros", Q4_MEMBER(zeroFormat)),
        enumField<L2Mode>("l2_mode", "L2", Q4_MEMBER(l2Mode)),
        flagField("cuda_graph", "Graph", Q4_MEMBER(cudaGraph)),
        {"seed", "Seed", H::Count, FieldType::Unsigned, [](const Record& r) -> FieldValue { return r.seed; },
         [](Record& r, const FieldValue& v) -> Status {
             if (absent(v)) return outOfRange("given");
             r.seed = std::get<std::uint64_t>(v);
             return Status::success();
         }},
        enumField<RecordStatus>("status", "Status", Q4_MEMBER(status)),
        textField("message", "Message", Q4_MEMBER(message)),
        flagField("timed_out", "Timed out", Q4_MEMBER(timedOut)),
        integerField("samples", "Samples", H::Count, 0, kMaxBytes, Q4_MEMBER(time.samples)),
        numberField("time_ms_median", "Median (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.median)),
        numberField("time_ms_mean", "Mean (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.mean)),
        numberField("time_ms_stdev", "Stdev (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.stdev)),
        numberField("time_cv", "CV", H::Ratio, 1, 0, true, Q4_MEMBER(time.cv)),  // nan with one sample
        numberField("time_ms_min", "Min (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.min)),
        numberField("time_ms_max", "Max (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.max)),
        numberField("time_ms_p10", "p10 (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.p10)),
        numberField("time_ms_p90", "p90 (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(time.p90)),
        // +inf when the output held NaN/Inf: such a record is Incorrect, and its error says so.
        numberField("rel_error", "Rel. error", H::Ratio, 1, 0, true, Q4_MEMBER(relError)),
        numberField("bytes", "Bytes", H::Bytes, 1, 0, false, Q4_MEMBER(bytes)),
        numberField("flops", "FLOP", H::Count, 1, 0, false, Q4_MEMBER(flops)),
        numberField("gbps", "GB/s", H::Rate, 1, 0, false, Q4_MEMBER(gbps)),
        numberField("tflops", "TFLOP/s", H::Rate, 1, 0, false, Q4_MEMBER(tflops)),
        numberField("floor_ms", "Floor (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(floorSeconds)),
        numberField("fraction_of_floor", "Of floor", H::Percent, 1, 0, false, Q4_MEMBER(fractionOfFloor)),
        numberField("speedup_vs_baseline", "Speedup", H::Ratio, 1, 0, false, Q4_MEMBER(speedupVsBaseline)),
        numberField("permute_ms", "Permute (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(permuteSeconds)),
        // Derived from mem_peak_bytes, so files read that one and skip this.
        {"mem_peak_mb", "Peak mem (MB)", H::Bytes, FieldType::Number,
         [](const Record& r) -> FieldValue { return double(r.memPeakBytes) / 1e6; }, {}},
        integerField("mem_weights_bytes", "Weights (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.weights)),
        integerField("mem_scales_bytes", "Scales (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.scales)),
        integerField("mem_zeros_bytes", "Zeros (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.zeros)),
        integerField("mem_gidx_bytes", "g_idx (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.gIdx)),
        integerField("mem_activations_bytes", "Activations (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.activations)),
        integerField("mem_output_bytes", "Output (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.output)),
        integerField("mem_workspace_bytes", "Workspace (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(mem.workspace)),
        integerField("mem_peak_bytes", "Peak mem (B)", H::Bytes, 0, kMaxBytes, Q4_MEMBER(memPeakBytes)),
        numberField("prepare_ms", "Prepare (ms)", H::Duration, kMs, 0, false, Q4_MEMBER(prepareSeconds)),
        numberField("sm_clock_mhz", "SM clock (MHz)", H::Rate, 1, 0, false, Q4_MEMBER(smClockMhz)),
        numberField("power_w", "Power (W)", H::Rate, 1, 0, false, Q4_MEMBER(powerWatts)),
        numberField("temperature_c", "Temp (°C)", H::Count, 1, -273.15, false, Q4_MEMBER(temperatureC)),
        numberField("energy_j_per_op", "Energy (J/op)", H::Count, 1, 0, false, Q4_MEMBER(energyJoulesPerOp)),
        integerField("throttle_reasons", "Throttle", H::Count, 0, std::numeric_limits<std::int64_t>::max(),
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

Expected<FieldValue> parseFieldValue(const RecordField& field, std::string_view text) {
    if (field.type == FieldType::Text) return FieldValue(std::string(text));
    if (text.empty()) return FieldValue(std::monostate{});
    switch (field.type) {
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
