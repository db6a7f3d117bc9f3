#include "io/json_io.h"

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

namespace q4 {

namespace {

// Insertion-ordered, so files list keys in the same order as the CSV columns.
using Json = nlohmann::ordered_json;

// Unit changes between the Record (SI) and the files (ms, GB/s, TFLOP/s). The reading side divides
// or multiplies by the exact power of ten, never by an inexact reciprocal such as 1e-3.
double same(double v) { return v; }
double toMs(double seconds) { return seconds * 1e3; }
double fromMs(double ms) { return ms / 1e3; }
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

Json optionalNumber(const std::optional<double>& value, Convert convert = same) {
    return value ? number(convert(*value)) : Json(nullptr);
}

Json optionalInteger(const std::optional<std::int64_t>& value) { return value ? Json(*value) : Json(nullptr); }

// Never throws on odd bytes (a device name in a legacy encoding): they become U+FFFD.
std::string dump(const Json& j, int indent = -1) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

Expected<Json> parseJson(const std::string& text, const std::string& context) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
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
    void number(const char* key, double& out, Convert convert = same) {
        if (const Json* v = find(key)) {
            if (double value = 0; readNumber(*v, value)) out = convert(value);
            else fail(key, "a number");
        }
    }
    void number(const char* key, std::optional<double>& out, Convert convert = same) {
        if (const Json* v = find(key)) {
            if (double value = 0; readNumber(*v, value)) out = convert(value);
            else fail(key, "a number or null");
        }
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

Json recordObject(const Record& r) {
    Json j;
    j["run_id"] = r.runId;
    j["index"] = r.index;
    j["backend"] = r.backend;
    j["device"] = r.device;
    j["kernel"] = r.kernel;
    j["family"] = r.family;
    j["path"] = r.path;
    j["layer"] = r.layer;
    j["m"] = r.m;
    j["n"] = r.n;
    j["k"] = r.k;
    j["group_size"] = r.groupSize;
    j["act_order"] = r.actOrder;
    j["symmetric"] = r.symmetric;
    j["zero_format"] = r.zeroFormat;
    j["l2_mode"] = r.l2Mode;
    j["cuda_graph"] = r.cudaGraph;
    j["seed"] = r.seed;
    j["status"] = toString(r.status);
    j["message"] = r.message;
    j["timed_out"] = r.timedOut;
    j["samples"] = r.time.samples;
    j["time_ms_median"] = number(toMs(r.time.median));
    j["time_ms_mean"] = number(toMs(r.time.mean));
    j["time_ms_stdev"] = number(toMs(r.time.stdev));
    j["time_cv"] = number(r.time.cv);
    j["time_ms_min"] = number(toMs(r.time.min));
    j["time_ms_max"] = number(toMs(r.time.max));
    j["time_ms_p10"] = number(toMs(r.time.p10));
    j["time_ms_p90"] = number(toMs(r.time.p90));
    j["rel_error"] = optionalNumber(r.relError);
    j["bytes"] = number(r.bytes);
    j["flops"] = number(r.flops);
    j["gbps"] = optionalNumber(r.gbps);
    j["tflops"] = optionalNumber(r.tflops);
    j["floor_ms"] = optionalNumber(r.floorSeconds, toMs);
    j["fraction_of_floor"] = optionalNumber(r.fractionOfFloor);
    j["speedup_vs_baseline"] = optionalNumber(r.speedupVsBaseline);
    j["permute_ms"] = optionalNumber(r.permuteSeconds, toMs);
    j["mem_peak_bytes"] = r.memPeakBytes;
    j["mem"] = Json{{"weights", r.mem.weights},
                    {"scales", r.mem.scales},
                    {"zeros", r.mem.zeros},
                    {"gidx", r.mem.gIdx},
                    {"activations", r.mem.activations},
                    {"output", r.mem.output},
                    {"workspace", r.mem.workspace}};
    j["prepare_ms"] = number(toMs(r.prepareSeconds));
    j["sm_clock_mhz"] = optionalNumber(r.smClockMhz);
    j["power_w"] = optionalNumber(r.powerWatts);
    j["temperature_c"] = optionalNumber(r.temperatureC);
    j["energy_j_per_op"] = optionalNumber(r.energyJoulesPerOp);
    j["throttle_reasons"] = optionalInteger(r.throttleReasons);
    return j;
}

Expected<Record> recordFromObject(const Json& j, const std::string& context) {
    if (!j.is_object()) return Error{context + ": must be a JSON object"};
    Record r;
    FieldReader f(j, context);
    for (const char* key : {"kernel", "m", "n", "k"}) f.require(key);
    f.text("run_id", r.runId);
    f.integer("index", r.index);
    f.text("backend", r.backend);
    f.text("device", r.device);
    f.text("kernel", r.kernel);
    f.text("family", r.family);
    f.text("path", r.path);
    f.text("layer", r.layer);
    f.integer("m", r.m);
    f.integer("n", r.n);
    f.integer("k", r.k);
    f.integer("group_size", r.groupSize);
    f.boolean("act_order", r.actOrder);
    f.boolean("symmetric", r.symmetric);
    f.text("zero_format", r.zeroFormat);
    f.text("l2_mode", r.l2Mode);
    f.boolean("cuda_graph", r.cudaGraph);
    f.integer("seed", r.seed);
    if (const Json* v = f.find("status")) {
        if (!v->is_string() || !parseRecordStatus(v->get<std::string>(), r.status))
            f.fail("status", "one of ok, incorrect, unsupported, error, cancelled");
    }
    f.text("message", r.message);
    f.boolean("timed_out", r.timedOut);
    f.integer("samples", r.time.samples);
    f.number("time_ms_median", r.time.median, fromMs);
    f.number("time_ms_mean", r.time.mean, fromMs);
    f.number("time_ms_stdev", r.time.stdev, fromMs);
    f.number("time_cv", r.time.cv);
    f.number("time_ms_min", r.time.min, fromMs);
    f.number("time_ms_max", r.time.max, fromMs);
    f.number("time_ms_p10", r.time.p10, fromMs);
    f.number("time_ms_p90", r.time.p90, fromMs);
    f.number("rel_error", r.relError);
    f.number("bytes", r.bytes);
    f.number("flops", r.flops);
    f.number("gbps", r.gbps);
    f.number("tflops", r.tflops);
    f.number("floor_ms", r.floorSeconds, fromMs);
    f.number("fraction_of_floor", r.fractionOfFloor);
    f.number("speedup_vs_baseline", r.speedupVsBaseline);
    f.number("permute_ms", r.permuteSeconds, fromMs);
    f.integer("mem_peak_bytes", r.memPeakBytes);
    if (const Json* mem = f.find("mem")) {
        if (!mem->is_object()) {
            f.fail("mem", "an object");
        } else {
            FieldReader m(*mem, context, "mem.");
            m.integer("weights", r.mem.weights);
            m.integer("scales", r.mem.scales);
            m.integer("zeros", r.mem.zeros);
            m.integer("gidx", r.mem.gIdx);
            m.integer("activations", r.mem.activations);
            m.integer("output", r.mem.output);
            m.integer("workspace", r.mem.workspace);
            f.merge(m);
        }
    }
    f.number("prepare_ms", r.prepareSeconds, fromMs);
    f.number("sm_clock_mhz", r.smClockMhz);
    f.number("power_w", r.powerWatts);
    f.number("temperature_c", r.temperatureC);
    f.number("energy_j_per_op", r.energyJoulesPerOp);
    f.integer("throttle_reasons", r.throttleReasons);
    if (!f.ok()) return Error{f.error()};
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
    j["schema_version"] = info.schemaVersion;
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
    if (!f.ok()) return Error{f.error()};
    return info;
}

// ---- sweep spec ---------------------------------------------------------------------------

constexpr const char* kSpecContext = "sweep spec";

// The message for the first key of object not in known, or empty when all are known.
std::string unknownKeyError(const Json& object, const std::set<std::string>& known, const std::string& prefix) {
    for (const auto& item : object.items())
        if (!known.count(item.key())) return std::string(kSpecContext) + ": unknown key '" + prefix + item.key() + "'";
    return {};
}

// m, n, k: an array of integers or a list string such as "1:4096:x2". Both go through
// parseIntList, so the rules (values >= 1, duplicates dropped) are the same.
void readAxis(FieldReader& f, const char* key, std::vector<std::int64_t>& out) {
    const Json* v = f.find(key);
    if (!v) return;
    std::string text;
    if (v->is_string()) {
        text = v->get<std::string>();
    } else if (v->is_array()) {
        for (const Json& item : *v) {
            if (!item.is_number_integer()) return f.fail(key, "an array of integers or a list like \"1:4096:x2\"");
            if (!text.empty()) text += ',';
            text += std::to_string(item.get<std::int64_t>());
        }
    } else {
        return f.fail(key, "an array of integers or a list like \"1:4096:x2\"");
    }
    auto values = parseIntList(text, key);
    if (values) out = std::move(values.value());
    else f.failWith(std::string(kSpecContext) + ": " + values.error());
}

// A list key may also hold one bare value: "kernels": "marlin" means ["marlin"].
template <class T, class IsItem>
void readList(FieldReader& f, const char* key, std::vector<T>& out, IsItem isItem, const char* rule) {
    const Json* v = f.find(key);
    if (!v) return;
    const Json list = v->is_array() ? *v : Json::array({*v});
    std::vector<T> values;
    for (const Json& item : list) {
        if (!isItem(item)) return f.fail(key, rule);
        values.push_back(item.get<T>());
    }
    if (values.empty()) return f.fail(key, rule);
    out = std::move(values);
}

}  // namespace

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
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Status::failure(cannotOpen(path, "writing"));
    const std::string text = resultToJson(result) + "\n";
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) return Status::failure("error writing '" + path + "': " + std::strerror(errno));
    return Status::success();
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
    j["group_sizes"] = spec.groupSizes;
    j["act_order"] = toString(spec.actOrder);
    j["symmetric"] = spec.symmetric;
    j["zero_format"] = toString(spec.zeroFormat);
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
                       {"l2", t.coldL2 ? "cold" : "hot"},
                       {"cuda_graph", t.cudaGraph}};
    return dump(j, 2);
}

