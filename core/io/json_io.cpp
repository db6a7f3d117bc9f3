#include "io/json_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "io/output_file.h"
#include "model/architecture.h"
#include "results/record_fields.h"
#include "sweep/spec_fields.h"

namespace q4 {

namespace {

// Insertion-ordered, so files list keys in the same order as the CSV columns.
using Json = nlohmann::ordered_json;

// Unit changes between the Record (SI) and the files (ms, GB/s, TFLOP/s). The reading side divides
// or multiplies by the exact power of ten, never by an inexact reciprocal such as 1e-3.
double toGiga(double perSecond) { return perSecond / 1e9; }
double fromGiga(double giga) { return giga * 1e9; }
double toTera(double perSecond) { return perSecond / 1e12; }
double fromTera(double tera) { return tera * 1e12; }
using Convert = double (*)(double);

// JSON has no NaN or infinity, and nlohmann would write null, which reads back as "absent".
// An Incorrect record's relative error is +inf, so non-finite numbers are written as strings.
Json number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    return value;
}

Json optionalNumber(const std::optional<double>& value, Convert convert) {
    return value ? number(convert(*value)) : Json(nullptr);
}


// Never throws on odd bytes (a device name in a legacy encoding): they become U+FFFD.
std::string dump(const Json& j, int indent = -1) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

// Files from outside may nest deeper than any q4bench file does; the parser recurses, so such
// input is refused before parsing rather than allowed to exhaust the stack.
constexpr int kMaxJsonDepth = 64;

int nestingDepth(const std::string& text) {
    int depth = 0, deepest = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') ++i;
            else if (c == '"') inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

Expected<Json> parseJson(const std::string& text, const std::string& context) {
    if (Status depth = checkJsonDepth(text, context); !depth) return depth.asError();
    try {
        return Json::parse(text);
    } catch (const Json::exception& e) {  // a syntax error, or a number beyond a double (1E400)
        return Error{context + ": invalid JSON: " + e.what()};
    }
}

// Reads typed fields from one JSON object. A missing or null key leaves the default in place;
// a key of the wrong type records an error naming it, and the first error is the one reported.
class FieldReader {
public:
    FieldReader(const Json& object, std::string context, std::string prefix = {})
        : object_(object), context_(std::move(context)), prefix_(std::move(prefix)) {}

    const Json* find(const char* key) const {
        const auto it = object_.find(key);
        return it == object_.end() || it->is_null() ? nullptr : &*it;
    }
    void fail(const std::string& key, const std::string& rule) {
        if (error_.empty()) error_ = context_ + ": '" + prefix_ + key + "' must be " + rule;
    }
    void failWith(const std::string& message) {
        if (error_.empty()) error_ = message;
    }
    void require(const char* key) {
        if (!find(key) && error_.empty()) error_ = context_ + ": missing '" + prefix_ + key + "'";
    }
    void merge(const FieldReader& nested) {
        if (error_.empty()) error_ = nested.error_;
    }
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    void text(const char* key, std::string& out) {
        if (const Json* v = find(key)) {
            if (v->is_string()) out = v->get<std::string>();
            else fail(key, "a string");
        }
    }
    void boolean(const char* key, bool& out) {
        if (const Json* v = find(key)) {
            if (v->is_boolean()) out = v->get<bool>();
            else fail(key, "true or false");
        }
    }
    template <class T>
    void integer(const char* key, T& out) {
        if (const Json* v = find(key)) {
            if (!readInteger(*v, out)) fail(key, std::is_signed_v<T> ? "an integer" : "a non-negative integer");
        }
    }
    template <class T>
    void integer(const char* key, std::optional<T>& out) {
        if (const Json* v = find(key)) {
            T value{};
            if (readInteger(*v, value)) out = value;
            else fail(key, "an integer or null");
        }
    }
    void number(const char* key, std::optional<double>& out, Convert convert) {
        if (const Json* v = find(key)) {
            if (double value = 0; readNumber(*v, value)) out = convert(value);
            else fail(key, "a number or null");
        }
    }

    static bool readNumber(const Json& v, double& out) {
        if (v.is_number()) {
            out = v.get<double>();
            return true;
        }
        if (!v.is_string()) return false;
        const std::string& s = v.get_ref<const std::string&>();
        if (s == "nan") out = std::numeric_limits<double>::quiet_NaN();
        else if (s == "inf") out = std::numeric_limits<double>::infinity();
        else if (s == "-inf") out = -std::numeric_limits<double>::infinity();
        else return false;
        return true;
    }

private:
    template <class T>
    static bool readInteger(const Json& v, T& out) {
        if (v.is_number_unsigned()) {
            const auto value = v.get<std::uint64_t>();
            if (!std::in_range<T>(value)) return false;
            out = static_cast<T>(value);
            return true;
        }
        if (v.is_number_integer()) {
            const auto value = v.get<std::int64_t>();
            if (!std::in_range<T>(value)) return false;
            out = static_cast<T>(value);
            return true;
        }
        return false;
    }
    const Json& object_;
    std::string context_;
    std::string prefix_;
    std::string error_;
};

std::string cannotOpen(const std::string& path, const char* what) {
    return "cannot open '" + path + "' for " + what + ": " + std::strerror(errno);
}

Expected<std::string> readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{cannotOpen(path, "reading")};
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// ---- records ------------------------------------------------------------------------------

// A field's value as JSON; non-finite numbers as strings, absent as null.
}  // namespace

Json fieldValueJson(const FieldValue& value) {
    return std::visit(
        [](const auto& v) -> Json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
            else if constexpr (std::is_same_v<T, double>) return number(v);
            else return v;
        },
        value);
}

