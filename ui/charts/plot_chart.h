#pragma once
// The base of the QCustomPlot charts (latency, speedup, share of floor): one series per kernel
// (and act-order, and shape when there are several), filled from a RunDocument as records land;
// baseline runs as dashed, hollow-marked series of the same color and marker. Over several m
// values each series is a curve over m on a log2 axis; a run of one m gets one bar per series
// instead, since a curve of one point has no axis to read. The series are listed beside the plot
// with a check box each; drawings (exports, reports) carry a legend of their own. Hovering a
// point shows its record. Subclasses choose the y value (and optionally its p10-p90 spread) and
// finish the axes.
#include <QHash>
#include <QSplitter>
#include <QSet>
#include <QString>
#include <optional>
#include <set>
#include <vector>

#include "charts/chart_common.h"
#include "charts/chart_widget.h"
#include "model/run_document.h"

class QCPAbstractPlottable;
class QCPErrorBars;
class QCPItemStraightLine;
class QCPLayoutGrid;
class QCPTextElement;
class QCustomPlot;
class QMouseEvent;

namespace q4ui {

class SeriesList;

class PlotChart : public ChartWidget {
    Q_OBJECT
public:
    int pointCount() const override;
    bool showsBars() const { return bars_; }  // one m value: a bar per series

protected:
    PlotChart(RunDocument* document, const QString& title, QWidget* parent);

    struct Spread {
        double low = 0, high = 0;  // p10 and p90 of the value, in y units
    };
    // The y of a record, or none when it is not plotted. Only ok records are offered.
    virtual std::optional<double> valueOf(const q4::Record& record) const = 0;
    virtual std::optional<Spread> spreadOf(const q4::Record&) const { return std::nullopt; }
    // Before the series are filled: the value axis' scale for curves or bars.
    virtual void setUpValueAxis(bool /*bars*/) {}
    // After the axes were fitted to the data (or to nothing): fixed ranges, reference lines.
    virtual void finishAxes(bool hasData) = 0;

    QCustomPlot* plot() const { return plot_; }
    // A dashed horizontal line across the plot (speedup 1.0, 100 % of the floor).
    void addReferenceLine(double y);
    // Fills the series from the document; subclasses call it at the end of their constructor.
    void rebuild() override;
    void changeEvent(QEvent* event) override;
    bool draw(QCPPainter* painter, int width, int height) const override;

private:
    struct Point {
        double x = 0, y = 0;  // x: m, or the series' bar position
        Spread spread;
        int index = 0;  // into the run's or the baseline's records
    };
    struct Series {
        QString id;
        QCPAbstractPlottable* plottable = nullptr;  // a QCPGraph, or QCPBars for bars
        QCPErrorBars* bars = nullptr;               // only for charts with a spread
        bool baseline = false;
        double position = 0;  // the bar's x
        std::vector<Point> points;
    };

    bool plottable(const q4::Record& record) const;
    void onRecordAppended(int index);
    Series* addRecord(const q4::Record& record, int index, bool baseline);
    Series& seriesFor(const q4::Record& record, bool baseline);
    void refreshData(Series& series);
    void setUpKeyAxis();
    void fitAxes();
    void applyStyle();
    void setSeriesShown(const QString& id, bool shown);
    void fitSeriesList();
    void showTooltip(QMouseEvent* event);
    const q4::Record& recordOf(const Series& series, const Point& point) const;
    QString seriesId(const q4::Record& record, bool baseline) const;

    RunDocument* document_;
    QCustomPlot* plot_;
    SeriesList* list_;
    QSplitter* splitter_;  // the plot, and the series list beside it
    QCPTextElement* title_ = nullptr;
    QCPLayoutGrid* body_ = nullptr;  // the axis rect, and a legend column while drawing
    std::vector<Series> series_;
    QHash<QString, int> seriesIndex_;  // series id -> index into series_
    QSet<QString> hidden_;             // series ids unchecked in the list; kept over baseline changes
    std::set<std::int64_t> ms_;        // the m values plotted
    QCPItemStraightLine* referenceLine_ = nullptr;
    SeriesColors colors_;
    bool byShape_ = false;
    bool bars_ = false;
};

}  // namespace q4ui