Expected<SweepSpec> sweepSpecFromJson(const std::string& json) {
    auto parsed = parseJson(json, kSpecContext);
    if (!parsed) return Error{parsed.error()};
    const Json& j = *parsed;
    if (!j.is_object()) return Error{std::string(kSpecContext) + ": must be a JSON object"};

    static const std::set<std::string> known = {"m",         "n",         "k",           "preset",  "group_sizes",
                                                "act_order", "symmetric", "zero_format", "kernels", "backend",
                                                "seed",      "tolerance", "timing"};
    if (std::string error = unknownKeyError(j, known, ""); !error.empty()) return Error{error};

    SweepSpec spec;
    FieldReader f(j, kSpecContext);
    readAxis(f, "m", spec.m);
    readAxis(f, "n", spec.n);
    readAxis(f, "k", spec.k);
    f.text("preset", spec.preset);

    readList(
        f, "group_sizes", spec.groupSizes,
        [](const Json& item) { return item.is_number_integer() && std::in_range<int>(item.get<std::int64_t>()); },
        "a non-empty array of integers");
    readList(f, "symmetric", spec.symmetric, [](const Json& item) { return item.is_boolean(); },
             "true, false or a non-empty array of them");
    readList(f, "kernels", spec.kernels, [](const Json& item) { return item.is_string(); },
             "a non-empty array of kernel names");

    if (const Json* v = f.find("act_order")) {
        // true and false are accepted as yes and no.
        std::string text;
        if (v->is_boolean()) text = v->get<bool>() ? "yes" : "no";
        else if (v->is_string()) text = v->get<std::string>();
        if (auto mode = parseActOrder(text)) spec.actOrder = *mode;
        else f.fail("act_order", "one of \"no\", \"yes\", \"both\"");
    }

    if (const Json* v = f.find("zero_format")) {
        const std::string text = v->is_string() ? v->get<std::string>() : "";
        if (auto format = parseZeroFormat(text)) spec.zeroFormat = *format;
        else f.fail("zero_format", "one of \"v1\", \"v2\" (or \"gptq\", \"gptq_v2\")");
    }

    f.text("backend", spec.backend);
    f.integer("seed", spec.seed);
    f.number("tolerance", spec.tolerance);

    if (const Json* v = f.find("timing")) {
        static const std::set<std::string> timingKeys = {"warmup",    "min_samples", "min_time_s", "max_noise",
                                                         "timeout_s", "l2",          "cuda_graph"};
        if (!v->is_object()) return Error{std::string(kSpecContext) + ": 'timing' must be an object"};
        if (std::string error = unknownKeyError(*v, timingKeys, "timing."); !error.empty()) return Error{error};
        TimingOptions& t = spec.timing;
        FieldReader g(*v, kSpecContext, "timing.");
        g.integer("warmup", t.warmup);
        g.integer("min_samples", t.minSamples);
        g.number("min_time_s", t.minTimeSeconds);
        g.number("max_noise", t.maxNoise);
        g.number("timeout_s", t.timeoutSeconds);
        if (const Json* l2 = g.find("l2")) {
            const std::string mode = l2->is_string() ? l2->get<std::string>() : "";
            if (mode == "cold" || mode == "hot") t.coldL2 = mode == "cold";
            else g.fail("l2", "\"cold\" or \"hot\"");
        }
        g.boolean("cuda_graph", t.cudaGraph);
        f.merge(g);
    }

    if (!f.ok()) return Error{f.error()};
    return spec;
}

Expected<SweepSpec> readSweepSpecFile(const std::string& path) {
    auto text = readTextFile(path);
    if (!text) return Error{text.error()};
    auto spec = sweepSpecFromJson(*text);
    if (!spec) return Error{"'" + path + "': " + spec.error()};
    return spec;
}

}  // namespace q4