// A JSON value as the field's type; an error says what the field must be.
Expected<FieldValue> fieldValueFromJson(FieldType type, const Json& v) {
    if (v.is_null()) return FieldValue(std::monostate{});
    switch (type) {
        case FieldType::Text:
            if (v.is_string()) return FieldValue(v.get<std::string>());
            return Error{"must be a string"};
        case FieldType::Boolean:
            if (v.is_boolean()) return FieldValue(v.get<bool>());
            return Error{"must be true or false"};
        case FieldType::Integer:
            if (v.is_number_integer() && (!v.is_number_unsigned() || v.get<std::uint64_t>() <= std::uint64_t(INT64_MAX)))
                return FieldValue(v.get<std::int64_t>());
            return Error{"must be an integer"};
        case FieldType::Unsigned:
            if (v.is_number_unsigned()) return FieldValue(v.get<std::uint64_t>());
            return Error{"must be a non-negative integer"};
        case FieldType::Number:
            if (double value = 0; FieldReader::readNumber(v, value)) return FieldValue(value);
            return Error{"must be a number"};
    }
    return Error{"has an unknown type"};
}

namespace {

Json recordObject(const Record& r) {
    Json j;
    for (const RecordField& field : recordFields()) j[field.key] = fieldValueJson(field.get(r));
    return j;
}

// Schema 1 nested the memory breakdown as "mem": {"weights": ...}; schema 2 is flat, like the CSV.
Json flattenSchema1(const Json& j) {
    const auto mem = j.find("mem");
    if (mem == j.end() || !mem->is_object()) return j;
    Json flat = j;
    flat.erase("mem");
    for (const auto& item : mem->items()) flat["mem_" + item.key() + "_bytes"] = item.value();
    return flat;
}

Expected<Record> recordFromObject(const Json& object, const std::string& context) {
    if (!object.is_object()) return Error{context + ": must be a JSON object"};
    const Json j = flattenSchema1(object);
    for (const char* key : {"kernel", "m", "n", "k"})
        if (!j.contains(key) || j[key].is_null()) return Error{context + ": missing '" + key + "'"};
    Record r;
    for (const RecordField& field : recordFields()) {
        const auto it = j.find(field.key);
        if (!field.set || it == j.end() || it->is_null()) continue;  // null is absent: the default stays
        auto value = fieldValueFromJson(field.type, *it);
        Status stored = value ? field.set(r, *value) : Status::failure(value.error());
        if (!stored) return Error{context + ": '" + field.key + "' " + stored.message};
    }
    return r;
}

// ---- run info -----------------------------------------------------------------------------

Status checkSchemaVersion(std::int64_t version) {
    if (version > kSchemaVersion)
        return Status::failure("schema_version " + std::to_string(version) + " is newer than this build reads (" +
                               std::to_string(kSchemaVersion) + ")");
    if (version < 1) return Status::failure("schema_version " + std::to_string(version) + " is not valid");
    return Status::success();
}

Json runInfoObject(const RunInfo& info) {
    Json j;
    j["schema_version"] = kSchemaVersion;
    j["run_id"] = info.runId;
    j["project_version"] = info.projectVersion;
    j["started_utc"] = info.startedUtc;
    j["finished_utc"] = info.finishedUtc;
    j["host"] = info.host;
    j["backend"] = info.backend;
    j["command_line"] = info.commandLine;
    const DeviceInfo& d = info.device;
    j["device"] = Json{{"name", d.name},
                       {"compute_capability", d.computeCapability},
                       {"multiprocessors", d.multiprocessors},
                       {"memory_bytes", d.memoryBytes},
                       {"l2_bytes", d.l2Bytes},
                       {"bus_width_bits", d.busWidthBits},
                       {"sm_clock_mhz", d.smClockMhz},
                       {"memory_clock_mhz", d.memoryClockMhz},
                       {"driver_version", d.driverVersion},
                       {"runtime_version", d.runtimeVersion},
                       {"cublas_version", d.cublasVersion}};
    j["ceilings"] = Json{{"copy_gbps", optionalNumber(info.ceilings.copyBytesPerSecond, toGiga)},
                         {"fp16_tflops", optionalNumber(info.ceilings.fp16FlopsPerSecond, toTera)}};
    // The spec is embedded as an object so the file stays one readable document; text that is not
    // JSON (it should always be) is kept as a string rather than lost.
    if (info.specJson.empty()) {
        j["spec"] = nullptr;
    } else {
        Json spec = Json::parse(info.specJson, nullptr, false);
        j["spec"] = spec.is_discarded() ? Json(info.specJson) : std::move(spec);
    }
    if (!info.architectureJson.empty()) j["architecture"] = Json::parse(info.architectureJson, nullptr, false);
    return j;
}

Expected<RunInfo> runInfoFromObject(const Json& j, const std::string& context) {
    if (!j.is_object()) return Error{context + ": must be a JSON object"};
    RunInfo info;
    FieldReader f(j, context);
    std::int64_t version = kSchemaVersion;
    f.integer("schema_version", version);
    if (!f.ok()) return Error{f.error()};
    if (Status s = checkSchemaVersion(version); !s) return Error{context + ": " + s.message};
    info.schemaVersion = static_cast<int>(version);
    f.text("run_id", info.runId);
    f.text("project_version", info.projectVersion);
    f.text("started_utc", info.startedUtc);
    f.text("finished_utc", info.finishedUtc);
    f.text("host", info.host);
    f.text("backend", info.backend);
    f.text("command_line", info.commandLine);
    if (const Json* device = f.find("device")) {
        if (!device->is_object()) {
            f.fail("device", "an object");
        } else {
            DeviceInfo& d = info.device;
            FieldReader g(*device, context, "device.");
            g.text("name", d.name);
            g.text("compute_capability", d.computeCapability);
            g.integer("multiprocessors", d.multiprocessors);
            g.integer("memory_bytes", d.memoryBytes);
            g.integer("l2_bytes", d.l2Bytes);
            g.integer("bus_width_bits", d.busWidthBits);
            g.integer("sm_clock_mhz", d.smClockMhz);
            g.integer("memory_clock_mhz", d.memoryClockMhz);
            g.text("driver_version", d.driverVersion);
            g.text("runtime_version", d.runtimeVersion);
            g.text("cublas_version", d.cublasVersion);
            f.merge(g);
        }
    }
    if (const Json* ceilings = f.find("ceilings")) {
        if (!ceilings->is_object()) {
            f.fail("ceilings", "an object");
        } else {
            FieldReader c(*ceilings, context, "ceilings.");
            c.number("copy_gbps", info.ceilings.copyBytesPerSecond, fromGiga);
            c.number("fp16_tflops", info.ceilings.fp16FlopsPerSecond, fromTera);
            f.merge(c);
        }
    }
    if (const Json* spec = f.find("spec")) info.specJson = spec->is_string() ? spec->get<std::string>() : dump(*spec);
    if (const Json* arch = f.find("architecture"); arch && !arch->is_null()) {
        auto read = architectureFromJson(dump(*arch), context + ": architecture");
        if (!read) return Error{read.error()};
        info.architectureJson = architectureToJson(*read);
    }
    if (!f.ok()) return Error{f.error()};
    return info;
}

// ---- sweep spec ---------------------------------------------------------------------------

constexpr const char* kSpecContext = "sweep spec";

// A JSON value as the text the one sweep-field reader takes: numbers as written, booleans as
// yes/no, arrays joined by commas (an array of booleans as the choice it makes: [true, false] is
// both).
Expected<std::string> specText(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return std::string(v.get<bool>() ? "yes" : "no");
    if (v.is_number_integer()) return v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>())
                                                             : std::to_string(v.get<std::int64_t>());
    if (v.is_number()) return formatNumber(v.get<double>());
    if (v.is_array()) {
        if (!v.empty() && std::all_of(v.begin(), v.end(), [](const Json& item) { return item.is_boolean(); })) {
            std::vector<bool> values;
            for (const Json& item : v) values.push_back(item.get<bool>());
            return std::string(nameOf(choiceOf(values)));
        }
        std::string text;
        for (const Json& item : v) {
            if (item.is_array() || item.is_object()) return Error{"must not nest arrays or objects"};
            auto itemText = specText(item);
            if (!itemText) return itemText;
            text += (text.empty() ? "" : ",") + *itemText;
        }
        return text;
    }
    return Error{"must be a string, a number, true/false or an array of them"};
}

