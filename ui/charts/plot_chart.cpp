#include "charts/plot_chart.h"

#include <QEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

#include "charts/chart_style.h"

namespace q4ui {

namespace {

constexpr double kHoverPixels = 10;

// Widens an axis range by a factor about its middle; geometric middle on log axes.
void padAxis(QCPAxis* axis, double factor) {
    const QCPRange range = axis->range();
    const bool log = axis->scaleType() == QCPAxis::stLogarithmic;
    axis->scaleRange(factor, log ? std::sqrt(range.lower * range.upper) : range.center());
}

}  // namespace

PlotChart::PlotChart(RunDocument* document, const QString& title, QWidget* parent)
    : ChartWidget(parent), document_(document), plot_(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);

    QFont titleFont = font();
    titleFont.setBold(true);
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title, titleFont));

    // The legend sits right of the axis rect, top-aligned, so it never hides data.
    auto* side = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(1, 1, side);
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    side->addElement(0, 0, plot_->legend);
    side->addElement(1, 0, new QCPLayoutElement(plot_));  // takes the height the legend leaves
    side->setRowStretchFactor(0, 0.001);
    side->setMargins(QMargins(0, 0, 0, 0));
    plot_->plotLayout()->setColumnStretchFactor(1, 0.001);
    plot_->legend->setVisible(true);

    // m doubles from point to point in every preset.
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setLogBase(2);
    ticker->setSubTickCount(0);
    ticker->setTickCount(12);
    plot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setNumberFormat(QStringLiteral("g"));
    plot_->xAxis->setLabel(tr("m (activation rows)"));

    connect(plot_, &QCustomPlot::legendClick, this,
            [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) { toggleSeries(item); });
    connect(plot_, &QCustomPlot::mouseMove, this, &PlotChart::showTooltip);
    connect(document_, &RunDocument::reset, this, [this] {
        hidden_.clear();
        rebuild();
    });
    connect(document_, &RunDocument::baselineChanged, this, &PlotChart::rebuild);
    connect(document_, &RunDocument::recordAppended, this, &PlotChart::onRecordAppended);
}

int PlotChart::pointCount() const {
    int count = 0;
    for (const Series& series : series_) count += series.graph->dataCount();
    return count;
}

void PlotChart::addReferenceLine(double y) {
    referenceLine_ = new QCPItemStraightLine(plot_);
    referenceLine_->point1->setCoords(1, y);
    referenceLine_->point2->setCoords(2, y);
    referenceLine_->setLayer(QStringLiteral("grid"));
    referenceLine_->setSelectable(false);
}

void PlotChart::rebuild() {
    plot_->clearPlottables();
    series_.clear();
    seriesIndex_.clear();
    byShape_ = hasSeveralShapes(*document_);
    assignColors(colors_, *document_, byShape_);

    const auto& records = document_->records();
    for (int i = 0; i < int(records.size()); ++i) addRecord(records[std::size_t(i)], i, false);
    if (document_->baseline()) {
        const auto& baseline = document_->baseline()->records;
        for (int i = 0; i < int(baseline.size()); ++i) addRecord(baseline[std::size_t(i)], i, true);
    }
    for (Series& series : series_) refreshData(series);
    applyStyle();
    fitAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotChart::onRecordAppended(int index) {
    const auto& records = document_->records();
    const q4::Record& record = records[std::size_t(index)];
    // A second shape relabels every series, so start over.
    if (!byShape_ && shapeKey(record) != shapeKey(records.front())) {
        rebuild();
        return;
    }
    colors_.slot(seriesKey(record, byShape_));
    if (Series* series = addRecord(record, index, false)) {
        refreshData(*series);
        fitAxes();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

QString PlotChart::seriesId(const q4::Record& record, bool baseline) const {
    const QString key = seriesKey(record, byShape_);
    return baseline ? key + QStringLiteral("|baseline") : key;
}

PlotChart::Series* PlotChart::addRecord(const q4::Record& record, int index, bool baseline) {
    if (record.status != q4::RecordStatus::Ok || record.m <= 0) return nullptr;
    const std::optional<double> value = valueOf(record);
    if (!value || !std::isfinite(*value)) return nullptr;
    Series& series = seriesFor(record, baseline);
    series.points.push_back({double(record.m), *value, spreadOf(record).value_or(Spread{*value, *value}), index});
    return &series;
}

PlotChart::Series& PlotChart::seriesFor(const q4::Record& record, bool baseline) {
    const QString id = seriesId(record, baseline);
    if (auto it = seriesIndex_.constFind(id); it != seriesIndex_.constEnd()) return series_[std::size_t(*it)];

    const QColor color = seriesColor(colors_.slot(seriesKey(record, byShape_)));
    Series series;
    series.baseline = baseline;
    series.graph = plot_->addGraph();
    series.graph->setName(seriesLabel(record, byShape_) + (baseline ? tr(" (baseline)") : QString()));
    if (baseline) {
        series.graph->setPen(QPen(color, 1.5, Qt::DashLine));
        series.graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(color, 1.5), Qt::NoBrush, 6));
    } else {
        series.graph->setPen(QPen(color, 2));
        series.graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 6));
    }
    if (spreadOf(record)) {
        series.bars = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
        series.bars->removeFromLegend();
        series.bars->setDataPlottable(series.graph);
        series.bars->setPen(QPen(baseline ? QColor(color.red(), color.green(), color.blue(), 140) : color, 1));
        series.bars->setWhiskerWidth(6);
        series.bars->setSymbolGap(0);
    }
    const bool visible = !hidden_.contains(id);
    series.graph->setVisible(visible);
    if (series.bars) series.bars->setVisible(visible);

    seriesIndex_.insert(id, int(series_.size()));
    series_.push_back(series);
    return series_.back();
}

