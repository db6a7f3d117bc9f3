#pragma once
// Share of the floor each kernel reaches: the floor is the time the fewest bytes would take at
// the measured copy bandwidth (or the flops at the fp16 peak, whichever is longer); the share is
// floor / measured time, in percent (the record's fraction_of_floor). 100 % is the roofline;
// memory-bound small m should approach it.
#include "charts/plot_chart.h"

namespace q4ui {

class FloorChart : public PlotChart {
    Q_OBJECT
public:
    explicit FloorChart(RunDocument* document, QWidget* parent = nullptr);

protected:
    std::optional<double> valueOf(const q4::Record& record) const override;
    void finishAxes(bool hasData) override;
};

}  // namespace q4ui
