#include "charts/speedup_chart.h"

#include <algorithm>
#include <qcustomplot.h>

namespace q4ui {

SpeedupChart::SpeedupChart(RunDocument* document, QWidget* parent)
    : PlotChart(document, tr("Speedup over the baseline kernel"), parent) {
    plot()->yAxis->setLabel(tr("speedup (×)"));
    addReferenceLine(1.0);
    rebuild();
}

std::optional<double> SpeedupChart::valueOf(const q4::Record& record) const {
    const std::optional<double> speedup = fieldNumber(record, "speedup_vs_baseline");
    if (!speedup || *speedup <= 0) return std::nullopt;
    return speedup;
}

void SpeedupChart::finishAxes(bool hasData) {
    // Keep 1.0 and zero in view so curves above and below the line read at a glance.
    const QCPRange range = plot()->yAxis->range();
    if (!hasData)
        plot()->yAxis->setRange(0, 2);
    else
        plot()->yAxis->setRange(0, std::max(range.upper, 1.2));
}

}  // namespace q4ui
