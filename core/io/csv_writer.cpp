#include "io/csv_writer.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "io/output_file.h"
#include "results/record_fields.h"

namespace q4 {

namespace {

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
        for (const RecordField& field : recordFields()) out.push_back(field.key);
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
    for (const RecordField& field : recordFields()) {
        if (!first) line += ',';
        first = false;
        line += csvEscape(formatFieldValue(field.get(record)));
    }
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

Status writeCsvFile(const std::string& path, const std::vector<Record>& records) {
    std::ostringstream out;
    writeCsvHeader(out);
    for (const Record& r : records) writeCsvRow(out, r);
    return writeFileAtomically(path, out.str());
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
        for (const RecordField& field : recordFields()) {
            const auto at = position.find(field.key);
            if (!field.set || at == position.end()) continue;
            const std::string& text = fields[at->second];
            auto value = parseFieldValue(field, text);
            Status stored = value ? field.set(record, *value) : Status::failure(value.error());
            if (!stored) return Error{where + ", column '" + field.key + "': '" + text + "' " + stored.message};
        }
        records.push_back(std::move(record));
    }
    return records;
}

}  // namespace q4
