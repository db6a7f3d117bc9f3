#include "charts/plot_chart.h"

#include <QEvent>
#include <QFontMetrics>
#include <QMouseEvent>
#include <QPixmap>
#include <QSplitter>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <qcustomplot.h>

#include "charts/chart_style.h"
#include "charts/series_list.h"

namespace q4ui {

namespace {

constexpr double kHoverPixels = 10;
constexpr double kBarWidth = 0.7;   // of the unit between bar positions
constexpr int kBarLabelPixels = 200;  // longer bar labels are elided; the list has them whole
constexpr int kUprightBarLabels = 4;  // more bars than this get vertical labels

// Widens an axis range by a factor about its middle; geometric middle on log axes.
void padAxis(QCPAxis* axis, double factor) {
    const QCPRange range = axis->range();
    const bool log = axis->scaleType() == QCPAxis::stLogarithmic;
    axis->scaleRange(factor, log ? std::sqrt(range.lower * range.upper) : range.center());
}

// The series' swatch for the list: its line and marker, or its bar.
QIcon seriesIcon(const QCPAbstractPlottable* plottable, const QSize& size) {
    QPixmap pixmap(size);
    pixmap.fill(Qt::transparent);
    QCPPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPointF middle(size.width() / 2.0, size.height() / 2.0);
    if (const auto* graph = qobject_cast<const QCPGraph*>(plottable)) {
        painter.setPen(graph->pen());
        painter.drawLine(QLineF(0, middle.y(), size.width(), middle.y()));
        graph->scatterStyle().applyTo(&painter, graph->pen());
        graph->scatterStyle().drawShape(&painter, middle);
    } else {
        painter.setPen(plottable->pen());
        painter.setBrush(plottable->brush());
        painter.drawRect(QRectF(QPointF(0, 0), size).adjusted(size.width() / 4.0, 1, -size.width() / 4.0, -1));
    }
    painter.end();
    return QIcon(pixmap);
}

}  // namespace

PlotChart::PlotChart(RunDocument* document, const QString& title, QWidget* parent)
    : ChartWidget(parent),
      document_(document),
      plot_(new QCustomPlot),
      list_(new SeriesList),
      splitter_(new QSplitter(Qt::Horizontal, this)) {
    splitter_->addWidget(plot_);
    splitter_->addWidget(list_);
    splitter_->setStretchFactor(0, 1);
    splitter_->setStretchFactor(1, 0);
    splitter_->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter_);

    // The title has a row of its own across the whole width: a legend beside the axis rect
    // (in drawings) never squeezes it.
    QFont titleFont = font();
    titleFont.setBold(true);
    QCPAxisRect* rect = plot_->axisRect();
    QCPLayoutGrid* top = plot_->plotLayout();
    top->take(rect);
    top->simplify();
    title_ = new QCPTextElement(plot_, title, titleFont);
    top->addElement(0, 0, title_);
    body_ = new QCPLayoutGrid;
    top->addElement(1, 0, body_);
    body_->addElement(0, 0, rect);
    // The widget lists the series in list_; the legend only shows in drawings (see draw()).
    plot_->legend->setVisible(false);
    plot_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst);

    connect(list_, &SeriesList::shownChanged, this, &PlotChart::setSeriesShown);
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
    for (const Series& series : series_) count += series.plottable->interface1D()->dataCount();
    return count;
}

void PlotChart::addReferenceLine(double y) {
    referenceLine_ = new QCPItemStraightLine(plot_);
    referenceLine_->point1->setCoords(1, y);
    referenceLine_->point2->setCoords(2, y);
    referenceLine_->setLayer(QStringLiteral("grid"));
    referenceLine_->setSelectable(false);
}

bool PlotChart::plottable(const q4::Record& record) const {
    if (record.status != q4::RecordStatus::Ok || record.m <= 0 || !shows(record)) return false;
    const std::optional<double> value = valueOf(record);
    return value && std::isfinite(*value);
}

