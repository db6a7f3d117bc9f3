#include "charts/memory_chart.h"

#include <QCursor>
#include <QEvent>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarLegendMarker>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QHorizontalStackedBarSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <qcustomplot.h>

#include "charts/chart_common.h"
#include "charts/chart_style.h"

namespace q4ui {

namespace {

const char* const kPartNames[] = {
    QT_TRANSLATE_NOOP("q4ui::MemoryChart", "weights"),
    QT_TRANSLATE_NOOP("q4ui::MemoryChart", "scales + zeros"),
    QT_TRANSLATE_NOOP("q4ui::MemoryChart", "g_idx / perm"),
    QT_TRANSLATE_NOOP("q4ui::MemoryChart", "activations + output"),
    QT_TRANSLATE_NOOP("q4ui::MemoryChart", "workspace"),
};

double partBytes(const q4::MemoryBreakdown& mem, int part) {
    switch (part) {
        case 0: return double(mem.weights);
        case 1: return double(mem.scales + mem.zeros);
        case 2: return double(mem.gIdx);
        case 3: return double(mem.activations + mem.output);
        default: return double(mem.workspace);
    }
}

// Whether a later record should replace the one shown for its kernel: ok first, then the
// largest m, then the largest layer, then the latest.
bool replaces(const q4::Record& later, const q4::Record& shown) {
    const bool laterOk = later.status == q4::RecordStatus::Ok;
    const bool shownOk = shown.status == q4::RecordStatus::Ok;
    if (laterOk != shownOk) return laterOk;
    if (later.m != shown.m) return later.m > shown.m;
    if (later.n * later.k != shown.n * shown.k) return later.n * later.k > shown.n * shown.k;
    return true;
}

}  // namespace

MemoryChart::MemoryChart(RunDocument* document, QWidget* parent)
    : ChartWidget(parent),
      document_(document),
      chart_(new QChart),
      view_(new QChartView(chart_, this)),
      series_(new QHorizontalStackedBarSeries),
      categoryAxis_(new QBarCategoryAxis),
      valueAxis_(new QValueAxis) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    view_->setRenderHint(QPainter::Antialiasing);

    for (int part = 0; part < kParts; ++part) {
        QBarSet* set = new QBarSet(tr(kPartNames[part]));
        set->setColor(seriesColor(part));
        set->setBorderColor(Qt::transparent);
        series_->append(set);
        sets_[std::size_t(part)] = set;
        connect(set, &QBarSet::hovered, this,
                [this, part](bool entered, int category) { showTooltip(entered, part, category); });
    }
    chart_->setTitle(tr("Memory held per kernel (largest point)"));
    QFont titleFont = font();
    titleFont.setBold(true);
    chart_->setTitleFont(titleFont);
    chart_->addSeries(series_);
    chart_->addAxis(valueAxis_, Qt::AlignBottom);
    chart_->addAxis(categoryAxis_, Qt::AlignLeft);
    series_->attachAxis(valueAxis_);
    series_->attachAxis(categoryAxis_);
    valueAxis_->setTitleText(fieldUnit("mem_peak_mb"));
    valueAxis_->setLabelFormat(QStringLiteral("%.0f"));
    chart_->legend()->setAlignment(Qt::AlignBottom);
    for (QLegendMarker* marker : chart_->legend()->markers(series_)) {
        auto* barMarker = qobject_cast<QBarLegendMarker*>(marker);
        const auto it = std::find(sets_.begin(), sets_.end(), barMarker ? barMarker->barset() : nullptr);
        if (it != sets_.end())
            connect(marker, &QLegendMarker::clicked, this, [this, part = int(it - sets_.begin())] { toggleSet(part); });
    }

    connect(document_, &RunDocument::reset, this, &MemoryChart::rebuild);
    connect(document_, &RunDocument::recordAppended, this, [this](int index) {
        considerRecord(index);
        fill();
    });
    rebuild();
    applyStyle();
}

int MemoryChart::pointCount() const {
    int count = 0;
    for (const QBarSet* set : sets_) count += set->count();
    return count;
}

void MemoryChart::rebuild() {
    categories_.clear();
    for (int i = 0; i < int(document_->records().size()); ++i) considerRecord(i);
    fill();
}

