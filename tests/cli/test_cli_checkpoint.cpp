// q4bench-cli on GPTQ checkpoints written by the test writer: inspect, checkpoint sweeps on the
// CPU backend, conflicting flags, and the malformed corpus.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"
#include "../support/test_checkpoint.h"
#include "io/csv_writer.h"

namespace {

using q4test::CliResult;
using q4test::runCli;

std::string readText(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const std::string kQuickTiming = "--warmup 1 --min-samples 3 --min-time 0 --max-noise 1 --timeout 5";

struct Variant {
    std::string args;
    bool actOrder = false;
    std::string zeroFormat = "v1";
    int groupSize = 128;
    bool symmetric = true;
    int linearLayers = 14;  // 2 decoder layers x (q, k, v, o, gate, up, down)
};

class CheckpointVariants : public ::testing::TestWithParam<Variant> {};

TEST_P(CheckpointVariants, InspectListsEveryLayerAndACpuSweepValidatesEveryRecord) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const Variant& v = GetParam();
    const auto dir = q4test::writeTestCheckpoint("inspect", v.args);
    ASSERT_FALSE(dir.empty()) << "the writer failed for: " << v.args;
    const auto json = dir / "inspect.json";

    const CliResult run = runCli("inspect " + dir.string() + " --json " + json.string());
    ASSERT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find("model.layers.1.mlp.down_proj"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("architecture: llama, hidden 256, 2 layers"), std::string::npos) << run.output;

    const auto document = nlohmann::json::parse(readText(json));
    EXPECT_EQ(document.at("architecture").at("hidden_size"), 256);
    EXPECT_EQ(document.at("architecture").at("num_key_value_heads"), 2);
    const auto& layers = document.at("layers");
    ASSERT_EQ(int(layers.size()), v.linearLayers);
    for (const auto& layer : layers) {
        SCOPED_TRACE(layer.dump());
        EXPECT_EQ(layer.at("group_size"), v.groupSize);
        EXPECT_EQ(layer.at("act_order"), v.actOrder);
        EXPECT_EQ(layer.at("zero_format"), v.zeroFormat);
        EXPECT_EQ(layer.at("symmetric"), v.symmetric);
        const double norm = layer.at("dequant_fro_norm");
        EXPECT_TRUE(norm > 0 && std::isfinite(norm));
        const std::int64_t n = layer.at("n"), k = layer.at("k");
        EXPECT_TRUE(n % 8 == 0 && k % 8 == 0 && n > 0 && k > 0);
    }

    // The same checkpoint swept at m = 1 on the CPU: every layer, every kernel, every record validated.
    const auto csv = dir / "sweep.csv";
    const CliResult sweep = runCli("--checkpoint " + dir.string() + " --backend cpu --m 1 " + kQuickTiming +
                                   " --csv " + csv.string());
    ASSERT_EQ(sweep.exitCode, 0) << sweep.output;
    auto records = q4::readCsvFile(csv.string());
    ASSERT_TRUE(records.ok()) << records.error();
    EXPECT_EQ(int(records->size()), 2 * v.linearLayers);  // two CPU kernels
    for (const q4::Record& r : *records)
        EXPECT_EQ(r.status, q4::RecordStatus::Ok) << r.layer << " " << r.kernel << ": " << r.message;
    std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Writer, CheckpointVariants,
    ::testing::Values(Variant{""}, Variant{"--shards 3"}, Variant{"--format v2", false, "v2"},
                      Variant{"--asym", false, "v1", 128, false}, Variant{"--asym --format v2", false, "v2", 128, false},
                      Variant{"--group 32", false, "v1", 32}, Variant{"--group -1", false, "v1", -1},
                      Variant{"--act-order", true}, Variant{"--no-g-idx"}, Variant{"--bias"},
                      Variant{"--fused", false, "v1", 128, true, 8}));

// The columns of a CSV the CLI wrote, by name, for each data row.
std::vector<std::map<std::string, std::string>> csvRows(const std::filesystem::path& path) {
    auto records = q4::readCsvFile(path.string());
    EXPECT_TRUE(records.ok()) << (records.ok() ? "" : records.error());
    std::vector<std::map<std::string, std::string>> rows;
    if (!records) return rows;
    for (const q4::Record& r : *records)
        rows.push_back({{"checkpoint", r.checkpoint},
                        {"layer", r.layer},
                        {"kernel", r.kernel},
                        {"status", std::string(q4::nameOf(r.status))},
                        {"message", r.message},
                        {"act_order", r.actOrder ? "yes" : "no"}});
    return rows;
}

TEST(CliCheckpoint, SweepRunsEveryLayerWithTheCheckpointsTensorsAndValidatesEveryRecord) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("sweep", "--act-order --asym --shards 2");
    ASSERT_FALSE(dir.empty());
    const auto csv = dir.parent_path() / (dir.filename().string() + ".csv");
    const CliResult run = runCli("--checkpoint " + dir.string() + " --backend cpu --m 1,3 " + kQuickTiming +
                                 " --csv " + csv.string());
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto rows = csvRows(csv);
    std::set<std::string> layers;
    for (const auto& row : rows) {
        EXPECT_EQ(row.at("status"), "ok") << row.at("kernel") << " " << row.at("layer") << ": " << row.at("message");
        EXPECT_EQ(row.at("checkpoint"), dir.filename().string());
        EXPECT_EQ(row.at("act_order"), "yes");
        layers.insert(row.at("layer"));
    }
    EXPECT_EQ(layers.size(), 14u);
    EXPECT_TRUE(layers.count("model.layers.0.self_attn.q_proj"));
    std::filesystem::remove(csv);
    std::filesystem::remove_all(dir);
}

