#pragma once
// Records as CSV: one header row, one record per row, RFC 4180 quoting, '.' decimals in any
// locale, snake_case columns with units. pandas.read_csv reads it as is.
#include <ostream>
#include <string>
#include <vector>

#include "common/expected.h"
#include "results/record.h"
#include "results/record_fields.h"
#include "results/run_info.h"

namespace q4 {

// Column names, in order: the record field table's keys.
const std::vector<std::string>& csvColumns();
// Quotes a field when it holds a comma, quote, CR or LF (quotes doubled).
std::string csvEscape(const std::string& field);

void writeCsvHeader(std::ostream& out);
void writeCsvRow(std::ostream& out, const Record& record);
Status writeCsvFile(const std::string& path, const std::vector<Record>& records);  // through a temporary file

// Reads a file written by writeCsvFile (columns matched by name; unknown columns ignored).
Expected<std::vector<Record>> readCsvFile(const std::string& path);

}  // namespace q4
