#pragma once
// The live charts of a RunDocument, one tab each: latency vs m (QCustomPlot, log axes, median
// in ms with p10-p90 bars), memory breakdown per kernel (Qt Charts, stacked bars), speedup vs
// cublas_fp16 (or the backend's baseline), and the share of the floor reached (floor time over
// measured time, the floor from the measured ceilings). They update as each record lands, draw
// baseline runs as overlaid dashed curves, follow the palette (dark or light), toggle series from
// the list beside each plot and show the record under the cursor in a tooltip. They plot only the
// records the record filter accepts (the table's filter), and every drawing carries the run's
// provenance as a footer.
#include <QImage>
#include <QPicture>
#include <QString>
#include <QStringList>
#include <QTabWidget>
#include <utility>
#include <vector>

#include "model/run_document.h"

namespace q4ui {

class ChartWidget;

class ChartsView : public QTabWidget {
    Q_OBJECT
public:
    explicit ChartsView(RunDocument* document, QWidget* parent = nullptr);

    QStringList chartNames() const;  // "latency", "memory", "speedup", "floor"
    // Writes one chart as PNG, PDF or SVG (by the path's suffix); returns an error or empty.
    QString exportChart(const QString& name, const QString& path, int width = 1200, int height = 800) const;
    // Data points currently plotted in a chart, summed over its series (for tests and status).
    int plottedPointCount(const QString& name) const;

    // The chart drawn at a size, in memory (null for an unknown name), scale device pixels per
    // pixel; reports embed these.
    QImage chartImage(const QString& name, int width = 1200, int height = 800, qreal scale = 1) const;
    // The same as vector drawing commands (null for an unknown name), for printed reports.
    QPicture chartPicture(const QString& name, int width = 1200, int height = 800) const;
    QString chartTitle(const QString& name) const;  // the tab's text, "" for an unknown name
    QString currentChartName() const;               // the chart in the visible tab

    // Every chart plots only the records the predicate accepts; empty plots all.
    void setRecordFilter(const RecordPredicate& filter);

private:
    void addChart(const QString& name, const QString& title, ChartWidget* chart);
    ChartWidget* chart(const QString& name) const;
    void updateFooters();

    RunDocument* document_;
    std::vector<std::pair<QString, ChartWidget*>> charts_;
};

}  // namespace q4ui