TEST(CliCheckpoint, LayerPatternAndUniqueShapesNarrowTheSweep) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("narrow", "");
    ASSERT_FALSE(dir.empty());
    const auto csv = dir.parent_path() / (dir.filename().string() + ".csv");
    const std::string common = "--checkpoint " + dir.string() + " --backend cpu --m 1 --kernels cpu_fp32_reference " +
                               kQuickTiming + " --csv " + csv.string();

    CliResult run = runCli(common + " --layers 'self_attn\\.(q|k)_proj'");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    EXPECT_EQ(csvRows(csv).size(), 4u);  // q and k of both decoder layers

    // Both decoder layers share every shape; v_proj shares k_proj's, o_proj q_proj's and up_proj
    // gate_proj's: q, k, gate and down remain.
    run = runCli(common + " --unique-shapes");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    std::set<std::string> layers;
    for (const auto& row : csvRows(csv)) layers.insert(row.at("layer"));
    EXPECT_EQ(layers, (std::set<std::string>{"model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                                             "model.layers.0.mlp.gate_proj", "model.layers.0.mlp.down_proj"}));
    std::filesystem::remove(csv);
    std::filesystem::remove_all(dir);
}

TEST(CliCheckpoint, FlagsThatWouldOverrideTheCheckpointAreRefused) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("conflict", "");
    ASSERT_FALSE(dir.empty());
    for (const std::string flag : {"--group-size 64", "--act-order yes", "--n 256", "--preset llama2-7b"}) {
        const CliResult run = runCli("--checkpoint " + dir.string() + " --backend cpu " + flag);
        EXPECT_EQ(run.exitCode, 2) << flag << ": " << run.output;
        EXPECT_NE(run.output.find(flag.substr(0, flag.find(' '))), std::string::npos) << run.output;
    }
    CliResult run = runCli("--checkpoint " + dir.string() + " --backend cpu --layers '('");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("not a valid regular expression"), std::string::npos) << run.output;
    run = runCli("--checkpoint " + dir.string() + " --backend cpu --layers no_such_layer");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("no layer matches 'no_such_layer'"), std::string::npos) << run.output;
    run = runCli("--backend cpu --layers q_proj");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("--layers: needs --checkpoint"), std::string::npos) << run.output;
    run = runCli("--checkpoint /no/such/checkpoint --backend cpu");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("/no/such/checkpoint"), std::string::npos) << run.output;
    std::filesystem::remove_all(dir);
}

TEST(CliCheckpoint, EveryMalformedCheckpointGetsItsNamedErrorAndExitCode2) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto corpus = q4test::writeMalformedCorpus("malformed");
    ASSERT_FALSE(corpus.empty());
    int cases = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        if (!entry.is_directory()) continue;
        ++cases;
        std::string expected = readText(entry.path() / "expect.txt");
        while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
        const CliResult run = runCli("inspect " + entry.path().string());
        EXPECT_EQ(run.exitCode, 2) << entry.path().filename() << ": " << run.output;
        EXPECT_NE(run.output.find(expected), std::string::npos)
            << entry.path().filename() << ": expected '" << expected << "' in: " << run.output;
    }
    EXPECT_GE(cases, 10);
    std::filesystem::remove_all(corpus);
}

}  // namespace
