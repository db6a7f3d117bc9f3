#include "io/table_printer.h"

#include <cstdio>
#include <string>
#include <variant>

#include "results/record_fields.h"

namespace q4 {
namespace {

// One console column: a record field, the header the original comparison gave it, its width,
// and how a number is shown.
struct ConsoleColumn {
    const char* key;
    const char* header;
    int width;  // negative: left-aligned
    enum class Style { AsIs, Fixed4, Fixed1, Fixed2x, Scientific, YesNo, Percent1 } style;
    bool timedOnly;  // shown as '-' unless the record is timed
};

using S = ConsoleColumn::Style;
const ConsoleColumn kColumns[] = {
    {"m", "m", 6, S::AsIs, false},
    {"n", "n", 7, S::AsIs, false},
    {"k", "k", 7, S::AsIs, false},
    {"kernel", "implementation", -20, S::AsIs, false},
    {"act_order", "act_order", -9, S::YesNo, false},
    {"sparsity", "sparsity", -8, S::AsIs, false},
    {"time_ms_median", "time ms/op", 12, S::Fixed4, true},
    {"mem_peak_mb", "max mem MB", 11, S::Fixed1, false},
    {"rel_error", "rel error", 10, S::Scientific, false},
    {"speedup_vs_baseline", "speedup", 9, S::Fixed2x, true},
    {"samples", "samples", 7, S::AsIs, true},
    {"time_cv", "cv", 7, S::Percent1, true},
    {"layer", "layer", -12, S::AsIs, false},
};

// printf with a decimal point whatever the locale.
std::string printed(const char* format, double value) {
    char text[64];
    std::snprintf(text, sizeof(text), format, value);
    for (char& c : text)
        if (c == ',') c = '.';
    return text;
}

std::string cell(const ConsoleColumn& column, const Record& record) {
    const RecordField* field = findRecordField(column.key);
    if (!field || (column.timedOnly && !isTimed(record))) return "-";
    const FieldValue value = field->get(record);
    if (std::holds_alternative<std::monostate>(value)) return "-";
    if (const double* number = std::get_if<double>(&value)) {
        switch (column.style) {
            case S::Fixed4: return printed("%.4f", *number);
            case S::Fixed1: return *number > 0 ? printed("%.1f", *number) : "-";
            case S::Fixed2x: return printed("%.2f", *number) + "x";
            case S::Scientific: return printed("%.2e", *number);
            case S::Percent1: return printed("%.1f", *number * 100) + "%";
            default: break;
        }
    }
    if (const bool* flag = std::get_if<bool>(&value); flag && column.style == S::YesNo) return *flag ? "yes" : "no";
    const std::string text = formatFieldValue(value);
    return text.empty() ? "-" : text;
}

std::string pad(const std::string& text, int width) {
    const std::size_t w = std::size_t(width < 0 ? -width : width);
    if (text.size() >= w) return text;
    const std::string fill(w - text.size(), ' ');
    return width < 0 ? text + fill : fill + text;
}

}  // namespace

void printTableHeader(std::ostream& out) {
    std::string line;
    for (const ConsoleColumn& column : kColumns) line += pad(column.header, column.width) + ' ';
    out << line << " status\n";
}

void printTableRow(std::ostream& out, const Record& record) {
    std::string line;
    for (const ConsoleColumn& column : kColumns) line += pad(cell(column, record), column.width) + ' ';
    std::string status = nameOf(record.status);
    if (record.timedOut) status += " (timed out)";
    if (!record.message.empty() && record.status != RecordStatus::Ok) status += ": " + record.message;
    out << line << ' ' << status << '\n';
}

RunCallbacks consoleTableObserver(std::ostream& out) {
    RunCallbacks observer;
    observer.onStart = [&out](const RunInfo&) {
        printTableHeader(out);
        return Status::success();
    };
    observer.onRecord = [&out](const Record& record) {
        printTableRow(out, record);
        out.flush();
    };
    return observer;
}

}  // namespace q4
