// JSON results and sweep specs: exact round trips, schema versions, and errors that name the field.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/csv_writer.h"
#include "io/json_io.h"

namespace q4 {
namespace {

using nlohmann::json;

std::string jsonTempPath(const std::string& name) { return ::testing::TempDir() + "q4_json_" + name; }

// Every field set, with doubles that have no short decimal form.
Record fullRecord() {
    Record r;
    r.runId = "20240611-142233-h100";
    r.index = 3;
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.kernel = "exllama_v2";
    r.family = "exllama";
    r.path = "q4_matmul.m_count=2";
    r.layer = "llama2-13b.down_proj";
    r.m = 2;
    r.n = 5120;
    r.k = 13824;
    r.groupSize = 128;
    r.actOrder = true;
    r.symmetric = false;
    r.zeroFormat = ZeroFormat::V1;
    r.l2Mode = L2Mode::Hot;
    r.cudaGraph = true;
    r.streamCopies = 9;
    r.sparsity = Sparsity::Sparse16of32;
    r.pruningError = 0.25;
    r.seed = 18446744073709551557ull;  // above int64, to catch signed storage
    r.status = RecordStatus::Ok;
    r.message = "path \"fallback\", reason: m < 4";
    r.timedOut = false;
    r.time = {143, 4.4130859375e-5, 4.4213e-5, 1.0 / 3.0 * 1e-6, 0.0075391, 4.31e-5, 4.7e-5, 4.35e-5, 4.52e-5};
    r.relError = 0.1 + 0.2;
    r.bytes = 35532800;
    r.flops = 2.0 * 2 * 5120 * 13824;
    r.gbps = 35532800 / 4.4130859375e-5 / 1e9;
    r.tflops = 283115520 / 4.4130859375e-5 / 1e12;
    r.floorSeconds = 1.0608e-5;
    r.fractionOfFloor = 1.0608e-5 / 4.4130859375e-5;
    r.speedupVsBaseline = 2.0 / 3.0;
    r.permuteSeconds = 1.9e-6;
    r.mem = {35389440, 1105920, 138240, 55296, 55296, 20480, 1 << 20};
    r.memPeakBytes = r.mem.total();
    r.prepareSeconds = 0.0123;
    r.smClockMhz = 1755;
    r.powerWatts = 402.25;
    r.temperatureC = 61;
    r.energyJoulesPerOp = 1.7751e-2;
    r.throttleReasons = 4;
    return r;
}

// Nothing optional measured: these must come back absent, not zero.
Record sparseRecord() {
    Record r;
    r.runId = "20240611-142233-h100";
    r.index = 4;
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.kernel = "gptq_triton";
    r.family = "triton";
    r.m = 64;
    r.n = 4096;
    r.k = 11008;
    r.status = RecordStatus::Unsupported;
    r.message = "triton is not installed";
    return r;
}

void expectSameJsonRecord(const Record& a, const Record& b) {
    EXPECT_EQ(recordToJson(a), recordToJson(b));  // every field at once, as the file stores it
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(a.relError, b.relError);
    EXPECT_EQ(a.gbps, b.gbps);
    EXPECT_EQ(a.fractionOfFloor, b.fractionOfFloor);
    EXPECT_EQ(a.speedupVsBaseline, b.speedupVsBaseline);
    EXPECT_EQ(a.mem.workspace, b.mem.workspace);
    EXPECT_EQ(a.throttleReasons, b.throttleReasons);
    // Times pass through milliseconds and may move by an ulp.
    EXPECT_DOUBLE_EQ(a.time.median, b.time.median);
    EXPECT_DOUBLE_EQ(a.time.stdev, b.time.stdev);
    EXPECT_DOUBLE_EQ(a.prepareSeconds, b.prepareSeconds);
}

RunInfo sampleRunInfo() {
    RunInfo info;
    info.runId = "20240611-142233-h100";
    info.projectVersion = "0.1.0";
    info.startedUtc = "2024-06-11T14:22:33Z";
    info.finishedUtc = "2024-06-11T14:31:02Z";
    info.host = "gpu-node-17";
    info.backend = "cuda";
    info.device = {"NVIDIA H100 80GB HBM3", "9.0", 132, 85029158912, 52428800, 5120, 1980, 2619,
                   "550.54.15", "12.4", "12.4.5"};
    info.ceilings.copyBytesPerSecond = 2.9157e12;
    info.ceilings.fp16FlopsPerSecond = 7.3131e14;
    SweepSpec spec;
    spec.m = {1, 16, 64};
    spec.preset = "llama2-7b";
    info.specJson = sweepSpecToJson(spec);
    info.commandLine = "q4bench-cli --preset llama2-7b --m 1,16,64 --out run.json";
    return info;
}

TEST(RecordJson, RoundTripAllFields) {
    const Record original = fullRecord();
    const std::string text = recordToJson(original);
    EXPECT_EQ(text.find('\n'), std::string::npos);  // one line

    auto back = recordFromJson(text);
    ASSERT_TRUE(back.ok()) << back.error();
    expectSameJsonRecord(*back, original);
}

TEST(RecordJson, DoublesAreExactInTheFile) {
    const Record r = fullRecord();
    const json j = json::parse(recordToJson(r));
    EXPECT_EQ(j["rel_error"].get<double>(), 0.1 + 0.2);
    EXPECT_EQ(j["speedup_vs_baseline"].get<double>(), 2.0 / 3.0);
    EXPECT_EQ(j["time_ms_median"].get<double>(), r.time.median * 1e3);
    EXPECT_EQ(j["time_ms_stdev"].get<double>(), r.time.stdev * 1e3);
    EXPECT_EQ(j["seed"].get<std::uint64_t>(), 18446744073709551557ull);
    EXPECT_EQ(j["mem_workspace_bytes"].get<std::int64_t>(), 1 << 20);
    EXPECT_FALSE(j.contains("mem"));  // schema 2 is flat, like the CSV
    EXPECT_EQ(j["mem_peak_bytes"].get<std::int64_t>(), r.mem.total());
    EXPECT_EQ(j["status"], "ok");
}

TEST(RecordJson, AbsentOptionalsAreNull) {
    const json j = json::parse(recordToJson(sparseRecord()));
    for (const char* key : {"rel_error", "gbps", "tflops", "floor_ms", "fraction_of_floor", "speedup_vs_baseline",
                            "permute_ms", "sm_clock_mhz", "power_w", "temperature_c", "energy_j_per_op",
                            "throttle_reasons", "stream_copies", "pruning_error"})
        EXPECT_TRUE(j.at(key).is_null()) << key;

    auto back = recordFromJson(j.dump());
    ASSERT_TRUE(back.ok()) << back.error();
    expectSameJsonRecord(*back, sparseRecord());
    EXPECT_FALSE(back->relError.has_value());
    EXPECT_FALSE(back->powerWatts.has_value());
}

TEST(RecordJson, NonFiniteNumbersSurvive) {
    Record r = fullRecord();
    r.status = RecordStatus::Incorrect;
    r.relError = std::numeric_limits<double>::infinity();  // the output held NaN/Inf
    r.time.cv = std::numeric_limits<double>::quiet_NaN();
    auto back = recordFromJson(recordToJson(r));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_TRUE(std::isinf(*back->relError));
    EXPECT_TRUE(std::isnan(back->time.cv));
}

TEST(RecordJson, ErrorsNameTheField) {
    json j = json::parse(recordToJson(fullRecord()));
    j["m"] = "sixteen";
    auto badM = recordFromJson(j.dump());
    ASSERT_FALSE(badM.ok());
    EXPECT_EQ(badM.error(), "record: 'm' must be an integer");

    j = json::parse(recordToJson(fullRecord()));
    j["mem_weights_bytes"] = 1.5;
    auto badMem = recordFromJson(j.dump());
    ASSERT_FALSE(badMem.ok());
    EXPECT_EQ(badMem.error(), "record: 'mem_weights_bytes' must be an integer");

    j = json::parse(recordToJson(fullRecord()));
    j["m"] = std::int64_t(1) << 62;
    EXPECT_NE(recordFromJson(j.dump()).error().find("'m' must be from 1 to"), std::string::npos);
    j["m"] = 16;
    j["time_ms_median"] = -1;
    EXPECT_NE(recordFromJson(j.dump()).error().find("'time_ms_median' must be from 0"), std::string::npos);
    j["time_ms_median"] = "inf";
    EXPECT_NE(recordFromJson(j.dump()).error().find("'time_ms_median' must be a finite number"), std::string::npos);

    j = json::parse(recordToJson(fullRecord()));
    j["status"] = "fine";
    auto badStatus = recordFromJson(j.dump());
    ASSERT_FALSE(badStatus.ok());
    EXPECT_NE(badStatus.error().find("'status'"), std::string::npos);

    j = json::parse(recordToJson(fullRecord()));
    j.erase("kernel");
    auto noKernel = recordFromJson(j.dump());
    ASSERT_FALSE(noKernel.ok());
    EXPECT_NE(noKernel.error().find("'kernel'"), std::string::npos);

    EXPECT_FALSE(recordFromJson("{\"kernel\": ").ok());
}

TEST(RunInfoJson, RoundTripAllFields) {
    const RunInfo original = sampleRunInfo();
    const std::string text = runInfoToJson(original);
    const json j = json::parse(text);
    EXPECT_EQ(j["schema_version"], kSchemaVersion);
    EXPECT_TRUE(j["spec"].is_object());  // embedded, not a string
    EXPECT_EQ(j["ceilings"]["copy_gbps"].get<double>(), 2915.7);
    EXPECT_EQ(j["device"]["compute_capability"], "9.0");

    auto back = runInfoFromJson(text);
    ASSERT_TRUE(back.ok()) << back.error();
    const RunInfo& r = *back;
    EXPECT_EQ(r.schemaVersion, original.schemaVersion);
    EXPECT_EQ(r.runId, original.runId);
    EXPECT_EQ(r.projectVersion, original.projectVersion);
    EXPECT_EQ(r.startedUtc, original.startedUtc);
    EXPECT_EQ(r.finishedUtc, original.finishedUtc);
    EXPECT_EQ(r.host, original.host);
    EXPECT_EQ(r.backend, original.backend);
    EXPECT_EQ(r.commandLine, original.commandLine);
    EXPECT_EQ(r.device.name, original.device.name);
    EXPECT_EQ(r.device.computeCapability, original.device.computeCapability);
    EXPECT_EQ(r.device.multiprocessors, original.device.multiprocessors);
    EXPECT_EQ(r.device.memoryBytes, original.device.memoryBytes);
    EXPECT_EQ(r.device.l2Bytes, original.device.l2Bytes);
    EXPECT_EQ(r.device.busWidthBits, original.device.busWidthBits);
    EXPECT_EQ(r.device.smClockMhz, original.device.smClockMhz);
    EXPECT_EQ(r.device.memoryClockMhz, original.device.memoryClockMhz);
    EXPECT_EQ(r.device.driverVersion, original.device.driverVersion);
    EXPECT_EQ(r.device.runtimeVersion, original.device.runtimeVersion);
    EXPECT_EQ(r.device.cublasVersion, original.device.cublasVersion);
    EXPECT_DOUBLE_EQ(*r.ceilings.copyBytesPerSecond, *original.ceilings.copyBytesPerSecond);
    EXPECT_DOUBLE_EQ(*r.ceilings.fp16FlopsPerSecond, *original.ceilings.fp16FlopsPerSecond);
    EXPECT_EQ(json::parse(r.specJson), json::parse(original.specJson));
}

TEST(RunInfoJson, AbsentCeilingsAndSpecAreNull) {
    RunInfo info = sampleRunInfo();
    info.finishedUtc.clear();
    info.ceilings = {};
    info.specJson.clear();
    const json j = json::parse(runInfoToJson(info));
    EXPECT_TRUE(j["ceilings"]["copy_gbps"].is_null());
    EXPECT_TRUE(j["ceilings"]["fp16_tflops"].is_null());
    EXPECT_TRUE(j["spec"].is_null());

    auto back = runInfoFromJson(j.dump());
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_FALSE(back->ceilings.copyBytesPerSecond.has_value());
    EXPECT_TRUE(back->specJson.empty());
    EXPECT_TRUE(back->finishedUtc.empty());
}

TEST(RunInfoJson, ErrorsNameTheField) {
    json j = json::parse(runInfoToJson(sampleRunInfo()));
    j["device"]["multiprocessors"] = "many";
    auto bad = runInfoFromJson(j.dump());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("'device.multiprocessors'"), std::string::npos) << bad.error();
}

TEST(ResultJson, RoundTripThroughAFile) {
    RunResult result{sampleRunInfo(), {fullRecord(), sparseRecord(), fullRecord()}};
    result.records[2].index = 5;
    result.records[2].m = 4096;
    const std::string text = resultToJson(result);
    EXPECT_NE(text.find("\n  \"run\": {"), std::string::npos);  // pretty-printed with indent 2
    EXPECT_EQ(json::parse(text)["schema_version"], 2);

    const std::string path = jsonTempPath("result.json");
    ASSERT_TRUE(writeResultFile(path, result).ok());
    auto back = readResultFile(path);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(runInfoToJson(back->info), runInfoToJson(result.info));
    ASSERT_EQ(back->records.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE("record " + std::to_string(i));
        expectSameJsonRecord(back->records[i], result.records[i]);
    }
}

// Files written before schema 2 (memory breakdown nested under "mem") still read, with the same values.
TEST(ResultJson, ReadsSchema1FilesOfEarlierRuns) {
    for (const char* name : {"original.json", "batch.json"}) {
        const std::string path = std::string(Q4BENCH_SOURCE_DIR) + "/docs/results/h100-2026-11-22/" + name;
        auto run = readResultFile(path);
        ASSERT_TRUE(run.ok()) << run.error();
        ASSERT_FALSE(run->records.empty());
        EXPECT_EQ(run->info.schemaVersion, 1);
        const json raw = json::parse(std::ifstream(path));
        const json& first = raw["records"][0];
        EXPECT_EQ(run->records[0].mem.weights, first["mem"]["weights"].get<std::int64_t>());
        EXPECT_EQ(run->records[0].mem.workspace, first["mem"]["workspace"].get<std::int64_t>());
        EXPECT_EQ(run->records[0].kernel, first["kernel"].get<std::string>());
        EXPECT_EQ(run->records[0].time.median * 1e3, first["time_ms_median"].get<double>());
    }
}

// The CSV files of earlier runs read as they are, with the same values as their JSON twins.
TEST(ResultJson, EarlierCsvFilesMatchTheirJson) {
    const std::string dir = std::string(Q4BENCH_SOURCE_DIR) + "/docs/results/h100-2026-11-22/";
    auto csv = readCsvFile(dir + "original.csv");
    auto run = readResultFile(dir + "original.json");
    ASSERT_TRUE(csv.ok()) << csv.error();
    ASSERT_TRUE(run.ok()) << run.error();
    ASSERT_EQ(csv->size(), run->records.size());
    for (std::size_t i = 0; i < csv->size(); ++i) {
        EXPECT_EQ((*csv)[i].kernel, run->records[i].kernel);
        EXPECT_EQ((*csv)[i].mem.weights, run->records[i].mem.weights);
        EXPECT_EQ((*csv)[i].time.median, run->records[i].time.median);
    }
}

TEST(ResultJson, RejectsNewerSchemaVersions) {
    json j = json::parse(resultToJson({sampleRunInfo(), {fullRecord()}}));
    j["schema_version"] = 7;
    auto newer = resultFromJson(j.dump());
    ASSERT_FALSE(newer.ok());
    EXPECT_EQ(newer.error(), "schema_version 7 is newer than this build reads (2)");

    j.erase("schema_version");
    auto missing = resultFromJson(j.dump());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("schema_version"), std::string::npos);