void PlotChart::rebuild() {
    plot_->clearPlottables();
    list_->clearSeries();
    series_.clear();
    seriesIndex_.clear();
    byShape_ = hasSeveralShapes(*document_);
    // Colors follow every record, filtered or not, so a filter never repaints a series.
    assignColors(colors_, *document_, byShape_);

    const auto& records = document_->records();
    const std::vector<q4::Record>* baseline = document_->baseline() ? &document_->baseline()->records : nullptr;
    ms_.clear();
    for (const auto& record : records)
        if (plottable(record)) ms_.insert(record.m);
    if (baseline)
        for (const auto& record : *baseline)
            if (plottable(record)) ms_.insert(record.m);
    bars_ = ms_.size() == 1;
    setUpKeyAxis();
    setUpValueAxis(bars_);

    for (int i = 0; i < int(records.size()); ++i) addRecord(records[std::size_t(i)], i, false);
    if (baseline)
        for (int i = 0; i < int(baseline->size()); ++i) addRecord((*baseline)[std::size_t(i)], i, true);
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
    if (!plottable(record)) return;
    // The first m turns an empty chart into bars, the second turns bars into curves.
    ms_.insert(record.m);
    if (bars_ != (ms_.size() == 1)) {
        rebuild();
        return;
    }
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
    if (!plottable(record)) return nullptr;
    const double value = *valueOf(record);
    Series& series = seriesFor(record, baseline);
    const double x = bars_ ? series.position : double(record.m);
    series.points.push_back({x, value, spreadOf(record).value_or(Spread{value, value}), index});
    return &series;
}

PlotChart::Series& PlotChart::seriesFor(const q4::Record& record, bool baseline) {
    const QString id = seriesId(record, baseline);
    if (auto it = seriesIndex_.constFind(id); it != seriesIndex_.constEnd()) return series_[std::size_t(*it)];

    // The slot picks both color and marker shape: where ten colors repeat, the shape differs.
    const int slot = colors_.slot(seriesKey(record, byShape_));
    const QColor color = seriesColor(slot);
    Series series;
    series.id = id;
    series.baseline = baseline;
    series.position = double(series_.size() + 1);
    // A baseline keeps its series' color and marker, dashed and hollow (hatched as a bar).
    const Qt::PenStyle line = baseline ? Qt::DashLine : Qt::SolidLine;
    if (bars_) {
        auto* bar = new QCPBars(plot_->xAxis, plot_->yAxis);
        bar->setWidth(kBarWidth);
        bar->setPen(QPen(color.darker(125), 1.5, line));
        bar->setBrush(baseline ? QBrush(color, Qt::BDiagPattern) : QBrush(color));
        series.plottable = bar;
    } else {
        QCPGraph* graph = plot_->addGraph();
        graph->setPen(QPen(color, baseline ? 1.5 : 2, line));
        graph->setScatterStyle(
            QCPScatterStyle(seriesShape(slot), QPen(color, 1.5), baseline ? QBrush(Qt::NoBrush) : QBrush(color), 7));
        series.plottable = graph;
    }
    series.plottable->setName(seriesLabel(record, byShape_) + (baseline ? tr(" (baseline)") : QString()));
    if (spreadOf(record)) {
        series.bars = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
        series.bars->removeFromLegend();
        series.bars->setDataPlottable(series.plottable);
        series.bars->setPen(QPen(baseline ? QColor(color.red(), color.green(), color.blue(), 140) : color, 1));
        series.bars->setWhiskerWidth(6);
        series.bars->setSymbolGap(0);
    }
    const bool visible = !hidden_.contains(id);
    series.plottable->setVisible(visible);
    if (series.bars) series.bars->setVisible(visible);
    list_->addSeries(id, series.plottable->name(), seriesIcon(series.plottable, list_->iconSize()), visible);
    fitSeriesList();

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
    if (auto* graph = qobject_cast<QCPGraph*>(series.plottable)) graph->setData(xs, ys, true);
    if (auto* bar = qobject_cast<QCPBars*>(series.plottable)) bar->setData(xs, ys, true);
    if (series.bars) series.bars->setData(minus, plus);
}

void PlotChart::setUpKeyAxis() {
    QCPAxis* x = plot_->xAxis;
    x->grid()->setVisible(!bars_);
    if (bars_) {
        // One bar per series, labelled below; ticks are filled by fitAxes as series appear.
        x->setScaleType(QCPAxis::stLinear);
        x->setTicker(QSharedPointer<QCPAxisTickerText>::create());
        x->setLabel(tr("series at m = %1").arg(*ms_.begin()));
        return;
    }
    // m doubles from point to point in every preset.
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setLogBase(2);
    ticker->setSubTickCount(0);
    ticker->setTickCount(12);
    x->setScaleType(QCPAxis::stLogarithmic);
    x->setTicker(ticker);
    x->setTickLabelRotation(0);
    x->setNumberFormat(QStringLiteral("g"));
    x->setLabel(tr("m (activation rows)"));
}

