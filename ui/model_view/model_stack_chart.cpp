#include "model_view/model_stack_chart.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QSignalBlocker>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <set>
#include <qcustomplot.h>

#include "charts/chart_style.h"

namespace q4ui {

namespace {

constexpr double kBarWidth = 0.6;
constexpr int kUprightLabels = 6;  // more bars than this get vertical labels
constexpr std::size_t kPaletteSize = 10;  // seriesColor()'s distinct colors
constexpr double kFewestSlots = 3;       // one or two bars keep the width they would have among three

}  // namespace

ModelStackChart::ModelStackChart(ModelDocument* document, StackMetric metric, QWidget* parent)
    : ModelChart(document, metric.title, parent), metric_(std::move(metric)), batchCombo_(new QComboBox) {
    batchCombo_->setObjectName(QStringLiteral("batchCombo"));
    batchCombo_->setToolTip(tr("The batch each kernel's bar shows"));
    batchCombo_->addItem(tr("largest per kernel"), QVariant::fromValue<qint64>(0));
    batchCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 4, 6, 0);
    row->addWidget(new QLabel(tr("Batch:")));
    row->addWidget(batchCombo_);
    row->addStretch();
    if (auto* box = qobject_cast<QVBoxLayout*>(layout())) box->insertLayout(0, row);
    connect(batchCombo_, &QComboBox::currentIndexChanged, this, [this] {
        choose();
        fill();
    });

    hidden_.assign(metric_.parts.size(), false);
    for (std::size_t part = 0; part < metric_.parts.size(); ++part) {
        auto* bars = new QCPBars(plot()->xAxis, plot()->yAxis);
        bars->setName(metric_.parts[part].label);
        bars->setWidth(kBarWidth);
        bars->setWidthType(QCPBars::wtPlotCoords);
        // Past the palette's ten colors a part takes a darker shade, so no two parts look alike.
        const QColor color = part < kPaletteSize ? seriesColor(int(part)) : seriesColor(int(part)).darker(170);
        bars->setPen(QPen(color.darker(120), 1));
        bars->setBrush(color);
        if (!bars_.empty()) bars->moveAbove(bars_.back());
        bars_.push_back(bars);
    }
    plot()->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot()->xAxis->grid()->setVisible(false);
    plot()->yAxis->setLabel(metric_.valueAxis);
    plot()->yAxis->setNumberFormat(QStringLiteral("g"));

    connect(document, &ModelDocument::reset, this, &ModelStackChart::rebuild);
    connect(document, &ModelDocument::recordAppended, this, &ModelStackChart::rebuild);
    rebuild();
}

int ModelStackChart::pointCount() const {
    int count = 0;
    for (const Category& category : categories_)
        for (std::size_t part = 0; part < metric_.parts.size(); ++part)
            if (valueOf(document()->records()[std::size_t(category.index)], int(part)) > 0) ++count;
    return count;
}

QStringList ModelStackChart::seriesNames() const {
    QStringList names;
    for (const Category& category : categories_) names << category.kernel;
    return names;
}

void ModelStackChart::setBatch(std::int64_t batch) {
    const int index = batchCombo_->findData(QVariant::fromValue<qint64>(batch));
    if (index >= 0) batchCombo_->setCurrentIndex(index);
}

std::int64_t ModelStackChart::batch() const { return batchCombo_->currentData().value<qint64>(); }

int ModelStackChart::recordShown(const QString& kernel) const {
    for (const Category& category : categories_)
        if (category.kernel == kernel) return category.index;
    return -1;
}

double ModelStackChart::partValue(const QString& kernel, int part) const {
    const int index = recordShown(kernel);
    return index < 0 ? 0.0 : valueOf(document()->records()[std::size_t(index)], part);
}

double ModelStackChart::valueOf(const q4::ModelRecord& record, int part) const {
    const std::optional<double> value = metric_.parts[std::size_t(part)].value(record);
    return value && std::isfinite(*value) && *value > 0 ? *value : 0.0;
}

bool ModelStackChart::hasData(const q4::ModelRecord& record) const {
    for (std::size_t part = 0; part < metric_.parts.size(); ++part)
        if (valueOf(record, int(part)) > 0) return true;
    return false;
}

void ModelStackChart::rebuild() {
    refreshBatches();
    choose();
    fill();
}

void ModelStackChart::refreshBatches() {
    std::set<std::int64_t> batches;
    for (const q4::ModelRecord& record : document()->records())
        if (hasData(record)) batches.insert(record.batch);
    const std::int64_t selected = batch();
    const QSignalBlocker quiet(batchCombo_);
    while (batchCombo_->count() > 1) batchCombo_->removeItem(1);
    for (std::int64_t b : batches) batchCombo_->addItem(QString::number(b), QVariant::fromValue<qint64>(b));
    const int index = batchCombo_->findData(QVariant::fromValue<qint64>(selected));
    batchCombo_->setCurrentIndex(std::max(index, 0));
}

