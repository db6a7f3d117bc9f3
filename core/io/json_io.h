#pragma once
// Results as JSON: {"schema_version", "run": RunInfo, "records": [...]} with flat records keyed
// as the CSV's columns (schema 2; schema 1 files, which nested the memory breakdown, still read),
// and the sweep spec format that q4bench-cli --sweep and the workbench both read and write.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/expected.h"
#include "results/record_fields.h"
#include "results/record.h"
#include "results/run_info.h"
#include "results/run_result.h"
#include "sweep/sweep_spec.h"

namespace q4 {

// Files from outside may nest arbitrarily deep; every JSON reader refuses more than a q4bench
// file ever nests before parsing, so such input cannot exhaust the stack.
Status checkJsonDepth(const std::string& text, const std::string& context);

// A field's value as JSON (numbers in file units, null when absent) and back; an error says what
// the field must be. Every field table's files use these.
nlohmann::ordered_json fieldValueJson(const FieldValue& value);
Expected<FieldValue> fieldValueFromJson(FieldType type, const nlohmann::ordered_json& value);

std::string recordToJson(const Record& record);  // one line, no trailing newline
Expected<Record> recordFromJson(const std::string& json);
std::string runInfoToJson(const RunInfo& info);
Expected<RunInfo> runInfoFromJson(const std::string& json);

std::string resultToJson(const RunResult& result);  // pretty-printed
Expected<RunResult> resultFromJson(const std::string& json);  // rejects newer schema versions, naming both
Status writeResultFile(const std::string& path, const RunResult& result);  // through a temporary file
Expected<RunResult> readResultFile(const std::string& path);

std::string sweepSpecToJson(const SweepSpec& spec);
// Unknown keys are errors naming the key; values are read by setSpecField, so the rules are the
// CLI's and the GUI's, and an error carries the field's key.
Expected<SweepSpec> sweepSpecFromJson(const std::string& json);
Expected<SweepSpec> readSweepSpecFile(const std::string& path);

}  // namespace q4
