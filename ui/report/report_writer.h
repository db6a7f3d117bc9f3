#pragma once
// A one-file report of a run: its provenance line on top, metadata (device, driver, versions,
// ceilings, date), the sweep's settings as a key/value table, every chart, and the results table.
// HTML (charts embedded as PNG data URIs at twice the shown size) or PDF (charts as vector
// drawings), by suffix.
#include <QString>

#include "charts/charts_view.h"
#include "model/run_document.h"

namespace q4ui {

// Returns an error message naming the path and the reason, or empty on success.
QString writeReport(const RunDocument& document, const ChartsView& charts, const QString& path);

}  // namespace q4ui