// Reads every key of object through setSpecField; prefix is "timing." inside the timing object.
Status readSpecObject(const Json& object, const std::string& prefix, SweepSpec& spec) {
    for (const auto& item : object.items()) {
        const std::string key = prefix + item.key();
        if (prefix.empty() && item.key() == "timing") {
            if (!item.value().is_object())
                return Status::failure(std::string(kSpecContext) + ": 'timing' must be an object", "timing");
            if (Status s = readSpecObject(item.value(), "timing.", spec); !s) return s;
            continue;
        }
        if (!findSpecField(key)) return Status::failure(std::string(kSpecContext) + ": unknown key '" + key + "'", key);
        auto text = specText(item.value());
        if (!text) return Status::failure(std::string(kSpecContext) + ": '" + key + "' " + text.error(), key);
        if (Status s = setSpecField(spec, key, *text); !s)
            return Status::failure(std::string(kSpecContext) + ": " + s.message, key);
    }
    return Status::success();
}

}  // namespace

Status checkJsonDepth(const std::string& text, const std::string& context) {
    if (nestingDepth(text) > kMaxJsonDepth)
        return Status::failure(context + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return Status::success();
}

std::string recordToJson(const Record& record) { return dump(recordObject(record)); }

Expected<Record> recordFromJson(const std::string& json) {
    auto j = parseJson(json, "record");
    if (!j) return Error{j.error()};
    return recordFromObject(*j, "record");
}

std::string runInfoToJson(const RunInfo& info) { return dump(runInfoObject(info)); }

Expected<RunInfo> runInfoFromJson(const std::string& json) {
    auto j = parseJson(json, "run");
    if (!j) return Error{j.error()};
    return runInfoFromObject(*j, "run");
}

std::string resultToJson(const RunResult& result) {
    Json j;
    j["schema_version"] = kSchemaVersion;
    j["run"] = runInfoObject(result.info);
    j["records"] = Json::array();
    for (const Record& r : result.records) j["records"].push_back(recordObject(r));
    return dump(j, 2);
}

Expected<RunResult> resultFromJson(const std::string& json) {
    auto parsed = parseJson(json, "result");
    if (!parsed) return Error{parsed.error()};
    const Json& j = *parsed;
    if (!j.is_object()) return Error{"result: must be a JSON object"};

    FieldReader f(j, "result");
    for (const char* key : {"schema_version", "run", "records"}) f.require(key);
    std::int64_t version = 0;
    f.integer("schema_version", version);
    if (!f.ok()) return Error{f.error()};
    if (Status s = checkSchemaVersion(version); !s) return Error{s.message};
    if (!j.at("records").is_array()) return Error{"result: 'records' must be an array"};

    RunResult result;
    auto info = runInfoFromObject(j.at("run"), "run");
    if (!info) return Error{info.error()};
    result.info = std::move(info.value());
    const Json& records = j.at("records");
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto record = recordFromObject(records[i], "record " + std::to_string(i));
        if (!record) return Error{record.error()};
        result.records.push_back(std::move(record.value()));
    }
    return result;
}

