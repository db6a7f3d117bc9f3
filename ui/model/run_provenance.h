#pragma once
// Where a run's figures come from, in one line: device, driver, backend, date and the sweep's
// settings. Shown above the charts so an opened file says what it measured.
#include <QString>

#include "results/run_info.h"

namespace q4ui {

// "NVIDIA H100 · driver 580.65 · cuda · 2025-01-02T03:04:05Z · m 1,2,4  n 4096  k 4096 …";
// empty for a run that names no device (nothing loaded yet).
QString provenanceText(const q4::RunInfo& info);
// The same line with any run's settings text: what provenanceText and the Model view's share.
QString provenanceLine(const q4::RunInfo& info, const QString& settings);
// The sweep's settings as key/value text from the engine's field table, "" without a spec.
QString specSummary(const std::string& specJson);

}  // namespace q4ui
