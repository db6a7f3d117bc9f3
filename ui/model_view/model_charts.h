#pragma once
// The Model view's live charts, one tab each, filling as records land: decode throughput
// (tokens/s) and per-token latency (mean with p10-p90) against batch, one curve per kernel;
// memory by purpose and the profiled decode step's time by component, stacked per kernel. Every
// chart exports as PNG, PDF or SVG with the run's provenance as a footer.
#include <QImage>
#include <QString>
#include <QStringList>
#include <QTabWidget>
#include <utility>
#include <vector>

#include "model_view/model_document.h"

namespace q4ui {

class ModelChart;

class ModelChartsView : public QTabWidget {
    Q_OBJECT
public:
    explicit ModelChartsView(ModelDocument* document, QWidget* parent = nullptr);

    QStringList chartNames() const;  // "throughput", "latency", "memory", "components"
    ModelChart* chart(const QString& name) const;
    QString currentChartName() const;
    // Writes one chart as PNG, PDF or SVG (by the path's suffix); returns an error or empty.
    QString exportChart(const QString& name, const QString& path, int width = 1200, int height = 800) const;
    int plottedPointCount(const QString& name) const;
    QStringList seriesNames(const QString& name) const;  // the kernels a chart shows
    QImage chartImage(const QString& name, int width = 1200, int height = 800) const;

private:
    void addChart(const QString& name, const QString& title, ModelChart* chart);
    void updateFooters();

    ModelDocument* document_;
    std::vector<std::pair<QString, ModelChart*>> charts_;
};

}  // namespace q4ui
