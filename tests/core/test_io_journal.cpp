// The run journal: lines land as records finish, and a crash mid-line loses only that line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/journal.h"

namespace q4 {
namespace {

std::string journalTempPath(const std::string& name) { return ::testing::TempDir() + "q4_journal_" + name; }

std::string readJournalText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void writeJournalText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

RunInfo startedRun() {
    RunInfo info;
    info.runId = "20240611-142233-h100";
    info.projectVersion = "0.1.0";
    info.startedUtc = "2024-06-11T14:22:33Z";
    info.host = "gpu-node-17";
    info.backend = "cuda";
    info.device.name = "NVIDIA H100 80GB HBM3";
    info.device.computeCapability = "9.0";
    info.device.multiprocessors = 132;
    info.ceilings.copyBytesPerSecond = 2.9157e12;
    info.commandLine = "q4bench-cli --m 1,16,64 --n 4096 --k 4096";
    return info;
}

// Three points of an m sweep for one kernel.
std::vector<Record> sweepRecords() {
    std::vector<Record> records;
    const std::int64_t ms[] = {1, 16, 64};
    const double medians[] = {1.93e-5, 2.41e-5, 5.87e-5};
    for (int i = 0; i < 3; ++i) {
        Record r;
        r.runId = "20240611-142233-h100";
        r.index = i;
        r.backend = "cuda";
        r.device = "NVIDIA H100 80GB HBM3";
        r.kernel = "marlin";
        r.family = "marlin";
        r.m = ms[i];
        r.n = 4096;
        r.k = 4096;
        r.seed = 1234;
        r.time = {120, medians[i], medians[i] * 1.01, medians[i] * 0.02, 0.0198, medians[i] * 0.97,
                  medians[i] * 1.2, medians[i] * 0.98, medians[i] * 1.05};
        r.relError = 2.4e-4;
        r.bytes = 8388608.0 + 2.0 * ms[i] * (4096 + 4096);
        r.flops = 2.0 * ms[i] * 4096 * 4096;
        r.gbps = r.bytes / medians[i] / 1e9;
        r.tflops = r.flops / medians[i] / 1e12;
        r.mem.weights = 8388608;
        r.memPeakBytes = 8650752;
        r.prepareSeconds = 0.018;
        records.push_back(r);
    }
    records[1].message = "note, with \"quotes\" and a\nnewline";
    return records;
}

// Writes the run line and the records; finishes only when asked.
void writeJournal(const std::string& path, bool finish) {
    auto writer = JournalWriter::open(path, startedRun());
    ASSERT_TRUE(writer.ok()) << writer.error();
    for (const Record& r : sweepRecords()) ASSERT_TRUE(writer.value()->append(r).ok());
    if (finish) {
        RunInfo done = startedRun();
        done.finishedUtc = "2024-06-11T14:25:10Z";
        ASSERT_TRUE(writer.value()->finish(done).ok());
    }
}

TEST(Journal, CompleteJournalRecoversEverything) {
    const std::string path = journalTempPath("complete.jsonl");
    writeJournal(path, true);

    auto journal = recoverJournal(path);
    ASSERT_TRUE(journal.ok()) << journal.error();
    EXPECT_TRUE(journal->complete);
    EXPECT_EQ(journal->discardedLines, 0);
    EXPECT_EQ(journal->result.info.runId, "20240611-142233-h100");
    EXPECT_EQ(journal->result.info.finishedUtc, "2024-06-11T14:25:10Z");  // from the closing line
    ASSERT_EQ(journal->result.records.size(), 3u);
    const std::vector<Record> expected = sweepRecords();
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(journal->result.records[i].m, expected[i].m);
        EXPECT_EQ(journal->result.records[i].gbps, expected[i].gbps);
        EXPECT_DOUBLE_EQ(journal->result.records[i].time.median, expected[i].time.median);
    }
    EXPECT_EQ(journal->result.records[1].message, expected[1].message);
}

TEST(Journal, OneLinePerEntry) {
    const std::string path = journalTempPath("lines.jsonl");
    writeJournal(path, true);
    const std::string text = readJournalText(path);
    std::istringstream lines(text);
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);) all.push_back(line);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all.front().rfind("{\"type\":\"run\"", 0), 0u);
    EXPECT_EQ(all[1].rfind("{\"type\":\"record\"", 0), 0u);
    EXPECT_EQ(all.back().rfind("{\"type\":\"end\"", 0), 0u);
}

TEST(Journal, EachRecordIsOnDiskAsSoonAsItIsAppended) {
    const std::string path = journalTempPath("flushed.jsonl");
    auto writer = JournalWriter::open(path, startedRun());
    ASSERT_TRUE(writer.ok()) << writer.error();
    EXPECT_EQ(writer.value()->path(), path);
    ASSERT_TRUE(writer.value()->append(sweepRecords()[0]).ok());

    // The writer is still open: what a crash now would leave behind.
    auto journal = recoverJournal(path);
    ASSERT_TRUE(journal.ok()) << journal.error();
    EXPECT_FALSE(journal->complete);
    EXPECT_EQ(journal->result.records.size(), 1u);
    EXPECT_TRUE(journal->result.info.finishedUtc.empty());
}

TEST(Journal, UnfinishedJournalIsIncomplete) {
    const std::string path = journalTempPath("unfinished.jsonl");
    writeJournal(path, false);
    auto journal = recoverJournal(path);
    ASSERT_TRUE(journal.ok()) << journal.error();
    EXPECT_FALSE(journal->complete);
    EXPECT_EQ(journal->discardedLines, 0);
    EXPECT_EQ(journal->result.records.size(), 3u);
}

TEST(Journal, TruncatedLastLineIsDiscarded) {
    const std::string path = journalTempPath("truncated.jsonl");
    writeJournal(path, false);

    // Cut the file in the middle of the last record, as a crash mid-write would.
    std::string text = readJournalText(path);
    ASSERT_EQ(text.back(), '\n');
    const std::size_t lastLine = text.rfind('\n', text.size() - 2) + 1;
    text.resize(lastLine + (text.size() - lastLine) / 2);
    writeJournalText(path, text);

    auto journal = recoverJournal(path);
    ASSERT_TRUE(journal.ok()) << journal.error();
    EXPECT_FALSE(journal->complete);
    EXPECT_EQ(journal->discardedLines, 1);
    ASSERT_EQ(journal->result.records.size(), 2u);
    EXPECT_EQ(journal->result.records[0].m, 1);
    EXPECT_EQ(journal->result.records[1].m, 16);
}

TEST(Journal, WithoutRunLineIsAnError) {
    const std::string complete = journalTempPath("source.jsonl");
    writeJournal(complete, false);
    std::string text = readJournalText(complete);
    text.erase(0, text.find('\n') + 1);  // drop the run line
    const std::string path = journalTempPath("no_run.jsonl");
    writeJournalText(path, text);

    auto journal = recoverJournal(path);
    ASSERT_FALSE(journal.ok());
    EXPECT_NE(journal.error().find("no_run.jsonl"), std::string::npos) << journal.error();
    EXPECT_NE(journal.error().find("run line"), std::string::npos) << journal.error();
}

TEST(Journal, FileErrorsNameThePath) {
    auto missing = recoverJournal(journalTempPath("missing.jsonl"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("missing.jsonl"), std::string::npos);

    const std::string badPath = journalTempPath("no_such_dir/run.jsonl");
    auto writer = JournalWriter::open(badPath, startedRun());
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().rfind("cannot open '" + badPath + "' for writing: ", 0), 0u) << writer.error();
}

}  // namespace
}  // namespace q4
