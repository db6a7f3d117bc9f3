#pragma once
// Result files by suffix: .json (writeResultFile, q4bench-cli --json), .csv (writeCsvFile,
// q4bench-cli --csv) and .jsonl journals (recovered up to their last complete line).
#include <QString>

#include "io/json_io.h"

namespace q4ui {

// Errors name the file and the reason.
q4::Expected<q4::RunResult> loadRunFile(const QString& path);
// .csv writes CSV; anything else JSON.
q4::Status saveRunFile(const QString& path, const q4::RunResult& run);
bool isResultFile(const QString& path);  // a suffix loadRunFile reads

}  // namespace q4ui
