// A measured result is never lost: outputs are checked before the first point, written when a
// reader goes away or a hang-up arrives, and a journal can be turned into results or resumed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/cli_runner.h"
#include "io/csv_writer.h"
#include "io/journal.h"
#include "io/json_io.h"

namespace {

using ShellRun = q4test::CliResult;
constexpr auto shell = q4test::runShell;

const std::string kCli = Q4BENCH_CLI_PATH;
const std::string kQuick =
    " --backend cpu --n 64 --k 256 --group-size 64 --min-time 0 --min-samples 3 --max-noise 1 --timeout 0.5 --quiet";

std::string temp(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("q4bench_kept_" + std::to_string(::getpid()) + "_" + name))
        .string();
}

TEST(ResultsKept, AReaderThatGoesAwayDoesNotLoseTheFiles) {
    const std::string csv = temp("pipe.csv"), json = temp("pipe.json");
    const std::string status = temp("pipe.status");
    const ShellRun run = shell("(" + kCli + kQuick + " --m 1,2,3,4,5,6 --csv " + csv + " --json " + json +
                               "; echo $? >" + status + ") | head -1");
    std::ifstream statusFile(status);
    int exitCode = -1;
    statusFile >> exitCode;
    EXPECT_EQ(exitCode, 0) << run.output;
    auto records = q4::readCsvFile(csv);
    ASSERT_TRUE(records.ok()) << records.error();
    EXPECT_EQ(records->size(), 12u);
    EXPECT_TRUE(q4::readResultFile(json).ok());
}

TEST(ResultsKept, HangUpEndsTheRunAndWritesTheOutputs) {
    const std::string json = temp("hup.json"), journal = temp("hup.jsonl");
    // A warm-up far too long to finish: the hang-up, sent once the run has started (its journal
    // holds the run line), must cut it short.
    const ShellRun run = shell(kCli + " --backend cpu --n 64 --k 256 --group-size 64 --quiet --m 1 --warmup 1000000" +
                               " --timeout 60 --json " + json + " --journal " + journal + " & pid=$!; " +
                               "for i in $(seq 200); do [ -s " + journal + " ] && break; sleep 0.05; done; " +
                               "sleep 0.3; kill -HUP $pid; wait $pid");
    EXPECT_EQ(run.exitCode, 130) << run.output;
    auto result = q4::readResultFile(json);
    ASSERT_TRUE(result.ok()) << result.error();
    ASSERT_EQ(result->records.size(), 1u) << run.output;
    EXPECT_EQ(result->records.front().status, q4::RecordStatus::Cancelled);
    EXPECT_TRUE(result->info.finishedUtc.empty());
}

TEST(ResultsKept, UnwritableOutputsAreRefusedBeforeAnythingRuns) {
    for (const std::string& flag : {"--csv", "--json", "--journal"}) {
        const ShellRun run = shell(kCli + kQuick + " --m 1 " + flag + " /proc/q4bench-nope/out");
        EXPECT_EQ(run.exitCode, 2) << flag << "\n" << run.output;
        EXPECT_NE(run.output.find(flag + ": cannot write '/proc/q4bench-nope/out'"), std::string::npos) << run.output;
        EXPECT_EQ(run.output.find(" ok"), std::string::npos) << "measured before checking: " << run.output;
    }
    const ShellRun folder = shell(kCli + kQuick + " --m 1 --csv " + std::filesystem::temp_directory_path().string());
    EXPECT_EQ(folder.exitCode, 2) << folder.output;
    EXPECT_NE(folder.output.find("it is a folder"), std::string::npos) << folder.output;
}

TEST(ResultsKept, RecoverTurnsAJournalIntoResultFiles) {
    const std::string journal = temp("rec.jsonl"), csv = temp("rec.csv"), json = temp("rec.json");
    ASSERT_EQ(shell(kCli + kQuick + " --m 1,2 --journal " + journal).exitCode, 0);
    const ShellRun run = shell(kCli + " recover " + journal + " --csv " + csv + " --json " + json);
    EXPECT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find("4 record(s)"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("a finished run"), std::string::npos) << run.output;
    auto records = q4::readCsvFile(csv);
    ASSERT_TRUE(records.ok()) << records.error();
    EXPECT_EQ(records->size(), 4u);
    EXPECT_EQ(shell(kCli + " recover " + temp("missing.jsonl")).exitCode, 2);
}

TEST(ResultsKept, ResumeMeasuresOnlyWhatTheJournalLacks) {
    const std::string journal = temp("resume.jsonl"), csv = temp("resume.csv");
    const std::string sweep = kQuick + " --m 1,2,3";
    ASSERT_EQ(shell(kCli + sweep + " --journal " + journal).exitCode, 0);
    // Keep the run line and the first two records, as a run killed after them leaves it (the
    // last line cut mid-write).
    std::vector<std::string> lines;
    {
        std::ifstream in(journal);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    ASSERT_GE(lines.size(), 4u);
    {
        std::ofstream out(journal, std::ios::trunc);
        out << lines[0] << '\n' << lines[1] << '\n' << lines[2] << '\n' << lines[3].substr(0, 20);
    }
    const ShellRun run = shell(kCli + sweep + " --journal " + journal + " --resume --csv " + csv);
    EXPECT_EQ(run.exitCode, 0) << run.output;
    auto records = q4::readCsvFile(csv);
    ASSERT_TRUE(records.ok()) << records.error();
    ASSERT_EQ(records->size(), 6u);
    auto kept = q4::recordFromJson(lines[1].substr(lines[1].find("\"record\":") + 9, lines[1].size() - lines[1].find("\"record\":") - 10));
    ASSERT_TRUE(kept.ok()) << kept.error();
    EXPECT_EQ((*records)[0].runId, kept->runId);  // kept as measured, not measured again
    EXPECT_EQ((*records)[0].time.median, kept->time.median);
    auto recovered = q4::recoverJournal(journal);
    ASSERT_TRUE(recovered.ok()) << recovered.error();
    EXPECT_EQ(recovered->result.records.size(), 6u);  // 2 kept + 4 new, the cut line skipped
    EXPECT_TRUE(recovered->complete);

    const ShellRun other = shell(kCli + kQuick + " --m 1,2 --journal " + journal + " --resume");
    EXPECT_EQ(other.exitCode, 2) << other.output;
    EXPECT_NE(other.output.find("written for another sweep spec"), std::string::npos) << other.output;
    EXPECT_EQ(shell(kCli + sweep + " --resume").exitCode, 2);
}

}  // namespace
