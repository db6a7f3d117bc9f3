#include "charts/floor_chart.h"

#include <algorithm>
#include <qcustomplot.h>

namespace q4ui {

FloorChart::FloorChart(RunDocument* document, QWidget* parent)
    : PlotChart(document, tr("Share of the roofline floor reached"), parent) {
    plot()->yAxis->setLabel(tr("share of floor (%)"));
    addReferenceLine(100.0);
    rebuild();
}

std::optional<double> FloorChart::valueOf(const q4::Record& record) const {
    const std::optional<double> fraction = fieldNumber(record, "fraction_of_floor");
    if (!fraction) return std::nullopt;
    return *fraction * 100.0;
}

void FloorChart::finishAxes(bool hasData) {
    // A fixed 0-110 % frame compares runs; a hot-L2 point may beat the floor and widen it.
    const double upper = hasData ? std::max(110.0, plot()->yAxis->range().upper) : 110.0;
    plot()->yAxis->setRange(0, upper);
}

}  // namespace q4ui
