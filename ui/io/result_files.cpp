#include "io/result_files.h"

#include <QFile>

#include "io/csv_writer.h"
#include "io/journal.h"

namespace q4ui {
namespace {

std::string nativePath(const QString& path) { return QFile::encodeName(path).toStdString(); }

bool hasSuffix(const QString& path, const char* suffix) {
    return path.endsWith(QLatin1String(suffix), Qt::CaseInsensitive);
}

// A CSV holds records only: the run info is rebuilt from what every record carries.
q4::RunResult runFromRecords(std::vector<q4::Record> records) {
    q4::RunResult run;
    if (!records.empty()) {
        run.info.runId = records.front().runId;
        run.info.backend = records.front().backend;
        run.info.device.name = records.front().device;
    }
    run.records = std::move(records);
    return run;
}

}  // namespace

bool isResultFile(const QString& path) {
    return hasSuffix(path, ".json") || hasSuffix(path, ".jsonl") || hasSuffix(path, ".csv");
}

// The engine's messages already name the file.
q4::Expected<q4::RunResult> loadRunFile(const QString& path) {
    if (hasSuffix(path, ".jsonl")) {
        auto journal = q4::recoverJournal(nativePath(path));
        if (!journal) return q4::Error{journal.error()};
        return journal->result;
    }
    if (hasSuffix(path, ".csv")) {
        auto records = q4::readCsvFile(nativePath(path));
        if (!records) return q4::Error{records.error()};
        return runFromRecords(std::move(records).value());
    }
    if (hasSuffix(path, ".json")) return q4::readResultFile(nativePath(path));
    return q4::Error{QStringLiteral("'%1' is not a result file (expected .json, .csv or .jsonl)").arg(path).toStdString()};
}

q4::Status saveRunFile(const QString& path, const q4::RunResult& run) {
    if (hasSuffix(path, ".csv")) return q4::writeCsvFile(nativePath(path), run.records);
    return q4::writeResultFile(nativePath(path), run);
}

}  // namespace q4ui
