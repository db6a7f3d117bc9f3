#pragma once
// Where a model run's figures come from, in one line: device, driver, backend, date and the
// model spec. Shown above the Model view's charts and printed under every exported chart.
#include <QString>

#include "results/run_info.h"

namespace q4ui {

// "NVIDIA H100 · driver 580.65 · cuda · 2025-01-02T03:04:05Z · llama2-7b  batch 1,2,4  prompt 512 …";
// empty for a run that names no device (nothing loaded yet).
QString modelProvenanceText(const q4::RunInfo& info);
// The model spec's settings, "" when specJson is not a model spec.
QString modelSpecSummary(const std::string& specJson);

}  // namespace q4ui