void MemoryChart::considerRecord(int index) {
    const q4::Record& record = document_->records()[std::size_t(index)];
    if (record.mem.total() <= 0 || !shows(record)) return;
    const QString label = seriesLabel(record, false);
    for (Category& category : categories_) {
        if (category.label != label) continue;
        if (replaces(record, document_->records()[std::size_t(category.index)])) category.index = index;
        return;
    }
    categories_.push_back({label, index});
}

void MemoryChart::fill() {
    QStringList labels;
    double highest = 0;
    std::array<QList<qreal>, kParts> values;
    // Bar charts count categories from the bottom; reversed, the first kernel is on top.
    for (auto it = categories_.rbegin(); it != categories_.rend(); ++it) {
        const Category& category = *it;
        labels << category.label;
        const q4::MemoryBreakdown& mem = document_->records()[std::size_t(category.index)].mem;
        double total = 0;
        for (int part = 0; part < kParts; ++part) {
            const double mb = hidden_[std::size_t(part)] ? 0.0 : partBytes(mem, part) / 1e6;
            values[std::size_t(part)] << mb;
            total += mb;
        }
        highest = std::max(highest, total);
    }
    for (int part = 0; part < kParts; ++part) {
        QBarSet* set = sets_[std::size_t(part)];
        const QList<qreal>& next = values[std::size_t(part)];
        if (set->count() == next.size()) {
            for (int i = 0; i < next.size(); ++i) set->replace(i, next[i]);
        } else {
            if (set->count() > 0) set->remove(0, set->count());
            set->append(next);
        }
    }
    if (categoryAxis_->categories() != labels) categoryAxis_->setCategories(labels);
    valueAxis_->setRange(0, highest > 0 ? highest * 1.08 : 1.0);
    valueAxis_->applyNiceNumbers();
}

void MemoryChart::applyStyle() {
    const ChartColors colors = chartColors(palette());
    applyColors(chart_, colors);
    view_->setBackgroundBrush(colors.background);
    const auto markers = chart_->legend()->markers(series_);
    for (QLegendMarker* marker : markers) {
        auto* barMarker = qobject_cast<QBarLegendMarker*>(marker);
        const auto it = std::find(sets_.begin(), sets_.end(), barMarker ? barMarker->barset() : nullptr);
        if (it == sets_.end()) continue;
        const bool hidden = hidden_[std::size_t(it - sets_.begin())];
        marker->setLabelBrush(hidden ? colors.muted : colors.text);
        marker->setBrush(hidden ? colors.muted : (*it)->color());
    }
}

void MemoryChart::toggleSet(int part) {
    hidden_[std::size_t(part)] = !hidden_[std::size_t(part)];
    fill();
    applyStyle();
}

void MemoryChart::showTooltip(bool entered, int part, int bar) {
    const int category = int(categories_.size()) - 1 - bar;
    if (!entered || category < 0 || category >= int(categories_.size())) {
        QToolTip::hideText();
        return;
    }
    const q4::Record& record = document_->records()[std::size_t(categories_[std::size_t(category)].index)];
    const QString text =
        recordTooltip(record, false) +
        QStringLiteral("\n%1: %2 of %3")
            .arg(tr(kPartNames[part]), formatMb(partBytes(record.mem, part)), formatMb(double(record.mem.total())));
    QToolTip::showText(QCursor::pos(), text, view_);
}

void MemoryChart::changeEvent(QEvent* event) {
    ChartWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyStyle();
}

bool MemoryChart::draw(QCPPainter* painter, int width, int height) const {
    const QRectF target(0, 0, width, height);
    painter->fillRect(target, chart_->backgroundBrush());
    // Lay the chart out at the requested size for the drawing, then put it back.
    const QRectF shown = chart_->geometry();
    chart_->setGeometry(QRectF(shown.topLeft(), target.size()));
    if (chart_->layout()) chart_->layout()->activate();
    chart_->scene()->render(painter, target, chart_->geometry());
    chart_->setGeometry(shown);
    if (chart_->layout()) chart_->layout()->activate();
    return true;
}

}  // namespace q4ui
