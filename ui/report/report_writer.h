#pragma once
// A one-file report of a run: metadata (device, driver, versions, ceilings, settings, date),
// every chart, and the results table. HTML (charts embedded as PNG data URIs) or PDF, by suffix.
#include <QString>

#include "charts/charts_view.h"
#include "model/run_document.h"

namespace q4ui {

// Returns an error message naming the path and the reason, or empty on success.
QString writeReport(const RunDocument& document, const ChartsView& charts, const QString& path);

}  // namespace q4ui
