#pragma once
// How close each kernel gets to its floor: the time the fewest bytes would take at the measured
// copy bandwidth (or the fp16 peak, whichever is larger) over the measured time, in percent.
// 100 % is the roofline; memory-bound small m should approach it.
#include "charts/plot_chart.h"

namespace q4ui {

class BandwidthChart : public PlotChart {
    Q_OBJECT
public:
    explicit BandwidthChart(RunDocument* document, QWidget* parent = nullptr);

protected:
    std::optional<double> valueOf(const q4::Record& record) const override;
    void finishAxes(bool hasData) override;
};

}  // namespace q4ui