void PlotChart::fitAxes() {
    bool hasData = false;
    for (const Series& series : series_) hasData = hasData || (series.plottable->visible() && !series.points.empty());
    QCPAxis* x = plot_->xAxis;
    QCPAxis* y = plot_->yAxis;
    if (bars_) {
        auto ticker = qSharedPointerDynamicCast<QCPAxisTickerText>(x->ticker());
        ticker->clear();
        const QFontMetrics metrics(x->tickLabelFont());
        for (const Series& series : series_)
            ticker->addTick(series.position,
                            metrics.elidedText(series.plottable->name(), Qt::ElideMiddle, kBarLabelPixels));
        x->setTickLabelRotation(series_.size() > kUprightBarLabels ? -90 : 0);
        x->setRange(0.4, double(series_.size()) + 0.6);
        // Bars start at zero: their length is the value.
        if (hasData) {
            y->rescale(true);
            y->setRange(0, y->range().upper * 1.1);
        }
    } else if (hasData) {
        plot_->rescaleAxes(true);
        padAxis(x, 1.2);
        padAxis(y, 1.15);
    } else {
        x->setRange(0.8, 80);
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

// A splitter keeps its sizes once shown, so a list that gets longer names widens to its size
// hint (bounded by the list itself) unless it is already wider; the user may still drag it.
void PlotChart::fitSeriesList() {
    const QList<int> sizes = splitter_->sizes();
    const int want = list_->sizeHint().width();
    if (sizes.size() != 2 || sizes[1] >= want || sizes[0] + sizes[1] <= want) return;
    splitter_->setSizes({sizes[0] + sizes[1] - want, want});
}

void PlotChart::setSeriesShown(const QString& id, bool shown) {
    const auto it = seriesIndex_.constFind(id);
    if (it == seriesIndex_.constEnd()) return;
    Series& series = series_[std::size_t(*it)];
    series.plottable->setVisible(shown);
    if (series.bars) series.bars->setVisible(shown);
    if (shown)
        hidden_.remove(id);
    else
        hidden_.insert(id);
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
        if (!series.plottable->visible()) continue;
        for (const Point& point : series.points) {
            const double px = plot_->xAxis->coordToPixel(point.x);
            const double py = plot_->yAxis->coordToPixel(point.y);
            double distance = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
            if (bars_) {  // anywhere on the bar
                const double half = std::abs(plot_->xAxis->coordToPixel(point.x + kBarWidth / 2) - px);
                const double base = plot_->yAxis->coordToPixel(0);
                const bool inside = std::abs(pos.x() - px) <= half && pos.y() >= std::min(py, base) &&
                                    pos.y() <= std::max(py, base);
                distance = inside ? 0 : std::numeric_limits<double>::infinity();
            }
            if (distance < best) {
                best = distance;
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

bool PlotChart::draw(QCPPainter* painter, int width, int height) const {
    // A drawing has no list beside it: the legend goes right of the axis rect, top-aligned in
    // a column of its own, wrapped into as many columns as the height needs.
    QCPLegend* legend = plot_->legend;
    auto* column = new QCPLayoutGrid;
    body_->addElement(0, 1, column);
    body_->setColumnStretchFactor(1, 0.001);
    plot_->axisRect()->insetLayout()->take(legend);
    column->addElement(0, 0, legend);
    column->addElement(1, 0, new QCPLayoutElement(plot_));  // takes the height the legend leaves
    column->setRowStretchFactor(0, 0.001);
    if (legend->itemCount() > 0) {
        // Through the base class, where the size hints are public.
        const QCPLayoutElement* item = legend->item(0);
        const QCPLayoutElement* title = title_;
        const int itemHeight = item->minimumOuterSizeHint().height() + legend->rowSpacing();
        const int room = height - title->minimumOuterSizeHint().height() - plot_->plotLayout()->rowSpacing() -
                         legend->margins().top() - legend->margins().bottom();
        legend->setWrap(std::max(1, room / std::max(1, itemHeight)));
        legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);  // places the items by the new wrap
    }
    legend->setVisible(true);

    plot_->toPainter(painter, width, height);

    legend->setVisible(false);
    column->take(legend);
    plot_->axisRect()->insetLayout()->addElement(legend, Qt::AlignRight | Qt::AlignTop);
    body_->remove(column);
    body_->simplify();
    // Drawing at another size moved the layout; the widget lays itself out again.
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

}  // namespace q4ui
