// Runs the real q4bench-cli binary on the CPU backend and checks what it prints and writes.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "../support/cli_runner.h"
#include "io/csv_writer.h"
#include "io/json_io.h"

namespace {

using q4test::CliResult;
using q4test::runCli;
using q4test::runProgram;

std::filesystem::path tempPath(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("q4bench_cli_test_" + std::to_string(::getpid()) + "_" + name);
}

// Splits an unquoted CSV line, keeping empty fields (also a trailing one).
std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> fields(1);
    for (char c : line) {
        if (c == ',') fields.emplace_back();
        else fields.back() += c;
    }
    return fields;
}

const std::string kFastTiming = "--warmup 1 --min-samples 3 --min-time 0 --max-noise 1 --timeout 5";

TEST(CliEndToEnd, CpuSweepWritesOneValidatedRowPerPointAndKernel) {
    const auto csv = tempPath("out.csv");
    const auto json = tempPath("out.json");
    const CliResult run = runCli("--backend cpu --m 1,4 --n 256 --k 512 --group-size 128 --act-order both " +
                                 kFastTiming + " --csv " + csv.string() + " --json " + json.string());
    ASSERT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find("implementation"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("time ms/op"), std::string::npos);
    EXPECT_NE(run.output.find("max mem MB"), std::string::npos);
    for (const char* added : {" samples ", " cv ", " layer "}) EXPECT_NE(run.output.find(added), std::string::npos) << added;

    std::ifstream in(csv);
    std::string header;
    ASSERT_TRUE(std::getline(in, header));
    const auto columns = splitCsvLine(header);
    auto column = [&](const std::string& name) {
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (columns[i] == name) return i;
        ADD_FAILURE() << "no column " << name;
        return std::size_t(0);
    };
    const std::size_t kernel = column("kernel"), m = column("m"), n = column("n"), k = column("k"),
                      group = column("group_size"), actOrder = column("act_order"), status = column("status"),
                      error = column("rel_error"), time = column("time_ms_median"), backend = column("backend"),
                      mem = column("mem_peak_mb"), samples = column("samples");

    std::set<std::string> seen;
    int rows = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const auto f = splitCsvLine(line);
        ASSERT_EQ(f.size(), columns.size()) << line;
        ++rows;
        EXPECT_EQ(f[backend], "cpu");
        EXPECT_TRUE(f[m] == "1" || f[m] == "4") << line;
        EXPECT_EQ(f[n], "256");
        EXPECT_EQ(f[k], "512");
        EXPECT_EQ(f[group], "128");
        EXPECT_TRUE(f[actOrder] == "true" || f[actOrder] == "false");
        EXPECT_EQ(f[status], "ok") << line;
        EXPECT_LT(std::stod(f[error]), 1e-2) << line;
        EXPECT_GT(std::stod(f[time]), 0.0) << line;
        EXPECT_GT(std::stod(f[mem]), 0.0) << line;
        EXPECT_GE(std::stoi(f[samples]), 3) << line;
        seen.insert(f[kernel] + "/" + f[m] + "/" + f[actOrder]);
    }
    // 2 batch sizes x 2 act-orders x 2 CPU kernels, each exactly once.
    EXPECT_EQ(rows, 8);
    EXPECT_EQ(seen.size(), 8u);

    auto result = q4::readResultFile(json.string());
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->records.size(), 8u);
    EXPECT_EQ(result->info.backend, "cpu");
    EXPECT_FALSE(result->info.finishedUtc.empty());
    std::filesystem::remove(csv);
    std::filesystem::remove(json);
}

TEST(CliEndToEnd, KNotMultipleOfGroupSizeExitsTwoNamingBoth) {
    const CliResult run = runCli("--backend cpu --k 100 --group-size 128");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("k=100"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("group size 128"), std::string::npos) << run.output;
}

