#include "io/csv_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <type_traits>

namespace q4 {

namespace {

// ---- values as text, never through iostreams or printf, so no locale can touch them ---------

template <class T>
std::string formatInteger(T value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string formatValue(const std::string& value) { return value; }
std::string formatValue(bool value) { return value ? "true" : "false"; }
std::string formatValue(double value) { return formatNumber(value); }
std::string formatValue(RecordStatus value) { return toString(value); }
template <class T>
    requires std::is_integral_v<T>
std::string formatValue(T value) {
    return formatInteger(value);
}
template <class T>
std::string formatValue(const std::optional<T>& value) {
    return value ? formatValue(*value) : std::string();  // absent stays empty, not zero
}

// The whole text must be consumed: "12abc" is not 12.
template <class T>
bool parseChars(std::string_view text, T& out) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

bool parseValue(std::string_view text, std::string& out) {
    out = std::string(text);
    return true;
}
bool parseValue(std::string_view text, bool& out) {
    // pandas writes True/False when it saves a frame again; accept those and 1/0 too.
    const bool isTrue = text == "true" || text == "True" || text == "TRUE" || text == "1";
    const bool isFalse = text == "false" || text == "False" || text == "FALSE" || text == "0";
    if (isTrue || isFalse) out = isTrue;
    return isTrue || isFalse;
}
bool parseValue(std::string_view text, double& out) { return parseChars(text, out); }
bool parseValue(std::string_view text, RecordStatus& out) { return parseRecordStatus(std::string(text), out); }
template <class T>
    requires std::is_integral_v<T>
bool parseValue(std::string_view text, T& out) {
    return parseChars(text, out);
}
template <class T>
bool parseValue(std::string_view text, std::optional<T>& out) {
    if (text.empty()) {
        out.reset();
        return true;
    }
    T value{};
    if (!parseValue(text, value)) return false;
    out = value;
    return true;
}

// What a column holds, for error messages.
const char* kindOf(const std::string&) { return "text"; }
const char* kindOf(bool) { return "true or false"; }
const char* kindOf(double) { return "a number"; }
const char* kindOf(RecordStatus) { return "one of ok, incorrect, unsupported, error, cancelled"; }
template <class T>
    requires std::is_integral_v<T>
const char* kindOf(T) {
    return std::is_signed_v<T> ? "an integer" : "a non-negative integer";
}
template <class T>
const char* kindOf(const std::optional<T>&) {
    return kindOf(T{});
}

// The record keeps seconds; the file shows milliseconds, which read better at kernel scale.
// Reading divides rather than multiplying by 1e-3, which is not exact in binary.
double toMs(double seconds) { return seconds * 1e3; }
double fromMs(double ms) { return ms / 1e3; }
std::optional<double> toMs(const std::optional<double>& seconds) {
    return seconds ? std::optional<double>(toMs(*seconds)) : std::nullopt;
}
std::optional<double> fromMs(const std::optional<double>& ms) {
    return ms ? std::optional<double>(fromMs(*ms)) : std::nullopt;
}

// ---- the column table: one entry per column, used by both the writer and the reader -------

struct Column {
    std::string name;
    std::function<std::string(const Record&)> format;
    std::function<bool(std::string_view, Record&)> parse;  // empty for derived columns
    std::string kind;
};

template <class Access>
Column column(std::string name, Access access) {
    Record probe;
    return {std::move(name), [access](const Record& r) { return formatValue(access(r)); },
            [access](std::string_view text, Record& r) { return parseValue(text, access(r)); }, kindOf(access(probe))};
}

template <class Access>
Column msColumn(std::string name, Access access) {
    Record probe;
    return {std::move(name), [access](const Record& r) { return formatValue(toMs(access(r))); },
            [access](std::string_view text, Record& r) {
                auto value = access(r);
                if (!parseValue(text, value)) return false;
                access(r) = fromMs(value);
                return true;
            },
            kindOf(access(probe))};
}

// Binds to a Record or a const Record alike.
#define Q4_FIELD(member) [](auto& r) -> auto& { return r.member; }

const std::vector<Column>& columnTable() {
    static const std::vector<Column> table = {
        column("run_id", Q4_FIELD(runId)),
        column("index", Q4_FIELD(index)),
        column("backend", Q4_FIELD(backend)),
        column("device", Q4_FIELD(device)),
        column("kernel", Q4_FIELD(kernel)),
        column("family", Q4_FIELD(family)),
        column("path", Q4_FIELD(path)),
        column("layer", Q4_FIELD(layer)),
        column("m", Q4_FIELD(m)),
        column("n", Q4_FIELD(n)),
        column("k", Q4_FIELD(k)),
        column("group_size", Q4_FIELD(groupSize)),
        column("act_order", Q4_FIELD(actOrder)),
        column("symmetric", Q4_FIELD(symmetric)),
        column("zero_format", Q4_FIELD(zeroFormat)),
        column("l2_mode", Q4_FIELD(l2Mode)),
        column("cuda_graph", Q4_FIELD(cudaGraph)),
        column("seed", Q4_FIELD(seed)),
        column("status", Q4_FIELD(status)),
        column("message", Q4_FIELD(message)),
        column("timed_out", Q4_FIELD(timedOut)),
        column("samples", Q4_FIELD(time.samples)),
        msColumn("time_ms_median", Q4_FIELD(time.median)),
        msColumn("time_ms_mean", Q4_FIELD(time.mean)),
        msColumn("time_ms_stdev", Q4_FIELD(time.stdev)),
        column("time_cv", Q4_FIELD(time.cv)),
        msColumn("time_ms_min", Q4_FIELD(time.min)),
        msColumn("time_ms_max", Q4_FIELD(time.max)),
        msColumn("time_ms_p10", Q4_FIELD(time.p10)),
        msColumn("time_ms_p90", Q4_FIELD(time.p90)),
        column("rel_error", Q4_FIELD(relError)),
        column("bytes", Q4_FIELD(bytes)),
        column("flops", Q4_FIELD(flops)),
        column("gbps", Q4_FIELD(gbps)),
        column("tflops", Q4_FIELD(tflops)),
        msColumn("floor_ms", Q4_FIELD(floorSeconds)),
        column("fraction_of_floor", Q4_FIELD(fractionOfFloor)),
        column("speedup_vs_baseline", Q4_FIELD(speedupVsBaseline)),
        msColumn("permute_ms", Q4_FIELD(permuteSeconds)),
        // Decimal megabytes (bytes / 1e6), the unit the original benchmark's "max mem MB" used.
        // Derived from mem_peak_bytes, so the reader skips it.
        {"mem_peak_mb",
         [](const Record& r) { return formatNumber(static_cast<double>(r.memPeakBytes) / 1e6); }, {}, ""},
        column("mem_weights_bytes", Q4_FIELD(mem.weights)),
        column("mem_scales_bytes", Q4_FIELD(mem.scales)),
        column("mem_zeros_bytes", Q4_FIELD(mem.zeros)),
        column("mem_gidx_bytes", Q4_FIELD(mem.gIdx)),
        column("mem_activations_bytes", Q4_FIELD(mem.activations)),
        column("mem_output_bytes", Q4_FIELD(mem.output)),
        column("mem_workspace_bytes", Q4_FIELD(mem.workspace)),
        column("mem_peak_bytes", Q4_FIELD(memPeakBytes)),
        msColumn("prepare_ms", Q4_FIELD(prepareSeconds)),
        column("sm_clock_mhz", Q4_FIELD(smClockMhz)),
        column("power_w", Q4_FIELD(powerWatts)),
        column("temperature_c", Q4_FIELD(temperatureC)),
        column("energy_j_per_op", Q4_FIELD(energyJoulesPerOp)),
        column("throttle_reasons", Q4_FIELD(throttleReasons)),
    };
    return table;
}

#undef Q4_FIELD

// ---- RFC 4180 reading ------------------------------------------------------------------------

using CsvRows = std::vector<std::vector<std::string>>;

// Splits CSV text into rows of fields. Quoted fields may hold commas, line breaks and doubled
// quotes; rows end with LF or CRLF; blank lines are skipped.
Expected<CsvRows> splitCsv(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a spreadsheet's UTF-8 BOM

    CsvRows rows;
    std::vector<std::string> row;
    std::string field;
    bool inQuotes = false;     // between a field's opening and closing quote
    bool fieldQuoted = false;  // the current field was quoted (so "" is a field, not a blank line)
    int line = 1;
    int quoteLine = 1;

    auto endField = [&] {
        row.push_back(std::move(field));
        field.clear();
        fieldQuoted = false;
    };
    auto endRow = [&] {
        const bool blank = row.empty() && field.empty() && !fieldQuoted;
        endField();
        if (!blank) rows.push_back(std::move(row));
        row.clear();
    };

    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inQuotes) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                inQuotes = false;
            } else {
                if (c == '\n') ++line;
                field += c;
            }
        } else if (c == ',') {
            endField();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            endRow();
            ++line;
        } else if (c == '"') {
            if (!field.empty() || fieldQuoted)
                return Error{"line " + std::to_string(line) + ": stray quote inside a field"};
            inQuotes = fieldQuoted = true;
            quoteLine = line;
        } else {
            if (fieldQuoted) return Error{"line " + std::to_string(line) + ": text after a closing quote"};
            field += c;
        }
    }
    if (inQuotes) return Error{"line " + std::to_string(quoteLine) + ": quoted field is never closed"};
    if (!row.empty() || !field.empty() || fieldQuoted) endRow();
    return rows;
}

