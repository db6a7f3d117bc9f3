#pragma once
// Speedup over the run's baseline kernel (cublas_fp16, or the backend's reference) vs m, with
// a line at 1.0: above it a kernel beats the baseline.
#include "charts/plot_chart.h"

namespace q4ui {

class SpeedupChart : public PlotChart {
    Q_OBJECT
public:
    explicit SpeedupChart(RunDocument* document, QWidget* parent = nullptr);

protected:
    std::optional<double> valueOf(const q4::Record& record) const override;
    void finishAxes(bool hasData) override;
};

}  // namespace q4ui
