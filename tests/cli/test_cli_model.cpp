// q4bench-cli model: the model view headless, on the CPU backend's reference decoder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"

namespace {

using q4test::CliResult;
using q4test::runCli;

std::filesystem::path modelTempPath(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("q4bench_cli_model_" + std::to_string(::getpid()) + "_" + name);
}

std::string readModelFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const std::string kTiny =
    "model --preset tiny-llama --backend cpu --kernels cpu_fp32_reference --prompt 6 --new 4 "
    "--warmup 0 --min-generations 1 --max-noise 1";

TEST(CliModel, PrintsTheOriginsTableAndWritesCsvAndJson) {
    const auto csv = modelTempPath("m.csv"), json = modelTempPath("m.json");
    const CliResult run = runCli(kTiny + " --batch 1,2 --csv " + csv.string() + " --json " + json.string());
    ASSERT_EQ(run.exitCode, 0) << run.output;
    for (const char* heading : {"kernel", "load s", "TTFT ms", "ms/token", "tokens/s", "peak MB", "% floor"})
        EXPECT_NE(run.output.find(heading), std::string::npos) << heading << "\n" << run.output;
    EXPECT_NE(run.output.find("profiled step"), std::string::npos);
    EXPECT_NE(run.output.find("x the measured mean)"), std::string::npos) << run.output;

    std::istringstream rows(readModelFile(csv));
    std::string header, line;
    std::getline(rows, header);
    int records = 0;
    while (std::getline(rows, line)) ++records;
    EXPECT_EQ(records, 2);
    for (const char* column : {"model", "kernel", "batch", "prompt", "new_tokens", "load_s", "ttft_ms",
                               "per_token_ms_mean", "per_token_ms_p10", "per_token_ms_p90", "tokens_per_s",
                               "mem_peak_mb", "mem_kv_cache_bytes", "fraction_of_floor", "cuda_graph"})
        EXPECT_NE(("," + header + ",").find("," + std::string(column) + ","), std::string::npos) << column;

    const auto doc = nlohmann::json::parse(readModelFile(json));
    EXPECT_EQ(doc["kind"], "model");
    ASSERT_EQ(doc["records"].size(), 2u);
    const auto& second = doc["records"][1];
    EXPECT_EQ(second["batch"], 2);
    ASSERT_EQ(second["generated_tokens"].size(), 2u);
    EXPECT_EQ(second["generated_tokens"][0].size(), 4u);
    EXPECT_EQ(second["prompt_tokens"][1].size(), 6u);
    EXPECT_EQ(doc["run"]["architecture"]["hidden_size"], 256);
    std::filesystem::remove(csv);
    std::filesystem::remove(json);
}

TEST(CliModel, BadInputIsRefusedNamingTheFlag) {
    const struct {
        const char* args;
        const char* says;
    } cases[] = {
        {"model --backend cpu --batch 1", "preset/checkpoint"},
        {"model --preset original --backend cpu", "no model architecture"},
        {"model --preset tiny-llama --batch 0", "--batch"},
        {"model --preset tiny-llama --prompt abc", "--prompt"},
        {"model --preset tiny-llama --checkpoint /tmp", "one model"},
        {"model --preset tiny-llama --backend gpu9", "--backend"},
        {"model --preset tiny-llama --backend cpu --kernels nope", "nope"},
    };
    for (const auto& c : cases) {
        const CliResult run = runCli(c.args);
        EXPECT_EQ(run.exitCode, 2) << c.args << "\n" << run.output;
        EXPECT_NE(run.output.find(c.says), std::string::npos) << c.args << "\n" << run.output;
    }
}

TEST(CliModel, OutputsAreCheckedBeforeAnythingRuns) {
    const CliResult run = runCli(kTiny + " --csv /nonexistent-dir/m.csv");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("--csv"), std::string::npos);
    EXPECT_EQ(run.output.find("tokens/s"), std::string::npos) << "nothing should have run";
}

TEST(CliModel, ASpecFileGivesTheSameRun) {
    const auto spec = modelTempPath("spec.json");
    std::ofstream(spec) << R"({"preset": "tiny-llama", "backend": "cpu", "kernels": ["cpu_fp32_reference"],
                              "batch": [3], "prompt": 5, "new_tokens": 2, "timing.warmup": 0,
                              "timing.min_generations": 1, "timing.max_noise": 1})";
    const CliResult run = runCli("model --spec " + spec.string() + " --quiet");
    EXPECT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find("cpu_fp32_reference"), std::string::npos);
    EXPECT_NE(run.output.find(" ok "), std::string::npos) << run.output;
    std::ofstream(spec) << R"({"preset": "tiny-llama", "batchez": [3]})";
    const CliResult bad = runCli("model --spec " + spec.string());
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.output.find("batchez"), std::string::npos) << bad.output;
    std::filesystem::remove(spec);
}

}  // namespace