void PlotChart::refreshData(Series& series) {
    std::stable_sort(series.points.begin(), series.points.end(),
                     [](const Point& a, const Point& b) { return a.x < b.x; });
    QVector<double> xs, ys, minus, plus;
    for (const Point& point : series.points) {
        xs << point.x;
        ys << point.y;
        minus << std::max(0.0, point.y - point.spread.low);
        plus << std::max(0.0, point.spread.high - point.y);
    }
    series.graph->setData(xs, ys, true);
    if (series.bars) series.bars->setData(minus, plus);
}

void PlotChart::fitAxes() {
    bool hasData = false;
    for (const Series& series : series_) hasData = hasData || (series.graph->visible() && !series.points.empty());
    if (hasData) {
        plot_->rescaleAxes(true);
        padAxis(plot_->xAxis, 1.2);
        padAxis(plot_->yAxis, 1.15);
    } else {
        plot_->xAxis->setRange(0.8, 80);
    }
    finishAxes(hasData);
}

void PlotChart::applyStyle() {
    const ChartColors colors = chartColors(palette());
    applyColors(plot_, colors);
    for (int i = 0; i < plot_->legend->itemCount(); ++i) {
        auto* item = qobject_cast<QCPPlottableLegendItem*>(plot_->legend->item(i));
        if (item && !item->plottable()->visible()) item->setTextColor(colors.muted);
    }
    if (referenceLine_) referenceLine_->setPen(QPen(colors.axis, 1, Qt::DashLine));
}

void PlotChart::toggleSeries(QCPAbstractLegendItem* item) {
    auto* legendItem = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!legendItem) return;
    for (std::size_t i = 0; i < series_.size(); ++i) {
        Series& series = series_[i];
        if (series.graph != legendItem->plottable()) continue;
        const bool visible = !series.graph->visible();
        series.graph->setVisible(visible);
        if (series.bars) series.bars->setVisible(visible);
        const QString id = seriesIndex_.key(int(i));
        if (visible)
            hidden_.remove(id);
        else
            hidden_.insert(id);
    }
    applyStyle();
    fitAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotChart::showTooltip(QMouseEvent* event) {
    const QPointF pos = event->position();
    double best = kHoverPixels * kHoverPixels;
    const Series* hitSeries = nullptr;
    const Point* hitPoint = nullptr;
    for (const Series& series : series_) {
        if (!series.graph->visible()) continue;
        for (const Point& point : series.points) {
            const double dx = plot_->xAxis->coordToPixel(point.x) - pos.x();
            const double dy = plot_->yAxis->coordToPixel(point.y) - pos.y();
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                hitSeries = &series;
                hitPoint = &point;
            }
        }
    }
    if (hitPoint)
        QToolTip::showText(event->globalPosition().toPoint(),
                           recordTooltip(recordOf(*hitSeries, *hitPoint), hitSeries->baseline), plot_);
    else
        QToolTip::hideText();
}

const q4::Record& PlotChart::recordOf(const Series& series, const Point& point) const {
    const auto& records = series.baseline ? document_->baseline()->records : document_->records();
    return records[std::size_t(point.index)];
}

void PlotChart::changeEvent(QEvent* event) {
    ChartWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyStyle();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

bool PlotChart::paint(QPaintDevice* device, int width, int height) const {
    QCPPainter painter(device);
    if (!painter.isActive()) return false;
    // PDF and SVG: lines as vectors, not cached pixmaps.
    if (device->devType() != QInternal::Image && device->devType() != QInternal::Pixmap)
        painter.setModes(QCPPainter::pmVectorized | QCPPainter::pmNoCaching);
    plot_->toPainter(&painter, width, height);
    painter.end();
    // Drawing at another size moved the layout; the widget lays itself out again.
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

}  // namespace q4ui