    j["schema_version"] = 1;
    j["records"][0]["k"] = -2.5;
    auto badRecord = resultFromJson(j.dump());
    ASSERT_FALSE(badRecord.ok());
    EXPECT_NE(badRecord.error().find("record 0: 'k'"), std::string::npos) << badRecord.error();
}

TEST(ResultJson, FileErrorsNameThePath) {
    const std::string path = jsonTempPath("no_such_dir/x.json");
    const Status written = writeResultFile(path, {});
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.message, "cannot write '" + path + "': No such file or directory") << written.message;

    auto read = readResultFile(path);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().find(path), std::string::npos);
}

// ---- sweep spec ----------------------------------------------------------------------------

TEST(SweepSpecJson, DefaultsRoundTrip) {
    auto back = sweepSpecFromJson(sweepSpecToJson(SweepSpec{}));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(sweepSpecToJson(*back), sweepSpecToJson(SweepSpec{}));

    auto empty = sweepSpecFromJson("{}");  // every key is optional
    ASSERT_TRUE(empty.ok()) << empty.error();
    EXPECT_EQ(sweepSpecToJson(*empty), sweepSpecToJson(SweepSpec{}));
}

TEST(SweepSpecJson, FullSpecRoundTrip) {
    SweepSpec spec;
    spec.m = {1, 2, 4, 8, 16, 4096};
    spec.n = {4096, 11008};
    spec.k = {4096};
    spec.preset = "llama2-7b";
    spec.groupSizes = {32, 128, -1};
    spec.actOrder = YesNoBoth::Both;
    spec.symmetric = valuesOf(YesNoBoth::Both);
    spec.zeroFormat = ZeroFormat::V2;
    spec.kernels = {"marlin", "exllama_v2", "cublas_fp16"};
    spec.backend = "cpu";
    spec.seed = 42;
    spec.tolerance = 0.02;
    spec.timing = {5, 20, 1.5, 0.001, 30, L2Mode::Hot, true};

    const std::string text = sweepSpecToJson(spec);
    const json j = json::parse(text);
    EXPECT_TRUE(j["m"].is_array());
    EXPECT_EQ(j["timing"]["l2"], "hot");

    auto back = sweepSpecFromJson(text);
    ASSERT_TRUE(back.ok()) << back.error();
    const SweepSpec& b = *back;
    EXPECT_EQ(b.m, spec.m);
    EXPECT_EQ(b.n, spec.n);
    EXPECT_EQ(b.k, spec.k);
    EXPECT_EQ(b.preset, spec.preset);
    EXPECT_EQ(b.groupSizes, spec.groupSizes);
    EXPECT_EQ(b.actOrder, spec.actOrder);
    EXPECT_EQ(b.symmetric, spec.symmetric);
    EXPECT_EQ(b.zeroFormat, spec.zeroFormat);
    EXPECT_EQ(b.kernels, spec.kernels);
    EXPECT_EQ(b.backend, spec.backend);
    EXPECT_EQ(b.seed, spec.seed);
    EXPECT_EQ(b.tolerance, spec.tolerance);
    EXPECT_EQ(b.timing.warmup, 5);
    EXPECT_EQ(b.timing.minSamples, 20);
    EXPECT_EQ(b.timing.minTimeSeconds, 1.5);
    EXPECT_EQ(b.timing.maxNoise, 0.001);
    EXPECT_EQ(b.timing.timeoutSeconds, 30);
    EXPECT_EQ(b.timing.l2, L2Mode::Hot);
    EXPECT_TRUE(b.timing.cudaGraph);
}

