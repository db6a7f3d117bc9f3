// The Model view's parts without a run: the panel's validation names the bad field, the table's
// columns are the model record field table, the charts get one series per kernel from fed
// records, and charts export with the run's provenance.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>

#include "model/model_record.h"
#include "model_test_util.h"
#include "model_view/model_batch_chart.h"
#include "model_view/model_charts.h"
#include "model_view/model_document.h"
#include "model_view/model_fields.h"
#include "model_view/model_panel.h"
#include "model_view/model_provenance.h"
#include "model_view/model_stack_chart.h"
#include "model_view/model_table_model.h"
#include "panel/backend_choices.h"
#include "panel/field_validation.h"
#include "sweep/presets.h"

namespace {

using q4test::doesNotFit;
using q4test::modelRecord;

QLineEdit* edit(const q4ui::ModelPanel& panel, const char* key) {
    auto* widget = qobject_cast<QLineEdit*>(panel.fieldWidget(key));
    EXPECT_NE(widget, nullptr) << key;
    return widget;
}

// A panel on this build's backends, holding the tiny CPU model.
class ModelPanelTest : public ::testing::Test {
protected:
    void SetUp() override {
        panel.setBackends(q4ui::availableBackends());
        panel.setSpec(q4test::tinyCpuModel());
        ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    }
    q4ui::ModelPanel panel;
};

TEST_F(ModelPanelTest, TheTinyModelIsRunnable) {
    EXPECT_TRUE(panel.runButton()->isEnabled());
    EXPECT_FALSE(panel.cancelButton()->isEnabled());
    EXPECT_EQ(panel.recordCount(), 2);  // 2 batches x 1 kernel
    const q4::ModelSpec spec = panel.spec();
    EXPECT_EQ(spec.preset, "tiny-llama");
    EXPECT_EQ(spec.batches, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(spec.prompt, 8);
    EXPECT_EQ(spec.newTokens, 4);
    EXPECT_EQ(spec.kernels, std::vector<std::string>{"cpu_fp32_reference"});
    EXPECT_EQ(spec.timing.minSamples, 2);
    for (const char* key : {"batch", "prompt", "new_tokens", "kernels", "preset"}) EXPECT_TRUE(panel.fieldError(key).isEmpty()) << key;
}

TEST_F(ModelPanelTest, SparsityComesFromItsComboAndRoundTrips) {
    auto* combo = qobject_cast<QComboBox*>(panel.fieldWidget("sparsity"));
    ASSERT_NE(combo, nullptr);
    EXPECT_EQ(panel.spec().sparsity, q4::Sparsity::None);
    combo->setCurrentIndex(combo->findData(QStringLiteral("2:4")));
    EXPECT_EQ(panel.spec().sparsity, q4::Sparsity::Sparse2of4);
    q4::ModelSpec spec = panel.spec();
    spec.sparsity = q4::Sparsity::Sparse16of32;
    panel.setSpec(spec);
    EXPECT_EQ(combo->currentData().toString(), QStringLiteral("16:32"));
    EXPECT_EQ(panel.spec().sparsity, q4::Sparsity::Sparse16of32);
}

TEST_F(ModelPanelTest, ABatchOfZeroIsNamedAtTheBatchField) {
    edit(panel, "batch")->setText("1,0,4");
    EXPECT_FALSE(panel.isValid());
    EXPECT_FALSE(panel.runButton()->isEnabled());
    const QString error = panel.fieldError("batch");
    EXPECT_TRUE(error.contains("batch")) << error.toStdString();
    EXPECT_TRUE(error.contains('0')) << error.toStdString();
    EXPECT_TRUE(q4ui::isMarked(panel.fieldWidget("batch")));
    // Only that field is blamed.
    EXPECT_TRUE(panel.fieldError("prompt").isEmpty());
    EXPECT_FALSE(q4ui::isMarked(panel.fieldWidget("prompt")));
    EXPECT_TRUE(panel.validationMessage().contains(error));

    edit(panel, "batch")->setText("1,2,4,8,16");
    EXPECT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    EXPECT_TRUE(panel.fieldError("batch").isEmpty());
    EXPECT_FALSE(q4ui::isMarked(panel.fieldWidget("batch")));
    EXPECT_EQ(panel.recordCount(), 5);
}

TEST_F(ModelPanelTest, ANonNumericPromptIsNamedAtThePromptField) {
    edit(panel, "prompt")->setText("x");
    EXPECT_FALSE(panel.isValid());
    const QString error = panel.fieldError("prompt");
    EXPECT_TRUE(error.contains("prompt")) << error.toStdString();
    EXPECT_TRUE(error.contains("\"x\"") || error.contains("'x'") || error.contains(" x")) << error.toStdString();
    EXPECT_TRUE(panel.fieldError("batch").isEmpty());
    EXPECT_TRUE(panel.fieldError("new_tokens").isEmpty());

    edit(panel, "new_tokens")->setText("-3");
    EXPECT_FALSE(panel.fieldError("new_tokens").isEmpty());
    EXPECT_FALSE(panel.fieldError("prompt").isEmpty());  // both listed at once
}

TEST_F(ModelPanelTest, NoKernelsIsNamedAtTheKernelList) {
    auto* list = qobject_cast<QListWidget*>(panel.fieldWidget("kernels"));
    ASSERT_NE(list, nullptr);
    ASSERT_GT(list->count(), 0);
    panel.findChild<QPushButton*>("modelNoKernelsButton")->click();
    EXPECT_FALSE(panel.isValid());
    EXPECT_FALSE(panel.runButton()->isEnabled());
    EXPECT_TRUE(panel.fieldError("kernels").contains("kernel")) << panel.fieldError("kernels").toStdString();
    EXPECT_TRUE(q4ui::isMarked(list));

    list->item(0)->setCheckState(Qt::Checked);
    EXPECT_TRUE(panel.fieldError("kernels").isEmpty());
}

TEST_F(ModelPanelTest, ACheckpointNeedsADirectory) {
    panel.findChild<QRadioButton*>("modelCheckpointRadio")->setChecked(true);
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.fieldError("checkpoint").contains("checkpoint"));
    EXPECT_TRUE(panel.fieldError("preset").isEmpty());
    // The random weights' settings do not apply to a checkpoint: a bad group size waits.
    edit(panel, "group_size")->setText("7");
    EXPECT_TRUE(panel.fieldError("group_size").isEmpty());

    QTemporaryDir dir;
    edit(panel, "checkpoint")->setText(dir.path());
    EXPECT_TRUE(panel.fieldError("checkpoint").isEmpty()) << panel.fieldError("checkpoint").toStdString();
    EXPECT_EQ(panel.spec().checkpoint, dir.path().toStdString());
    EXPECT_TRUE(panel.spec().preset.empty());

    panel.findChild<QRadioButton*>("modelPresetRadio")->setChecked(true);
    EXPECT_TRUE(panel.fieldError("group_size").contains("group_size")) << panel.fieldError("group_size").toStdString();
}

TEST_F(ModelPanelTest, LockedWhileRunning) {
    panel.setRunning(true);
    EXPECT_FALSE(panel.runButton()->isEnabled());
    EXPECT_TRUE(panel.cancelButton()->isEnabled());
    EXPECT_FALSE(panel.fieldWidget("batch")->isEnabled());
    panel.setRunning(false);
    panel.setBusyReason("a sweep is running");
    EXPECT_FALSE(panel.runButton()->isEnabled());
    EXPECT_EQ(panel.runButton()->toolTip(), "a sweep is running");
    panel.setBusyReason({});
    EXPECT_TRUE(panel.runButton()->isEnabled());
}

TEST(ModelPanel, PresetsAreTheModelPresets) {
    q4ui::ModelPanel panel;
    auto* combo = qobject_cast<QComboBox*>(panel.fieldWidget("preset"));
    ASSERT_NE(combo, nullptr);
    QStringList names;
    for (int i = 0; i < combo->count(); ++i) names << combo->itemData(i).toString();
    QStringList expected;
    for (const std::string& name : q4::modelPresetNames()) expected << QString::fromStdString(name);
    EXPECT_EQ(names, expected);
    EXPECT_TRUE(names.contains("tiny-llama"));
    EXPECT_FALSE(names.contains("original"));  // layer-only presets have no architecture
}

TEST(ModelTable, ColumnsAreTheModelRecordFields) {
    q4ui::ModelDocument document;
    q4ui::ModelTableModel model(&document);
    const auto& fields = q4::modelRecordFields();
    ASSERT_EQ(model.columnCount(), int(fields.size()));
    for (int c = 0; c < model.columnCount(); ++c) {
        EXPECT_EQ(model.headerData(c, Qt::Horizontal).toString().toStdString(), fields[std::size_t(c)].label);
        EXPECT_EQ(model.headerData(c, Qt::Horizontal, q4ui::ModelTableModel::FieldKeyRole).toString().toStdString(),
                  fields[std::size_t(c)].key);
    }
    // The default columns exist in the table and include what a run is read for.
    const QStringList shown = q4ui::ModelTableModel::defaultColumnKeys();
    for (const char* key : {"model", "kernel", "batch", "ttft_ms", "per_token_ms_mean", "tokens_per_s", "mem_peak_mb",
                            "status", "message"})
        EXPECT_TRUE(shown.contains(key)) << key;
    for (const QString& key : shown) EXPECT_GE(q4ui::ModelTableModel::columnOf(key.toStdString()), 0) << key.toStdString();
    EXPECT_EQ(q4ui::ModelTableModel::columnOf("no_such_field"), -1);
    // Every component of the profiled step has its column.
    for (const std::string& name : q4::stepComponentNames()) EXPECT_GE(q4ui::ModelTableModel::columnOf(name + "_ms"), 0) << name;
}

TEST(ModelTable, RowsShowRecordsAndWhyOneDidNotRun) {
    q4ui::ModelDocument document;
    q4ui::ModelTableModel model(&document);
    document.appendRecord(modelRecord("best_int4", 4, 8e-3));
    document.appendRecord(doesNotFit("cublas_fp16", 64));
    ASSERT_EQ(model.rowCount(), 2);

    const int kernel = q4ui::ModelTableModel::columnOf("kernel");
    const int batch = q4ui::ModelTableModel::columnOf("batch");
    const int status = q4ui::ModelTableModel::columnOf("status");
    const int message = q4ui::ModelTableModel::columnOf("message");
    const int tokens = q4ui::ModelTableModel::columnOf("tokens_per_s");
    const int perToken = q4ui::ModelTableModel::columnOf("per_token_ms_mean");
    EXPECT_EQ(model.index(0, kernel).data().toString(), "best_int4");
    EXPECT_EQ(model.index(0, batch).data().toString(), "4");
    EXPECT_EQ(model.index(0, status).data().toString(), "ok");
    const q4::ModelRecord& first = document.records()[0];
    EXPECT_NEAR(model.index(0, tokens).data(q4ui::ModelTableModel::SortRole).toDouble(), *first.tokensPerSecond, 1e-9);
    EXPECT_NEAR(model.index(0, perToken).data(q4ui::ModelTableModel::SortRole).toDouble(), first.perToken.mean * 1e3, 1e-9);
    EXPECT_FALSE(model.index(0, perToken).data().toString().isEmpty());

    // The unsupported record says how much it needs and how much there is; it has no times.
    EXPECT_EQ(model.index(1, status).data().toString(), "unsupported");
    EXPECT_EQ(model.index(1, message).data().toString().toStdString(), doesNotFit("x", 1).message);
    EXPECT_TRUE(model.index(1, kernel).data(Qt::ToolTipRole).toString().contains("79.6 GB"));
    EXPECT_TRUE(model.index(1, perToken).data().toString().isEmpty());
    EXPECT_FALSE(model.index(1, perToken).data(q4ui::ModelTableModel::SortRole).isValid());
    EXPECT_TRUE(model.index(1, kernel).data(Qt::BackgroundRole).isValid());  // tinted
    EXPECT_FALSE(model.index(0, kernel).data(Qt::BackgroundRole).isValid());

    document.setRun({}, QString());
    EXPECT_EQ(model.rowCount(), 0);
}

// Two kernels at three batches, and one batch that did not fit.
void feed(q4ui::ModelDocument& document) {
    q4::RunInfo info;
    info.device.name = "NVIDIA H100 80GB HBM3";
    info.device.driverVersion = "580.65";
    info.backend = "cuda";
    info.startedUtc = "2025-01-01T00:00:00Z";
    q4::ModelSpec spec;
    spec.preset = "llama2-7b";
    spec.batches = {1, 4, 16, 64};
    spec.kernels = {"best_int4", "cublas_fp16"};
    info.specJson = q4::modelSpecToJson(spec);
    document.beginRun(info);
    for (std::int64_t batch : {1, 4, 16}) {
        document.appendRecord(modelRecord("best_int4", batch, 7e-3));
        document.appendRecord(modelRecord("cublas_fp16", batch, 14e-3));
    }
    document.appendRecord(doesNotFit("cublas_fp16", 64));
}

TEST(ModelCharts, OneSeriesPerKernelFromFedRecords) {
    q4ui::ModelDocument document;
    q4ui::ModelChartsView charts(&document);
    EXPECT_EQ(charts.chartNames(), (QStringList{"throughput", "latency", "memory", "components"}));
    for (const QString& name : charts.chartNames()) EXPECT_EQ(charts.plottedPointCount(name), 0) << name.toStdString();

    // Live: the first record starts a series.
    document.beginRun({});
    document.appendRecord(modelRecord("best_int4", 1, 7e-3));
    EXPECT_EQ(charts.seriesNames("throughput"), QStringList{"best_int4"});
    EXPECT_EQ(charts.plottedPointCount("throughput"), 1);

    feed(document);
    for (const QString& name : charts.chartNames())
        EXPECT_EQ(charts.seriesNames(name), (QStringList{"best_int4", "cublas_fp16"})) << name.toStdString();
    // The record that did not fit is not a point.
    EXPECT_EQ(charts.plottedPointCount("throughput"), 6);
    EXPECT_EQ(charts.plottedPointCount("latency"), 6);
    // One stacked bar per kernel: memory has 7 non-zero parts (no g_idx), the step 11 components.
    EXPECT_EQ(charts.plottedPointCount("memory"), 2 * 7);
    EXPECT_EQ(charts.plottedPointCount("components"), 2 * 11);
}

TEST(ModelCharts, StackedBarsShowTheLargestBatchOrTheOnePicked) {
    q4ui::ModelDocument document;
    q4ui::ModelChartsView charts(&document);
    feed(document);
    auto* memory = qobject_cast<q4ui::ModelStackChart*>(charts.chart("memory"));
    auto* components = qobject_cast<q4ui::ModelStackChart*>(charts.chart("components"));
    ASSERT_NE(memory, nullptr);
    ASSERT_NE(components, nullptr);
    const auto& records = document.records();
    // Largest batch per kernel with data: 16 for both (64 did not fit and holds nothing).
    for (const char* kernel : {"best_int4", "cublas_fp16"}) {
        const int shown = memory->recordShown(kernel);
        ASSERT_GE(shown, 0);
        EXPECT_EQ(records[std::size_t(shown)].batch, 16);
        EXPECT_EQ(records[std::size_t(shown)].kernel, kernel);
    }
    const q4::ModelRecord& big = records[std::size_t(memory->recordShown("best_int4"))];
    EXPECT_NEAR(memory->partValue("best_int4", 5), double(big.mem.kvCache) / 1e6, 1e-9);  // the KV cache part

    memory->setBatch(4);
    EXPECT_EQ(records[std::size_t(memory->recordShown("cublas_fp16"))].batch, 4);
    EXPECT_TRUE(memory->title().contains("batch 4")) << memory->title().toStdString();
    memory->setBatch(0);
    EXPECT_EQ(records[std::size_t(memory->recordShown("cublas_fp16"))].batch, 16);

    // Components come from the "<name>_ms" fields, in ms.
    const q4::ModelRecord& step = records[std::size_t(components->recordShown("cublas_fp16"))];
    const auto& columns = q4ui::componentColumns();
    ASSERT_FALSE(columns.empty());
    EXPECT_EQ(columns.front().name, QString::fromStdString(q4::stepComponentNames().front()));
    double sum = 0;
    for (int part = 0; part < int(columns.size()); ++part) sum += components->partValue("cublas_fp16", part);
    EXPECT_NEAR(sum, *step.profiledStepSeconds * 1e3 * 1.0, 1e-6);  // the fed components sum to the step
}

TEST(ModelCharts, LegendHidesAKernel) {
    q4ui::ModelDocument document;
    q4ui::ModelChartsView charts(&document);
    feed(document);
    auto* throughput = qobject_cast<q4ui::ModelBatchChart*>(charts.chart("throughput"));
    ASSERT_NE(throughput, nullptr);
    throughput->setSeriesShown("cublas_fp16", false);
    EXPECT_FALSE(throughput->seriesShown("cublas_fp16"));
    EXPECT_TRUE(throughput->seriesShown("best_int4"));
    EXPECT_EQ(throughput->seriesNames().size(), 2);  // hidden, not removed
}

TEST(ModelCharts, ExportsWithTheRunsProvenance) {
    q4ui::ModelDocument document;
    q4ui::ModelChartsView charts(&document);
    charts.resize(900, 600);
    feed(document);
    const QString provenance = q4ui::modelProvenanceText(document.run().info);
    EXPECT_TRUE(provenance.contains("NVIDIA H100")) << provenance.toStdString();
    EXPECT_TRUE(provenance.contains("llama2-7b")) << provenance.toStdString();
    EXPECT_EQ(charts.chart("memory")->footer(), provenance);

    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    for (const QString& name : charts.chartNames()) {
        const QString png = dir.filePath(name + ".png");
        EXPECT_TRUE(charts.exportChart(name, png, 800, 500).isEmpty()) << name.toStdString();
        const QImage image(png);
        ASSERT_FALSE(image.isNull()) << name.toStdString();
        EXPECT_EQ(image.size(), QSize(800, 500));
        // Not a blank canvas: the chart drew in more than one color.
        QSet<QRgb> colors;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7) colors.insert(image.pixel(x, y));
        EXPECT_GT(colors.size(), 5) << name.toStdString();
    }
    const QString pdf = dir.filePath("latency.pdf");
    EXPECT_TRUE(charts.exportChart("latency", pdf).isEmpty());
    QFile file(pdf);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(file.read(4), QByteArray("%PDF"));
    EXPECT_FALSE(charts.exportChart("nope", dir.filePath("x.png")).isEmpty());
    EXPECT_FALSE(charts.exportChart("latency", dir.filePath("x.bmp")).isEmpty());
}

}  // namespace
