// Model result files from outside are untrusted: every field and token list is checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/model_io.h"

namespace {

q4::ModelRunResult sample() {
    q4::ModelRunResult result;
    result.info.runId = "abc";
    result.info.backend = "cuda";
    q4::ModelRecord r;
    r.model = "llama2-13b";
    r.kernel = "best_int4";
    r.batch = 2;
    r.prompt = 4;
    r.newTokens = 3;
    r.perToken.samples = 4;
    r.perToken.mean = 0.004;
    r.tokensPerSecond = 500;
    r.mem.kvCache = 1234;
    r.components = {{"qkv_proj", 0.001}, {"attention", 0.0005}};
    r.promptTokens = {{1, 2, 3, 4}, {5, 6, 7, 8}};
    r.generatedTokens = {{9, 10, 11}, {12, 13, 14}};
    result.records.push_back(r);
    return result;
}

TEST(ModelIo, CsvHasTheIssueColumnsInTheFieldTableOrder) {
    const auto path = std::filesystem::temp_directory_path() / ("q4_model_io_" + std::to_string(::getpid()) + ".csv");
    ASSERT_TRUE(q4::writeModelCsvFile(path.string(), sample().records));
    std::ifstream in(path);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    for (const char* column : {"model", "kernel", "batch", "prompt", "new_tokens", "load_s", "ttft_ms",
                               "per_token_ms_mean", "per_token_ms_p10", "per_token_ms_p90", "tokens_per_s",
                               "mem_peak_mb", "mem_kv_cache_bytes", "fraction_of_floor", "cuda_graph",
                               "programmatic_launch", "qkv_proj_ms", "attention_ms"})
        EXPECT_NE(("," + header + ",").find("," + std::string(column) + ","), std::string::npos) << column;
    EXPECT_NE(row.find("best_int4"), std::string::npos);
    EXPECT_NE(row.find(",500,"), std::string::npos) << row;
    std::filesystem::remove(path);
}

TEST(ModelIo, MalformedFilesAreRefusedWithTheReason) {
    const std::string good = q4::modelResultToJson(sample());
    ASSERT_TRUE(q4::modelResultFromJson(good));
    auto replaced = [&](const std::string& from, const std::string& to) {
        std::string text = good;
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
        return q4::modelResultFromJson(text);
    };
    const struct {
        const char* from;
        const char* to;
        const char* says;
    } cases[] = {
        {"\"kind\": \"model\"", "\"kind\": \"sweep\"", "kind"},
        {"\"batch\": 2", "\"batch\": 0", "batch"},
        {"\"batch\": 2", "\"batch\": \"two\"", "batch"},
        {"\"kernel\": \"best_int4\"", "\"kernel\": null", "kernel"},
        {"\"tokens_per_s\": 500.0", "\"tokens_per_s\": -1.0", "tokens_per_s"},
        {"9,", "-9,", "token ids"},
        {"\"qkv_proj_ms\": 1.0", "\"qkv_proj_ms\": -1.0", "qkv_proj_ms"},
    };
    for (const auto& c : cases) {
        auto read = replaced(c.from, c.to);
        ASSERT_FALSE(read) << c.from << " -> " << c.to;
        EXPECT_NE(read.error().find(c.says), std::string::npos) << read.error();
    }
    EXPECT_FALSE(q4::modelResultFromJson("not json"));
    EXPECT_FALSE(q4::modelResultFromJson(std::string(100000, '[')));
    EXPECT_FALSE(q4::readModelResultFile("/nonexistent/q4bench.json"));
}

}  // namespace
