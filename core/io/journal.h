#pragma once
// A run's journal: JSON lines, the RunInfo first and then one record per line, flushed as
// each record lands, so an interrupted run can be recovered up to its last complete line.
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "io/json_io.h"
#include "run/run_callbacks.h"

namespace q4 {

class JournalWriter {
public:
    // Creates (truncates) the file and writes the run line; with append, adds to an existing
    // journal (a resumed run) and writes no second run line.
    static Expected<std::unique_ptr<JournalWriter>> open(const std::string& path, const RunInfo& info,
                                                         bool append = false);
    Status append(const Record& record);  // writes one line and flushes
    Status finish(const RunInfo& info);   // writes a closing line with the finished RunInfo
    const std::string& path() const { return path_; }

private:
    JournalWriter(std::string path, std::ofstream out) : path_(std::move(path)), out_(std::move(out)) {}
    std::string path_;
    std::ofstream out_;
};

struct RecoveredJournal {
    RunResult result;
    bool complete = false;      // the closing line was present
    int discardedLines = 0;     // truncated or unreadable lines skipped (a crash mid-write)
};

// The journal as an observer of a run: opens the file when the run starts (an error ends the run
// before its first point), appends each record, writes the closing line when it finishes. A
// failed append is reported through log and the run goes on.
RunCallbacks journalObserver(const std::string& path, const std::function<void(const std::string&)>& log,
                             bool append = false);

// Reads a journal; a truncated last line is dropped, and the run comes back without it.
Expected<RecoveredJournal> recoverJournal(const std::string& path);

}  // namespace q4
