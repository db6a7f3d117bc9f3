#pragma once
// Model-run result files by suffix: .json (q4::writeModelResultFile, the CLI's model --json) and
// .csv (q4::writeModelCsvFile, one row per record); only JSON reads back, since only it keeps
// the run's info.
#include <QString>

#include "io/model_io.h"

namespace q4ui {

// Errors name the file and the reason.
q4::Expected<q4::ModelRunResult> loadModelFile(const QString& path);
// .csv writes CSV; anything else JSON.
q4::Status saveModelFile(const QString& path, const q4::ModelRunResult& run);
// A JSON file whose "kind" is "model" (read only as far as that key).
bool isModelResultFile(const QString& path);

}  // namespace q4ui
