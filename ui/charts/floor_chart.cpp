#include "charts/bandwidth_chart.h"

#include <algorithm>
#include <qcustomplot.h>

namespace q4ui {

BandwidthChart::BandwidthChart(RunDocument* document, QWidget* parent)
    : PlotChart(document, tr("Achieved fraction of the roofline floor"), parent) {
    plot()->yAxis->setLabel(tr("% of floor"));
    addReferenceLine(100.0);
    rebuild();
}

std::optional<double> BandwidthChart::valueOf(const q4::Record& record) const {
    if (!record.fractionOfFloor) return std::nullopt;
    return *record.fractionOfFloor * 100.0;
}

void BandwidthChart::finishAxes(bool hasData) {
    // A fixed 0-110 % frame compares runs; a hot-L2 point may beat the floor and widen it.
    const double upper = hasData ? std::max(110.0, plot()->yAxis->range().upper) : 110.0;
    plot()->yAxis->setRange(0, upper);
}

}  // namespace q4ui
