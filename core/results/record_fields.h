#pragma once
// The record's fields as files and tables show them: one entry per field with its key, label,
// unit hint and accessor. CSV, JSON, the console table, the workbench's table and reports all
// take their columns from here, so adding a field is one entry.
//
// Keys are snake_case and name their unit: durations in milliseconds (`time_ms_median`,
// `prepare_ms`), memory in bytes (`mem_weights_bytes`) except `mem_peak_mb` (decimal MB, as the
// original comparison printed it), rates as `gbps` (1e9 B/s) and `tflops` (1e12 FLOP/s), shares
// as plain ratios (`fraction_of_floor` 0.5 = 50 %). Files store these units; the Record keeps SI.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/expected.h"
#include "results/record.h"

namespace q4 {

enum class FieldHint { Text, Flag, Count, Duration, Bytes, Rate, Ratio, Percent };
enum class FieldType { Text, Integer, Unsigned, Number, Boolean };

// A field's value in file units; monostate when the field was not measured.
using FieldValue = std::variant<std::monostate, std::string, std::int64_t, std::uint64_t, double, bool>;

// One column of a record type R: its key, label, unit hint and accessor. Run records (Record)
// and model records (ModelRecord) use the same mechanism.
template <class R>
struct FieldOf {
    std::string key;    // "time_ms_median"
    std::string label;  // "Median (ms)"
    FieldHint hint = FieldHint::Text;
    FieldType type = FieldType::Text;
    std::function<FieldValue(const R&)> get;
    // Stores a value read from a file; an error names the rule. Empty for derived fields.
    std::function<Status(R&, const FieldValue&)> set;
};
using RecordField = FieldOf<Record>;

const std::vector<RecordField>& recordFields();
const RecordField* findRecordField(std::string_view key);

// Text with '.' decimals in any locale, the shortest form that reads back the same; "" when
// absent; nan, inf and -inf spelled out.
std::string formatNumber(double value);
std::string formatFieldValue(const FieldValue& value);
// Reads text in the field's type ("" is absent). Accepts true/false, True/False and 1/0 for flags.
Expected<FieldValue> parseFieldValue(FieldType type, std::string_view text);
template <class R>
Expected<FieldValue> parseFieldValue(const FieldOf<R>& field, std::string_view text) {
    return parseFieldValue(field.type, text);
}

}  // namespace q4
