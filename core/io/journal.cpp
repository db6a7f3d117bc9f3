#include "io/journal.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>

namespace q4 {

namespace {

// Each line wraps an object from json_io ({"type": ..., "run"|"record": {...}}), so a line is
// self-describing and a reader can tell the run, the records and the closing line apart.
std::string runLine(const char* type, const RunInfo& info) {
    return std::string("{\"type\":\"") + type + "\",\"run\":" + runInfoToJson(info) + "}\n";
}

std::string recordLine(const Record& record) {
    return "{\"type\":\"record\",\"record\":" + recordToJson(record) + "}\n";
}

// Writes and flushes at once, so a crash loses at most the line being written.
Status writeLine(std::ofstream& out, const std::string& line, const std::string& path) {
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    out.flush();
    if (!out) return Status::failure("cannot write to '" + path + "': " + std::strerror(errno));
    return Status::success();
}

}  // namespace

Expected<std::unique_ptr<JournalWriter>> JournalWriter::open(const std::string& path, const RunInfo& info,
                                                             bool append) {
    std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    if (!out) return Error{"cannot open '" + path + "' for writing: " + std::strerror(errno)};
    std::unique_ptr<JournalWriter> writer(new JournalWriter(path, std::move(out)));
    if (append) {
        // A crash mid-write leaves a last line without its newline; end it, so the first new
        // record starts a line of its own and reads back.
        std::ifstream in(path, std::ios::binary | std::ios::ate);
        if (in && in.tellg() > 0) {
            in.seekg(-1, std::ios::end);
            if (in.get() != '\n') writer->out_ << '\n';
        }
        return writer;
    }
    if (Status s = writeLine(writer->out_, runLine("run", info), path); !s) return Error{s.message};
    return writer;
}

Status JournalWriter::append(const Record& record) { return writeLine(out_, recordLine(record), path_); }

Status JournalWriter::finish(const RunInfo& info) { return writeLine(out_, runLine("end", info), path_); }

RunCallbacks journalObserver(const std::string& path, const std::function<void(const std::string&)>& log,
                             bool append) {
    auto writer = std::make_shared<std::unique_ptr<JournalWriter>>();
    RunCallbacks observer;
    observer.onStart = [writer, path, append](const RunInfo& info) -> Status {
        auto opened = JournalWriter::open(path, info, append);
        if (!opened) return Status::failure("journal: " + opened.error());
        *writer = std::move(opened).value();
        return Status::success();
    };
    observer.onRecord = [writer, log](const Record& record) {
        if (!*writer) return;
        if (Status s = (*writer)->append(record); !s && log) log("journal: " + s.message);
    };
    observer.onFinish = [writer, log](const RunInfo& info) {
        if (!*writer) return;
        if (Status s = (*writer)->finish(info); !s && log) log("journal: " + s.message);
    };
    return observer;
}

Expected<RecoveredJournal> recoverJournal(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"cannot open '" + path + "' for reading: " + std::strerror(errno)};

    RecoveredJournal journal;
    bool haveRun = false;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;

        // A line that does not parse, or parses to something unexpected, is what a crash
        // mid-write leaves behind: count it and keep going.
        if (!checkJsonDepth(line, "journal")) {
            ++journal.discardedLines;
            continue;
        }
        const auto j = nlohmann::json::parse(line, nullptr, false);
        const bool isObject = !j.is_discarded() && j.is_object();
        const bool typed = isObject && j.contains("type") && j["type"].is_string();
        const std::string type = typed ? j["type"].get<std::string>() : "";

        if ((type == "run" || type == "end") && j.contains("run")) {
            // A whole line that still fails is no crash artefact (a newer schema, say): report it.
            auto info = runInfoFromJson(j["run"].dump());
            if (!info) return Error{"'" + path + "': " + info.error()};
            if (type == "end") {
                journal.result.info = std::move(info.value());  // carries finished_utc
                journal.complete = !journal.result.info.finishedUtc.empty();  // an interrupted run ends without it
            } else if (!haveRun) {
                journal.result.info = std::move(info.value());
            }
            haveRun = true;
        } else if (type == "record" && j.contains("record")) {
            auto record = recordFromJson(j["record"].dump());
            if (record) journal.result.records.push_back(std::move(record.value()));
            else ++journal.discardedLines;
        } else {
            ++journal.discardedLines;
        }
    }
    if (!haveRun) return Error{"'" + path + "' has no run line; it is not a q4bench journal"};
    return journal;
}

}  // namespace q4