TEST(CliEndToEnd, BadFlagValuesExitTwoNamingTheFlag) {
    for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
             {"--backend cpu --m 0", "must be >= 1"},
             {"--backend cpu --act-order maybe", "act-order"},
             {"--backend cpu --kernels nope", "unknown kernel 'nope'"},
             {"--backend cpu --preset nope", "unknown preset 'nope'"},
             {"--backend cpu --l2 warm", "--l2"},
             {"--backend quantum", "--backend"},
             {"--backend cpu --n 100", "n=100"},
             {"--backend cpu --m \"\"", "--m: m: empty list"},
             {"--backend cpu --group-size \"\"", "--group-size: group_sizes: empty list"},
             {"--backend cpu --kernels \"\"", "--kernels: kernels: the kernel list is empty"},
             {"--backend cpu --seed -1", "--seed: seed: '-1' must be an integer from 0"},
             {"--backend cpu --seed 99999999999999999999", "--seed: seed:"},
             {"--backend cpu --min-time inf", "--min-time: timing.min_time_s: 'inf' must be a number"},
             {"--backend cpu --preset llama2-7b --n 256 --k 256", "a preset gives the shapes"},
             {"--backend cpu --m 1:100000:+1 --n 8:800000:+8 --k 256", "more than the limit of 1000000"},
         }) {
        const CliResult run = runCli(args);
        EXPECT_EQ(run.exitCode, 2) << args << "\n" << run.output;
        EXPECT_NE(run.output.find(expected), std::string::npos) << args << "\n" << run.output;
    }
}

TEST(CliEndToEnd, CudaWithoutDeviceSaysSoAndExitsTwo) {
    const CliResult devices = runCli("--list-devices");
    if (devices.output.find("backend cuda") == std::string::npos) {  // built without CUDA
        const CliResult run = runCli("--backend cuda --m 1 --n 256 --k 512");
        EXPECT_EQ(run.exitCode, 2) << run.output;
        EXPECT_NE(run.output.find("'cuda' is not a backend of this build"), std::string::npos) << run.output;
        return;
    }
    if (devices.output.find("no CUDA device") == std::string::npos) GTEST_SKIP() << "a CUDA device is present";
    const CliResult run = runCli("--backend cuda --m 1 --n 256 --k 512");
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("no CUDA device"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("--backend cpu"), std::string::npos) << run.output;
}

TEST(CliEndToEnd, ListsPresetsAndKernels) {
    const CliResult presets = runCli("--list-presets");
    EXPECT_EQ(presets.exitCode, 0);
    EXPECT_NE(presets.output.find("llama2-70b"), std::string::npos);
    const CliResult kernels = runCli("--backend cpu --list-kernels");
    EXPECT_EQ(kernels.exitCode, 0);
    EXPECT_NE(kernels.output.find("cpu_int4_fused"), std::string::npos);
    EXPECT_NE(kernels.output.find("cpu_fp32_reference"), std::string::npos);
}

TEST(CliEndToEnd, SweepFileIsReadAndFlagsOverrideIt) {
    const auto spec = tempPath("spec.json");
    const auto csv = tempPath("spec.csv");
    std::ofstream(spec) << R"({"m": "1:2:x2", "n": [64], "k": [256], "group_sizes": [64], "backend": "cpu",
                              "kernels": ["cpu_int4_fused"], "act_order": "yes"})";
    const CliResult run = runCli("--sweep " + spec.string() + " " + kFastTiming + " --seed 7 --csv " + csv.string());
    ASSERT_EQ(run.exitCode, 0) << run.output;
    auto records = q4::readCsvFile(csv.string());
    ASSERT_TRUE(records.ok()) << records.error();
    ASSERT_EQ(records->size(), 2u);
    for (const auto& r : records.value()) {
        EXPECT_EQ(r.kernel, "cpu_int4_fused");
        EXPECT_EQ(r.groupSize, 64);
        EXPECT_TRUE(r.actOrder);
        EXPECT_EQ(r.seed, 7u);
    }
    std::filesystem::remove(spec);
    std::filesystem::remove(csv);
}

// The device script's bare-read probe checks its shapes before it touches a device.
TEST(StreamProbe, RejectsAShapeThatIsNotNxKWithKAMultipleOf128) {
#ifndef Q4BENCH_PROBE_PATH
    GTEST_SKIP() << "built without CUDA: no probe";
#else
    for (const std::string shape : {"8192x100", "8192", "0x8192", "8192x0", "8192x8192x1", "axb"}) {
        const CliResult run = runProgram(Q4BENCH_PROBE_PATH, shape);
        EXPECT_EQ(run.exitCode, 2) << shape << "\n" << run.output;
        EXPECT_NE(run.output.find("shape '" + shape + "'"), std::string::npos) << run.output;
        EXPECT_NE(run.output.find("k a positive multiple of 128"), std::string::npos) << run.output;
    }
#endif
}

}  // namespace
