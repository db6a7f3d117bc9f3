#include "model_table.h"

#include <iomanip>
#include <sstream>

namespace q4 {
namespace {

struct Column {
    const char* key;    // the model record field shown
    const char* title;  // the console's heading
    int width;
};

const Column kColumns[] = {
    {"kernel", "kernel", 20},         {"batch", "batch", 6},
    {"load_s", "load s", 8},          {"ttft_ms", "TTFT ms", 9},
    {"per_token_ms_mean", "ms/token", 9}, {"per_token_ms_p10", "p10", 8},
    {"per_token_ms_p90", "p90", 8},   {"tokens_per_s", "tokens/s", 9},
    {"mem_peak_mb", "peak MB", 9},    {"fraction_of_floor", "% floor", 8},
    {"cuda_graph", "graph", 6},       {"status", "status", 12},
};

std::string cell(const ModelRecord& r, const Column& column) {
    const ModelRecordField* field = findModelRecordField(column.key);
    if (!field) return "?";
    const FieldValue value = field->get(r);
    if (const double* number = std::get_if<double>(&value)) {
        std::ostringstream text;
        const bool percent = field->hint == FieldHint::Percent;
        text << std::fixed << std::setprecision(percent || *number >= 100 ? 1 : *number >= 10 ? 2 : 3)
             << (percent ? *number * 100 : *number);
        return text.str();
    }
    if (const bool* flag = std::get_if<bool>(&value)) return *flag ? "yes" : "no";
    return formatFieldValue(value);
}

}  // namespace

void printModelTableHeader(std::ostream& out) {
    for (const Column& c : kColumns) out << std::left << std::setw(c.width) << c.title << ' ';
    out << "message\n";
}

void printModelTableRow(std::ostream& out, const ModelRecord& record) {
    for (const Column& c : kColumns) out << std::left << std::setw(c.width) << cell(record, c) << ' ';
    out << record.message << "\n";
}

void printComponentLine(std::ostream& out, const ModelRecord& record) {
    if (record.components.empty()) return;
    out << "#   " << record.kernel << " batch " << record.batch << " profiled step";
    if (record.profiledStepSeconds) {
        out << " " << std::fixed << std::setprecision(3) << *record.profiledStepSeconds * 1e3 << " ms";
        // How far the one profiled step is from the timed steps' mean: the breakdown's trust.
        if (record.perToken.samples > 0 && record.perToken.mean > 0)
            out << " (" << std::setprecision(2) << *record.profiledStepSeconds / record.perToken.mean
                << "x the measured mean)";
    }
    out << ":";
    for (const ComponentTime& c : record.components)
        out << " " << c.name << " " << std::fixed << std::setprecision(3) << c.seconds * 1e3;
    out << " (ms)\n";
}

}  // namespace q4
