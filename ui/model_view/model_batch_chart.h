#pragma once
// A measure of the model run against batch size: one curve per kernel over a log2 batch axis,
// optionally with p10-p90 bars, filled as records land. Only ok records are plotted.
#include <QHash>
#include <QSet>
#include <functional>
#include <optional>
#include <vector>

#include "charts/chart_common.h"
#include "model_view/model_chart.h"

class QCPErrorBars;
class QCPGraph;

namespace q4ui {

struct BatchMetric {
    QString title;      // "Decode throughput"
    QString valueAxis;  // "tokens/s"
    std::function<std::optional<double>(const q4::ModelRecord&)> value;
    // p10 and p90 in the value's unit; empty for a metric without a spread.
    std::function<std::optional<std::pair<double, double>>(const q4::ModelRecord&)> spread;
};

class ModelBatchChart : public ModelChart {
    Q_OBJECT
public:
    ModelBatchChart(ModelDocument* document, BatchMetric metric, QWidget* parent = nullptr);

    int pointCount() const override;
    QStringList seriesNames() const override;
    bool seriesShown(const QString& kernel) const { return !hidden_.contains(kernel); }
    void setSeriesShown(const QString& kernel, bool shown);

protected:
    void rebuild() override;
    void applyStyle() override;
    void toggleLegendItem(QCPAbstractLegendItem* item) override;
    void showTooltip(QMouseEvent* event) override;

private:
    struct Point {
        double x = 0, y = 0, low = 0, high = 0;
        int index = 0;  // into the document's records
    };
    struct Series {
        QString kernel;
        QCPGraph* graph = nullptr;
        QCPErrorBars* bars = nullptr;
        std::vector<Point> points;
    };

    std::optional<double> plottedValue(const q4::ModelRecord& record) const;
    void onRecordAppended(int index);
    Series* addRecord(int index);
    Series& seriesFor(const QString& kernel);
    void refreshData(Series& series);
    void fitAxes();

    BatchMetric metric_;
    std::vector<Series> series_;
    QHash<QString, int> seriesIndex_;
    QSet<QString> hidden_;
    SeriesColors colors_;
};

}  // namespace q4ui
