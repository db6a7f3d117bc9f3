#pragma once
// Model-run results as files: CSV with one row per record (columns from the model record field
// table) and JSON {"schema_version", "kind": "model", "run": RunInfo, "records": [...]}, whose
// records also hold each sequence's prompt and generated token ids. Written through a
// temporary file; read back with every field checked, as any file from outside.
#include <string>
#include <vector>

#include "common/expected.h"
#include "model/model_runner.h"

namespace q4 {

Status writeModelCsvFile(const std::string& path, const std::vector<ModelRecord>& records);

std::string modelRecordToJson(const ModelRecord& record);  // one line
std::string modelResultToJson(const ModelRunResult& result);
Expected<ModelRunResult> modelResultFromJson(const std::string& json);
Status writeModelResultFile(const std::string& path, const ModelRunResult& result);
Expected<ModelRunResult> readModelResultFile(const std::string& path);

}  // namespace q4
