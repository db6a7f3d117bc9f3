#pragma once
// Time per operation (ms, as the table) vs m on log-log axes: median with p10-p90 bars, one
// curve per kernel and act-order (and per shape when the run has several). A run of one m shows
// bars on a linear axis from zero instead.
#include "charts/plot_chart.h"

namespace q4ui {

class LatencyChart : public PlotChart {
    Q_OBJECT
public:
    explicit LatencyChart(RunDocument* document, QWidget* parent = nullptr);

protected:
    std::optional<double> valueOf(const q4::Record& record) const override;
    std::optional<Spread> spreadOf(const q4::Record& record) const override;
    void setUpValueAxis(bool bars) override;
    void finishAxes(bool hasData) override;
};

}  // namespace q4ui
