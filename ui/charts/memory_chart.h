#pragma once
// Device memory each kernel holds for one point, as horizontal stacked bars (Qt Charts, so long
// kernel names stay readable): weights, scales + zeros, g_idx / permutation, activations +
// output, workspace, in MB. Per kernel (and act-order) it shows the largest point that recorded
// memory, preferring ok records, among those the record filter accepts. Memory does not depend on
// timing, so baselines are not drawn.
#include <array>
#include <vector>

#include "charts/chart_widget.h"
#include "model/run_document.h"

class QBarCategoryAxis;
class QBarSet;
class QChart;
class QChartView;
class QHorizontalStackedBarSeries;
class QValueAxis;

namespace q4ui {

class MemoryChart : public ChartWidget {
    Q_OBJECT
public:
    explicit MemoryChart(RunDocument* document, QWidget* parent = nullptr);

    int pointCount() const override;

protected:
    void changeEvent(QEvent* event) override;
    void rebuild() override;
    bool draw(QCPPainter* painter, int width, int height) const override;

private:
    static constexpr int kParts = 5;
    struct Category {
        QString label;
        int index = 0;  // the record shown, in the run's records
    };

    void considerRecord(int index);
    void fill();
    void applyStyle();
    void toggleSet(int part);
    void showTooltip(bool entered, int part, int bar);

    RunDocument* document_;
    QChart* chart_;
    QChartView* view_;
    QHorizontalStackedBarSeries* series_;
    QBarCategoryAxis* categoryAxis_;
    QValueAxis* valueAxis_;
    std::array<QBarSet*, kParts> sets_{};
    std::array<bool, kParts> hidden_{};
    std::vector<Category> categories_;  // in run order; drawn top to bottom
};

}  // namespace q4ui