void ModelStackChart::choose() {
    categories_.clear();
    const auto& records = document()->records();
    const std::int64_t wanted = batch();
    for (int i = 0; i < int(records.size()); ++i) {
        const q4::ModelRecord& record = records[std::size_t(i)];
        const QString kernel = QString::fromStdString(record.kernel);
        // Every kernel keeps its place in run order, with or without a bar yet.
        auto it = std::find_if(categories_.begin(), categories_.end(),
                               [&](const Category& c) { return c.kernel == kernel; });
        if (it == categories_.end()) {
            categories_.push_back({kernel, -1});
            it = categories_.end() - 1;
        }
        if (!hasData(record) || (wanted > 0 && record.batch != wanted)) continue;
        if (it->index < 0) {
            it->index = i;
            continue;
        }
        // Ok first, then the largest batch, then the latest.
        const q4::ModelRecord& shown = records[std::size_t(it->index)];
        const bool ok = record.status == q4::RecordStatus::Ok;
        const bool shownOk = shown.status == q4::RecordStatus::Ok;
        if (ok != shownOk ? ok : record.batch >= shown.batch) it->index = i;
    }
    categories_.erase(std::remove_if(categories_.begin(), categories_.end(), [](const Category& c) { return c.index < 0; }),
                      categories_.end());
}

void ModelStackChart::fill() {
    const auto& records = document()->records();
    auto ticker = qSharedPointerDynamicCast<QCPAxisTickerText>(plot()->xAxis->ticker());
    ticker->clear();
    std::vector<QVector<double>> values(metric_.parts.size());
    QVector<double> keys;
    double highest = 0;
    const bool largest = batch() == 0;
    for (int c = 0; c < int(categories_.size()); ++c) {
        const Category& category = categories_[std::size_t(c)];
        const q4::ModelRecord& record = records[std::size_t(category.index)];
        const double key = c + 1;
        keys << key;
        ticker->addTick(key, largest ? QStringLiteral("%1\nbatch %2").arg(category.kernel).arg(record.batch)
                                     : category.kernel);
        double total = 0;
        for (std::size_t part = 0; part < metric_.parts.size(); ++part) {
            const double value = hidden_[part] ? 0.0 : valueOf(record, int(part));
            values[part] << value;
            total += value;
        }
        highest = std::max(highest, total);
    }
    for (std::size_t part = 0; part < bars_.size(); ++part) bars_[part]->setData(keys, values[part], true);
    plot()->xAxis->setTickLabelRotation(categories_.size() > kUprightLabels ? -90 : 0);
    const double room = std::max(0.0, kFewestSlots - double(categories_.size())) / 2;
    plot()->xAxis->setRange(0.4 - room, double(categories_.size()) + 0.6 + room);
    plot()->yAxis->setRange(0, highest > 0 ? highest * 1.1 : 1.0);
    setTitle(largest ? tr("%1 (largest batch per kernel)").arg(metric_.title)
                     : tr("%1 at batch %2").arg(metric_.title).arg(batch()));
    applyStyle();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ModelStackChart::applyStyle() {
    ModelChart::applyStyle();
    const ChartColors colors = chartColors(palette());
    for (int i = 0; i < plot()->legend->itemCount(); ++i) {
        auto* item = qobject_cast<QCPPlottableLegendItem*>(plot()->legend->item(i));
        if (!item) continue;
        const auto it = std::find(bars_.begin(), bars_.end(), item->plottable());
        if (it != bars_.end() && hidden_[std::size_t(it - bars_.begin())]) item->setTextColor(colors.muted);
    }
}

void ModelStackChart::toggleLegendItem(QCPAbstractLegendItem* item) {
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!entry) return;
    const auto it = std::find(bars_.begin(), bars_.end(), entry->plottable());
    if (it == bars_.end()) return;
    const std::size_t part = std::size_t(it - bars_.begin());
    hidden_[part] = !hidden_[part];
    fill();
}

void ModelStackChart::showTooltip(QMouseEvent* event) {
    const QPointF pos = event->position();
    const double key = plot()->xAxis->pixelToCoord(pos.x());
    const int c = int(std::lround(key)) - 1;
    if (c < 0 || c >= int(categories_.size()) || std::abs(key - (c + 1)) > kBarWidth / 2) {
        QToolTip::hideText();
        return;
    }
    const q4::ModelRecord& record = document()->records()[std::size_t(categories_[std::size_t(c)].index)];
    const double y = plot()->yAxis->pixelToCoord(pos.y());
    double below = 0, total = 0;
    int part = -1;
    for (std::size_t p = 0; p < metric_.parts.size(); ++p) {
        const double value = hidden_[p] ? 0.0 : valueOf(record, int(p));
        if (part < 0 && value > 0 && y >= below && y < below + value) part = int(p);
        below += value;
        total += value;
    }
    if (part < 0) {
        QToolTip::hideText();
        return;
    }
    const QString text = QStringLiteral("%1, batch %2\n%3: %4 %5 of %6 %5")
                             .arg(QString::fromStdString(record.kernel))
                             .arg(record.batch)
                             .arg(metric_.parts[std::size_t(part)].label)
                             .arg(QString::number(valueOf(record, part), 'g', 4), metric_.valueAxis)
                             .arg(QString::number(total, 'g', 4));
    QToolTip::showText(event->globalPosition().toPoint(), text, plot());
}

}  // namespace q4ui
