#include "charts/charts_view.h"

#include <QDir>

#include "charts/floor_chart.h"
#include "charts/latency_chart.h"
#include "charts/memory_chart.h"
#include "charts/speedup_chart.h"
#include "model/run_provenance.h"

namespace q4ui {

ChartsView::ChartsView(RunDocument* document, QWidget* parent) : QTabWidget(parent), document_(document) {
    addChart(QStringLiteral("latency"), tr("Latency"), new LatencyChart(document, this));
    addChart(QStringLiteral("memory"), tr("Memory"), new MemoryChart(document, this));
    addChart(QStringLiteral("speedup"), tr("Speedup"), new SpeedupChart(document, this));
    addChart(QStringLiteral("floor"), tr("Share of floor"), new FloorChart(document, this));
    updateFooters();
    connect(document_, &RunDocument::reset, this, &ChartsView::updateFooters);
    connect(document_, &RunDocument::runFinished, this, &ChartsView::updateFooters);
}

void ChartsView::updateFooters() {
    // An exported chart says where its figures come from, as the line above the charts does.
    const QString provenance = provenanceText(document_->run().info);
    for (const auto& entry : charts_) entry.second->setFooter(provenance);
}

void ChartsView::setRecordFilter(const RecordPredicate& filter) {
    for (const auto& entry : charts_) entry.second->setRecordFilter(filter);
}

void ChartsView::addChart(const QString& name, const QString& title, ChartWidget* chart) {
    chart->setObjectName(name);
    addTab(chart, title);
    charts_.emplace_back(name, chart);
}

ChartWidget* ChartsView::chart(const QString& name) const {
    for (const auto& [chartName, chart] : charts_)
        if (chartName == name) return chart;
    return nullptr;
}

QStringList ChartsView::chartNames() const {
    QStringList names;
    for (const auto& entry : charts_) names << entry.first;
    return names;
}

QString ChartsView::exportChart(const QString& name, const QString& path, int width, int height) const {
    const ChartWidget* target = chart(name);
    if (!target)
        return tr("cannot export chart to %1: unknown chart '%2' (known: %3)")
            .arg(QDir::toNativeSeparators(path), name, chartNames().join(QStringLiteral(", ")));
    return target->exportTo(path, width, height);
}

int ChartsView::plottedPointCount(const QString& name) const {
    const ChartWidget* target = chart(name);
    return target ? target->pointCount() : 0;
}

QImage ChartsView::chartImage(const QString& name, int width, int height, qreal scale) const {
    const ChartWidget* target = chart(name);
    return target && width > 0 && height > 0 && scale > 0 ? target->toImage(width, height, scale) : QImage();
}

QPicture ChartsView::chartPicture(const QString& name, int width, int height) const {
    const ChartWidget* target = chart(name);
    return target && width > 0 && height > 0 ? target->toPicture(width, height) : QPicture();
}

QString ChartsView::chartTitle(const QString& name) const {
    for (int i = 0; i < count(); ++i)
        if (widget(i)->objectName() == name) return tabText(i);
    return {};
}

QString ChartsView::currentChartName() const { return currentWidget() ? currentWidget()->objectName() : QString(); }

}  // namespace q4ui
