#pragma once
// The base of the QCustomPlot charts (latency, speedup, share of floor): one graph per series over
// m on a log2 axis, filled from a RunDocument as records land, baseline runs as dashed graphs
// of the same color, legend clicks toggle a series, hovering a point shows its record.
// Subclasses choose the y value (and optionally its p10-p90 spread) and finish the axes.
#include <QHash>
#include <QSet>
#include <QString>
#include <optional>
#include <vector>

#include "charts/chart_common.h"
#include "charts/chart_widget.h"
#include "model/run_document.h"

class QCPAbstractLegendItem;
class QCPErrorBars;
class QCPGraph;
class QCPItemStraightLine;
class QCustomPlot;
class QMouseEvent;

namespace q4ui {

class PlotChart : public ChartWidget {
    Q_OBJECT
public:
    int pointCount() const override;

protected:
    PlotChart(RunDocument* document, const QString& title, QWidget* parent);

    struct Spread {
        double low = 0, high = 0;  // p10 and p90 of the value, in y units
    };
    // The y of a record, or none when it is not plotted. Only ok records are offered.
    virtual std::optional<double> valueOf(const q4::Record& record) const = 0;
    virtual std::optional<Spread> spreadOf(const q4::Record&) const { return std::nullopt; }
    // After the axes were fitted to the data (or to nothing): fixed ranges, reference lines.
    virtual void finishAxes(bool hasData) = 0;

    QCustomPlot* plot() const { return plot_; }
    // A dashed horizontal line across the plot (speedup 1.0, 100 % of the floor).
    void addReferenceLine(double y);
    // Fills the graphs from the document; subclasses call it at the end of their constructor.
    void rebuild();
    void changeEvent(QEvent* event) override;
    bool paint(QPaintDevice* device, int width, int height) const override;

private:
    struct Point {
        double x = 0, y = 0;
        Spread spread;
        int index = 0;  // into the run's or the baseline's records
    };
    struct Series {
        QCPGraph* graph = nullptr;
        QCPErrorBars* bars = nullptr;  // only for charts with a spread
        bool baseline = false;
        std::vector<Point> points;
    };

    void onRecordAppended(int index);
    Series* addRecord(const q4::Record& record, int index, bool baseline);
    Series& seriesFor(const q4::Record& record, bool baseline);
    void refreshData(Series& series);
    void fitAxes();
    void applyStyle();
    void toggleSeries(QCPAbstractLegendItem* item);
    void showTooltip(QMouseEvent* event);
    const q4::Record& recordOf(const Series& series, const Point& point) const;
    QString seriesId(const q4::Record& record, bool baseline) const;

    RunDocument* document_;
    QCustomPlot* plot_;
    std::vector<Series> series_;
    QHash<QString, int> seriesIndex_;  // series id -> index into series_
    QSet<QString> hidden_;             // series ids toggled off in the legend; kept over baseline changes
    QCPItemStraightLine* referenceLine_ = nullptr;
    SeriesColors colors_;
    bool byShape_ = false;
};

}  // namespace q4ui