TEST(SweepSpecJson, AcceptsListStringsAndBareValues) {
    auto spec = sweepSpecFromJson(R"({"m": "1:4096:x2", "n": "256:4096:+256", "k": [4096, 4096],
                                      "symmetric": false, "kernels": "marlin", "group_sizes": 64,
                                      "act_order": "on", "zero_format": "gptq_v2"})");
    ASSERT_TRUE(spec.ok()) << spec.error();
    EXPECT_EQ(spec->m.size(), 13u);
    EXPECT_EQ(spec->n.size(), 16u);
    EXPECT_EQ(spec->k, (std::vector<std::int64_t>{4096}));
    EXPECT_EQ(spec->symmetric, (std::vector<bool>{false}));
    EXPECT_EQ(spec->kernels, (std::vector<std::string>{"marlin"}));
    EXPECT_EQ(spec->groupSizes, (std::vector<int>{64}));
    EXPECT_EQ(spec->actOrder, YesNoBoth::Yes);
    EXPECT_EQ(spec->zeroFormat, ZeroFormat::V2);
}

std::string specError(const std::string& json) {
    auto spec = sweepSpecFromJson(json);
    EXPECT_FALSE(spec.ok()) << json;
    return spec.ok() ? std::string() : spec.error();
}

TEST(SweepSpecJson, UnknownKeysAndWrongTypesAreNamed) {
    EXPECT_EQ(specError(R"({"kernal": ["marlin"]})"), "sweep spec: unknown key 'kernal'");
    EXPECT_EQ(specError(R"({"timing": {"warmpu": 3}})"), "sweep spec: unknown key 'timing.warmpu'");
    EXPECT_EQ(specError(R"({"seed": -1})"),
              "sweep spec: seed: '-1' must be an integer from 0 to 18446744073709551615");
    EXPECT_EQ(specError(R"({"seed": 18446744073709551616})"),
              "sweep spec: seed: '18446744073709551616' must be an integer from 0 to 18446744073709551615");
    EXPECT_NE(specError(R"({"m": [1, [2]]})").find("'m'"), std::string::npos);
    EXPECT_NE(specError(R"({"group_sizes": [18446744073709551615]})").find("group_sizes"), std::string::npos);
    EXPECT_EQ(specError(R"({"m": [0, 2]})"), "sweep spec: m: '0' must be >= 1");
    EXPECT_EQ(specError(R"({"n": "4:1:x2"})"), "sweep spec: n: range '4:1:x2' has start 4 greater than end 1");
    EXPECT_EQ(specError(R"({"tolerance": "tight"})"),
              "sweep spec: tolerance: 'tight' must be a number > 0 and <= 1e+06");
    EXPECT_EQ(specError(R"({"timing": {"l2": "warm"}})"), "sweep spec: timing.l2: 'warm' must be one of cold, hot or stream");
    EXPECT_NE(specError(R"({"timing": {"cuda_graph": 2}})").find("timing.cuda_graph:"), std::string::npos);
    EXPECT_NE(specError(R"({"timing": {"min_time_s": "inf"}})").find("timing.min_time_s:"), std::string::npos);
    EXPECT_EQ(specError(R"({"act_order": "maybe"})"), "sweep spec: act_order: 'maybe' must be one of no, yes or both");
    EXPECT_EQ(specError(R"({"zero_format": "v3"})"), "sweep spec: zero_format: 'v3' must be one of v1 or v2");
    EXPECT_NE(specError(R"({"kernels": []})").find("kernels: the kernel list is empty"), std::string::npos);
    EXPECT_NE(specError(R"({"group_sizes": [128, 12]})").find("group_sizes: group size 12"), std::string::npos);
    EXPECT_NE(specError(R"({"symmetric": [true, 1]})").find("symmetric:"), std::string::npos);
    EXPECT_NE(specError(R"({"preset": "llama9"})").find("preset:"), std::string::npos);
    EXPECT_NE(specError("[1, 2]").find("must be a JSON object"), std::string::npos);
    EXPECT_NE(specError(R"({"m": [1, 2)").find("invalid JSON"), std::string::npos);
}

TEST(SweepSpecJson, ErrorsCarryTheFieldKey) {
    auto spec = sweepSpecFromJson(R"({"timing": {"warmup": -3}})");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.errorField(), "timing.warmup");
    auto deep = sweepSpecFromJson(std::string(100000, '[') + std::string(100000, ']'));
    ASSERT_FALSE(deep.ok());
    EXPECT_NE(deep.error().find("nested deeper than"), std::string::npos);
}

TEST(SweepSpecJson, ReadFileNamesThePath) {
    const std::string path = jsonTempPath("spec.json");
    {
        std::ofstream out(path);
        out << R"({"m": "1:16:x2", "preset": "llama2-7b", "kernal": "marlin"})";
    }
    auto spec = readSweepSpecFile(path);
    ASSERT_FALSE(spec.ok());
    EXPECT_NE(spec.error().find(path), std::string::npos);
    EXPECT_NE(spec.error().find("unknown key 'kernal'"), std::string::npos);

    auto missing = readSweepSpecFile(jsonTempPath("missing_spec.json"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("missing_spec.json"), std::string::npos);
}

}  // namespace
}  // namespace q4
