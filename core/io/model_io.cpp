#include "io/model_io.h"

#include <fstream>
#include <sstream>

#include "io/csv_writer.h"
#include "io/json_io.h"
#include "io/output_file.h"

namespace q4 {
namespace {

using Json = nlohmann::ordered_json;

// Token lists in files from outside are bounded like every other field: at most this many
// sequences and tokens per sequence, each id a non-negative int32.
constexpr std::size_t kMaxSequences = 4096;
constexpr std::size_t kMaxTokens = std::size_t(1) << 20;

Json tokenLists(const std::vector<std::vector<std::int32_t>>& sequences) {
    Json list = Json::array();
    for (const auto& sequence : sequences) list.push_back(sequence);
    return list;
}

Status readTokenLists(const Json& j, const char* key, std::vector<std::vector<std::int32_t>>& out) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return Status::success();
    const std::string where = std::string("'") + key + "'";
    if (!it->is_array() || it->size() > kMaxSequences)
        return Status::failure(where + " must be a list of at most " + std::to_string(kMaxSequences) + " token lists");
    for (const Json& sequence : *it) {
        if (!sequence.is_array() || sequence.size() > kMaxTokens)
            return Status::failure(where + " must hold lists of at most " + std::to_string(kMaxTokens) + " token ids");
        std::vector<std::int32_t> tokens;
        for (const Json& token : sequence) {
            if (!token.is_number_integer() || token.get<std::int64_t>() < 0 || token.get<std::int64_t>() > INT32_MAX)
                return Status::failure(where + " token ids must be integers from 0 to " + std::to_string(INT32_MAX));
            tokens.push_back(token.get<std::int32_t>());
        }
        out.push_back(std::move(tokens));
    }
    return Status::success();
}

Json recordObject(const ModelRecord& r) {
    Json j;
    for (const ModelRecordField& field : modelRecordFields()) j[field.key] = fieldValueJson(field.get(r));
    j["prompt_tokens"] = tokenLists(r.promptTokens);
    j["generated_tokens"] = tokenLists(r.generatedTokens);
    return j;
}

Expected<ModelRecord> recordFromObject(const Json& j, const std::string& context) {
    if (!j.is_object()) return Error{context + ": must be a JSON object"};
    for (const char* key : {"model", "kernel", "batch"})
        if (!j.contains(key) || j[key].is_null()) return Error{context + ": missing '" + key + "'"};
    ModelRecord r;
    for (const ModelRecordField& field : modelRecordFields()) {
        const auto it = j.find(field.key);
        if (!field.set || it == j.end() || it->is_null()) continue;
        auto value = fieldValueFromJson(field.type, *it);
        Status stored = value ? field.set(r, *value) : Status::failure(value.error());
        if (!stored) return Error{context + ": '" + field.key + "' " + stored.message};
    }
    for (const char* key : {"prompt_tokens", "generated_tokens"}) {
        auto& lists = std::string(key) == "prompt_tokens" ? r.promptTokens : r.generatedTokens;
        if (Status s = readTokenLists(j, key, lists); !s) return Error{context + ": " + s.message};
    }
    return r;
}

std::string csvCell(const FieldValue& value) { return csvEscape(formatFieldValue(value)); }

}  // namespace

Status writeModelCsvFile(const std::string& path, const std::vector<ModelRecord>& records) {
    std::ostringstream out;
    const auto& fields = modelRecordFields();
    for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << fields[i].key;
    out << "\n";
    for (const ModelRecord& r : records) {
        for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csvCell(fields[i].get(r));
        out << "\n";
    }
    return writeFileAtomically(path, out.str());
}

std::string modelRecordToJson(const ModelRecord& record) { return recordObject(record).dump(); }

std::string modelResultToJson(const ModelRunResult& result) {
    Json j;
    j["schema_version"] = kSchemaVersion;
    j["kind"] = "model";
    j["run"] = Json::parse(runInfoToJson(result.info));
    Json records = Json::array();
    for (const ModelRecord& r : result.records) records.push_back(recordObject(r));
    j["records"] = std::move(records);
    return j.dump(2);
}

Expected<ModelRunResult> modelResultFromJson(const std::string& json) {
    if (Status depth = checkJsonDepth(json, "model result"); !depth) return depth.asError();
    const Json j = Json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{"model result: not a JSON object"};
    if (!j.contains("kind") || j["kind"] != "model")
        return Error{"model result: 'kind' must be \"model\" (a sweep's result file is read by the Sweep view)"};
    if (!j.contains("run") || !j.contains("records") || !j["records"].is_array())
        return Error{"model result: needs 'run' and a 'records' list"};
    ModelRunResult result;
    auto info = runInfoFromJson(j["run"].dump());
    if (!info) return Error{"model result: run: " + info.error()};
    result.info = std::move(info).value();
    const Json& records = j["records"];
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto record = recordFromObject(records[i], "record " + std::to_string(i));
        if (!record) return record.takeError();
        result.records.push_back(std::move(record).value());
    }
    return result;
}

Status writeModelResultFile(const std::string& path, const ModelRunResult& result) {
    return writeFileAtomically(path, modelResultToJson(result) + "\n");
}

Expected<ModelRunResult> readModelResultFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"cannot open '" + path + "' for reading"};
    std::ostringstream text;
    text << in.rdbuf();
    auto result = modelResultFromJson(text.str());
    if (!result) return Error{"'" + path + "': " + result.error()};
    return result;
}

}  // namespace q4
