#include "model_view/model_charts.h"

#include <QDir>

#include "model_view/model_batch_chart.h"
#include "model_view/model_fields.h"
#include "model_view/model_provenance.h"
#include "model_view/model_stack_chart.h"

namespace q4ui {

namespace {

constexpr double kBytesPerMb = 1e6;  // decimal MB, as mem_peak_mb

QString unitOr(std::string_view key, const QString& fallback) {
    const QString unit = modelFieldUnit(key);
    return unit.isEmpty() ? fallback : unit;
}

BatchMetric throughputMetric() {
    BatchMetric metric;
    metric.title = QObject::tr("Decode throughput");
    metric.valueAxis = unitOr("tokens_per_s", QStringLiteral("tokens/s"));
    metric.value = [](const q4::ModelRecord& r) -> std::optional<double> {
        if (!q4::isTimed(r)) return std::nullopt;
        return r.tokensPerSecond;
    };
    return metric;
}

BatchMetric latencyMetric() {
    BatchMetric metric;
    metric.title = QObject::tr("Per-token decode latency (mean, p10–p90)");
    metric.valueAxis = unitOr("per_token_ms_mean", QStringLiteral("ms"));
    metric.value = [](const q4::ModelRecord& r) -> std::optional<double> {
        if (!q4::isTimed(r)) return std::nullopt;
        return r.perToken.mean * 1e3;
    };
    metric.spread = [](const q4::ModelRecord& r) -> std::optional<std::pair<double, double>> {
        return std::make_pair(r.perToken.p10 * 1e3, r.perToken.p90 * 1e3);
    };
    return metric;
}

StackPart memoryPart(const QString& label, std::int64_t q4::ModelMemory::*member) {
    return {label, [member](const q4::ModelRecord& r) -> std::optional<double> {
                return double(r.mem.*member) / kBytesPerMb;
            }};
}

StackMetric memoryMetric() {
    StackMetric metric;
    metric.title = QObject::tr("Memory by purpose");
    metric.valueAxis = unitOr("mem_peak_mb", QStringLiteral("MB"));
    metric.parts = {
        memoryPart(QObject::tr("quantized weights"), &q4::ModelMemory::quantWeights),
        memoryPart(QObject::tr("scales"), &q4::ModelMemory::scales),
        memoryPart(QObject::tr("zeros"), &q4::ModelMemory::zeros),
        memoryPart(QObject::tr("g_idx"), &q4::ModelMemory::gIdx),
        memoryPart(QObject::tr("embeddings"), &q4::ModelMemory::embeddings),
        memoryPart(QObject::tr("KV cache"), &q4::ModelMemory::kvCache),
        memoryPart(QObject::tr("activations"), &q4::ModelMemory::activations),
        memoryPart(QObject::tr("workspace"), &q4::ModelMemory::workspace),
    };
    return metric;
}

StackMetric componentMetric() {
    StackMetric metric;
    metric.title = QObject::tr("Profiled decode step by component");
    const auto& columns = componentColumns();
    metric.valueAxis = columns.empty() ? QStringLiteral("ms") : unitOr(columns.front().field->key, QStringLiteral("ms"));
    for (const ComponentColumn& column : columns)
        metric.parts.push_back({column.name, [column](const q4::ModelRecord& r) { return componentMs(r, column); }});
    return metric;
}

}  // namespace

ModelChartsView::ModelChartsView(ModelDocument* document, QWidget* parent) : QTabWidget(parent), document_(document) {
    addChart(QStringLiteral("throughput"), tr("Tokens/s"), new ModelBatchChart(document, throughputMetric(), this));
    addChart(QStringLiteral("latency"), tr("Per-token latency"), new ModelBatchChart(document, latencyMetric(), this));
    addChart(QStringLiteral("memory"), tr("Memory"), new ModelStackChart(document, memoryMetric(), this));
    addChart(QStringLiteral("components"), tr("Step components"), new ModelStackChart(document, componentMetric(), this));
    updateFooters();
    connect(document_, &ModelDocument::reset, this, &ModelChartsView::updateFooters);
    connect(document_, &ModelDocument::runFinished, this, &ModelChartsView::updateFooters);
}

void ModelChartsView::addChart(const QString& name, const QString& title, ModelChart* chart) {
    chart->setObjectName(name);
    addTab(chart, title);
    charts_.emplace_back(name, chart);
}

void ModelChartsView::updateFooters() {
    const QString provenance = modelProvenanceText(document_->run().info);
    for (const auto& entry : charts_) entry.second->setFooter(provenance);
}

QStringList ModelChartsView::chartNames() const {
    QStringList names;
    for (const auto& entry : charts_) names << entry.first;
    return names;
}

ModelChart* ModelChartsView::chart(const QString& name) const {
    for (const auto& [chartName, chart] : charts_)
        if (chartName == name) return chart;
    return nullptr;
}

QString ModelChartsView::currentChartName() const {
    return currentWidget() ? currentWidget()->objectName() : QString();
}

QString ModelChartsView::exportChart(const QString& name, const QString& path, int width, int height) const {
    const ModelChart* target = chart(name);
    if (!target)
        return tr("cannot export chart to %1: unknown chart '%2' (known: %3)")
            .arg(QDir::toNativeSeparators(path), name, chartNames().join(QStringLiteral(", ")));
    return target->exportTo(path, width, height);
}

int ModelChartsView::plottedPointCount(const QString& name) const {
    const ModelChart* target = chart(name);
    return target ? target->pointCount() : 0;
}

QStringList ModelChartsView::seriesNames(const QString& name) const {
    const ModelChart* target = chart(name);
    return target ? target->seriesNames() : QStringList();
}

QImage ModelChartsView::chartImage(const QString& name, int width, int height) const {
    const ModelChart* target = chart(name);
    return target && width > 0 && height > 0 ? target->toImage(width, height) : QImage();
}

}  // namespace q4ui