Status writeResultFile(const std::string& path, const RunResult& result) {
    return writeFileAtomically(path, resultToJson(result) + "\n");
}

Expected<RunResult> readResultFile(const std::string& path) {
    auto text = readTextFile(path);
    if (!text) return Error{text.error()};
    auto result = resultFromJson(*text);
    if (!result) return Error{"'" + path + "': " + result.error()};
    return result;
}

std::string sweepSpecToJson(const SweepSpec& spec) {
    Json j;
    j["m"] = spec.m;
    j["n"] = spec.n;
    j["k"] = spec.k;
    j["preset"] = spec.preset;
    if (!spec.checkpoint.empty()) {  // written only when used, so other specs read as before
        j["checkpoint"] = spec.checkpoint;
        j["layers"] = spec.layers;
        j["unique_shapes"] = spec.uniqueShapes;
    }
    j["group_sizes"] = spec.groupSizes;
    j["act_order"] = nameOf(spec.actOrder);
    j["symmetric"] = spec.symmetric;
    j["zero_format"] = nameOf(spec.zeroFormat);
    if (spec.sparsity != SweepSpec().sparsity) {  // written only when used, so other specs read as before
        Json patterns = Json::array();
        for (Sparsity s : spec.sparsity) patterns.push_back(nameOf(s));
        j["sparsity"] = patterns;
    }
    j["kernels"] = spec.kernels;
    j["backend"] = spec.backend;
    j["seed"] = spec.seed;
    j["tolerance"] = spec.tolerance;
    const TimingOptions& t = spec.timing;
    j["timing"] = Json{{"warmup", t.warmup},
                       {"min_samples", t.minSamples},
                       {"min_time_s", t.minTimeSeconds},
                       {"max_noise", t.maxNoise},
                       {"timeout_s", t.timeoutSeconds},
                       {"l2", nameOf(t.l2)},
                       {"cuda_graph", t.cudaGraph}};
    return dump(j, 2);
}

// Unknown keys are errors naming the key; values go through the same reader as the CLI's flags.
Expected<SweepSpec> sweepSpecFromJson(const std::string& json) {
    auto parsed = parseJson(json, kSpecContext);
    if (!parsed) return Error{parsed.error()};
    const Json& j = *parsed;
    if (!j.is_object()) return Error{std::string(kSpecContext) + ": must be a JSON object"};
    SweepSpec spec;
    if (Status s = readSpecObject(j, "", spec); !s) return s.asError();
    return spec;
}

Expected<SweepSpec> readSweepSpecFile(const std::string& path) {
    auto text = readTextFile(path);
    if (!text) return Error{text.error()};
    auto spec = sweepSpecFromJson(*text);
    if (!spec) return Error{"'" + path + "': " + spec.error(), spec.errorField()};
    return spec;
}

}  // namespace q4