std::string fileError(const char* what, const std::string& path) {
    return std::string("cannot open '") + path + "' for " + what + ": " + std::strerror(errno);
}

}  // namespace

const std::vector<std::string>& csvColumns() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const Column& c : columnTable()) out.push_back(c.name);
        return out;
    }();
    return names;
}

std::string csvEscape(const std::string& field) {
    if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
    std::string out = "\"";
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string formatNumber(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    // to_chars is locale-independent and gives the shortest text that reads back to the same double.
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

void writeCsvHeader(std::ostream& out) {
    std::string line;
    for (const std::string& name : csvColumns()) {
        if (!line.empty()) line += ',';
        line += name;
    }
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

void writeCsvRow(std::ostream& out, const Record& record) {
    std::string line;
    bool first = true;
    for (const Column& c : columnTable()) {
        if (!first) line += ',';
        first = false;
        line += csvEscape(c.format(record));
    }
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

Status writeCsvFile(const std::string& path, const std::vector<Record>& records) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Status::failure(fileError("writing", path));
    writeCsvHeader(out);
    for (const Record& r : records) writeCsvRow(out, r);
    out.close();
    if (!out) return Status::failure("error writing '" + path + "': " + std::strerror(errno));
    return Status::success();
}

Expected<std::vector<Record>> readCsvFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fileError("reading", path)};
    std::ostringstream content;
    content << in.rdbuf();

    auto rows = splitCsv(content.str());
    if (!rows) return Error{"'" + path + "' " + rows.error()};
    if (rows->empty()) return Error{"'" + path + "' is empty (no header row)"};

    const std::vector<std::string>& header = rows->front();
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < header.size(); ++i) position.emplace(header[i], i);
    for (const char* required : {"kernel", "m", "n", "k"})
        if (!position.count(required)) return Error{"'" + path + "' has no '" + required + "' column"};

    std::vector<Record> records;
    // Rows are numbered as a spreadsheet shows them: the header is row 1.
    for (std::size_t r = 1; r < rows->size(); ++r) {
        const std::vector<std::string>& fields = (*rows)[r];
        const std::string where = "'" + path + "' row " + std::to_string(r + 1);
        if (fields.size() != header.size())
            return Error{where + " has " + std::to_string(fields.size()) + " fields, the header has " +
                         std::to_string(header.size())};
        Record record;
        for (const Column& c : columnTable()) {
            const auto at = position.find(c.name);
            if (!c.parse || at == position.end()) continue;
            const std::string& text = fields[at->second];
            if (!c.parse(text, record))
                return Error{where + ", column '" + c.name + "': '" + text + "' is not " + c.kind};
        }
        records.push_back(std::move(record));
    }
    return records;
}

}  // namespace q4
