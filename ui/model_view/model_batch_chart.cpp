#include "model_view/model_batch_chart.h"

#include <QMouseEvent>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

#include "charts/chart_style.h"

namespace q4ui {

namespace {

constexpr double kHoverPixels = 10;

}  // namespace

ModelBatchChart::ModelBatchChart(ModelDocument* document, BatchMetric metric, QWidget* parent)
    : ModelChart(document, metric.title, parent), metric_(std::move(metric)) {
    // Batch sizes double from point to point in the usual lists.
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setLogBase(2);
    ticker->setSubTickCount(0);
    ticker->setTickCount(12);
    QCPAxis* x = plot()->xAxis;
    x->setScaleType(QCPAxis::stLogarithmic);
    x->setTicker(ticker);
    x->setNumberFormat(QStringLiteral("g"));
    x->setLabel(tr("batch (sequences)"));
    plot()->yAxis->setLabel(metric_.valueAxis);
    plot()->yAxis->setNumberFormat(QStringLiteral("g"));

    connect(document, &ModelDocument::reset, this, [this] {
        hidden_.clear();
        rebuild();
    });
    connect(document, &ModelDocument::recordAppended, this, &ModelBatchChart::onRecordAppended);
    rebuild();
}

int ModelBatchChart::pointCount() const {
    int count = 0;
    for (const Series& series : series_) count += int(series.points.size());
    return count;
}

QStringList ModelBatchChart::seriesNames() const {
    QStringList names;
    for (const Series& series : series_) names << series.kernel;
    return names;
}

std::optional<double> ModelBatchChart::plottedValue(const q4::ModelRecord& record) const {
    if (record.status != q4::RecordStatus::Ok || record.batch < 1) return std::nullopt;
    const std::optional<double> value = metric_.value(record);
    if (!value || !std::isfinite(*value)) return std::nullopt;
    return value;
}

void ModelBatchChart::rebuild() {
    plot()->clearPlottables();
    series_.clear();
    seriesIndex_.clear();
    colors_.clear();
    const auto& records = document()->records();
    // Colors follow the kernels' first appearance, plotted or not, as in every chart of the view.
    for (const q4::ModelRecord& record : records) colors_.slot(QString::fromStdString(record.kernel));
    for (int i = 0; i < int(records.size()); ++i) addRecord(i);
    for (Series& series : series_) refreshData(series);
    applyStyle();
    fitAxes();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ModelBatchChart::onRecordAppended(int index) {
    colors_.slot(QString::fromStdString(document()->records()[std::size_t(index)].kernel));
    Series* series = addRecord(index);
    if (!series) return;
    refreshData(*series);
    applyStyle();
    fitAxes();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

ModelBatchChart::Series* ModelBatchChart::addRecord(int index) {
    const q4::ModelRecord& record = document()->records()[std::size_t(index)];
    const std::optional<double> value = plottedValue(record);
    if (!value) return nullptr;
    Series& series = seriesFor(QString::fromStdString(record.kernel));
    Point point{double(record.batch), *value, *value, *value, index};
    if (metric_.spread)
        if (const auto spread = metric_.spread(record)) {
            point.low = spread->first;
            point.high = spread->second;
        }
    series.points.push_back(point);
    return &series;
}

ModelBatchChart::Series& ModelBatchChart::seriesFor(const QString& kernel) {
    if (auto it = seriesIndex_.constFind(kernel); it != seriesIndex_.constEnd()) return series_[std::size_t(*it)];
    const int slot = colors_.slot(kernel);
    const QColor color = seriesColor(slot);
    Series series;
    series.kernel = kernel;
    series.graph = plot()->addGraph();
    series.graph->setName(kernel);
    series.graph->setPen(QPen(color, 2));
    series.graph->setScatterStyle(QCPScatterStyle(seriesShape(slot), QPen(color, 1.5), QBrush(color), 7));
    if (metric_.spread) {
        series.bars = new QCPErrorBars(plot()->xAxis, plot()->yAxis);
        series.bars->removeFromLegend();
        series.bars->setDataPlottable(series.graph);
        series.bars->setPen(QPen(color, 1));
        series.bars->setWhiskerWidth(6);
        series.bars->setSymbolGap(0);
    }
    const bool shown = !hidden_.contains(kernel);
    series.graph->setVisible(shown);
    if (series.bars) series.bars->setVisible(shown);
    seriesIndex_.insert(kernel, int(series_.size()));
    series_.push_back(series);
    return series_.back();
}

void ModelBatchChart::refreshData(Series& series) {
    std::stable_sort(series.points.begin(), series.points.end(),
                     [](const Point& a, const Point& b) { return a.x < b.x; });
    QVector<double> xs, ys, minus, plus;
    for (const Point& point : series.points) {
        xs << point.x;
        ys << point.y;
        minus << std::max(0.0, point.y - point.low);
        plus << std::max(0.0, point.high - point.y);
    }
    series.graph->setData(xs, ys, true);
    if (series.bars) series.bars->setData(minus, plus);
}

void ModelBatchChart::fitAxes() {
    double xLow = 0, xHigh = 0, yHigh = 0;
    bool any = false;
    for (const Series& series : series_) {
        if (!series.graph->visible()) continue;
        for (const Point& point : series.points) {
            xLow = any ? std::min(xLow, point.x) : point.x;
            xHigh = any ? std::max(xHigh, point.x) : point.x;
            yHigh = std::max(yHigh, std::max(point.y, point.high));
            any = true;
        }
    }
    // Half a doubling of room either side of the batches; values from zero, so heights compare.
    plot()->xAxis->setRange(any ? xLow / 1.4 : 0.7, any ? xHigh * 1.4 : 22.0);
    plot()->yAxis->setRange(0, any && yHigh > 0 ? yHigh * 1.12 : 1.0);
}

void ModelBatchChart::applyStyle() {
    ModelChart::applyStyle();
    const ChartColors colors = chartColors(palette());
    for (int i = 0; i < plot()->legend->itemCount(); ++i) {
        auto* item = qobject_cast<QCPPlottableLegendItem*>(plot()->legend->item(i));
        if (item && !item->plottable()->visible()) item->setTextColor(colors.muted);
    }
}

void ModelBatchChart::setSeriesShown(const QString& kernel, bool shown) {
    if (shown) hidden_.remove(kernel);
    else hidden_.insert(kernel);
    if (auto it = seriesIndex_.constFind(kernel); it != seriesIndex_.constEnd()) {
        Series& series = series_[std::size_t(*it)];
        series.graph->setVisible(shown);
        if (series.bars) series.bars->setVisible(shown);
    }
    applyStyle();
    fitAxes();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ModelBatchChart::toggleLegendItem(QCPAbstractLegendItem* item) {
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!entry) return;
    const QString kernel = entry->plottable()->name();
    setSeriesShown(kernel, hidden_.contains(kernel));
}

void ModelBatchChart::showTooltip(QMouseEvent* event) {
    const QPointF pos = event->position();
    double best = kHoverPixels * kHoverPixels;
    const Point* hit = nullptr;
    for (const Series& series : series_) {
        if (!series.graph->visible()) continue;
        for (const Point& point : series.points) {
            const double dx = plot()->xAxis->coordToPixel(point.x) - pos.x();
            const double dy = plot()->yAxis->coordToPixel(point.y) - pos.y();
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                hit = &point;
            }
        }
    }
    if (!hit) {
        QToolTip::hideText();
        return;
    }
    const q4::ModelRecord& record = document()->records()[std::size_t(hit->index)];
    QString text = QStringLiteral("%1\nbatch %2\n%3 %4")
                       .arg(QString::fromStdString(record.kernel))
                       .arg(record.batch)
                       .arg(QString::number(hit->y, 'g', 4), metric_.valueAxis);
    if (metric_.spread)
        text += QStringLiteral("  (p10 %1 – p90 %2)").arg(QString::number(hit->low, 'g', 4), QString::number(hit->high, 'g', 4));
    QToolTip::showText(event->globalPosition().toPoint(), text, plot());
}

}  // namespace q4ui
