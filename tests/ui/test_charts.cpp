// The charts fed from a RunDocument: counts as records land, what is not plotted, baselines,
// series toggles, tooltips, exports and the dark palette.
#include <gtest/gtest.h>

#include <algorithm>

#include <QApplication>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QtCharts/QBarSet>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QAbstractBarSeries>
#include <qcustomplot.h>

#include "chart_test_util.h"
#include "charts/charts_view.h"
#include "model/run_document.h"

namespace {

const std::vector<std::int64_t> kMs{1, 2, 4, 8, 16, 32, 64};

// A record as a CUDA run would produce it: times grow with m, p10 < median < p90.
q4::Record okRecord(const std::string& kernel, std::int64_t m, bool actOrder, std::int64_t n = 4096,
                    std::int64_t k = 4096) {
    q4::Record r;
    r.runId = "20250101T000000Z-test";
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.kernel = kernel;
    r.m = m;
    r.n = n;
    r.k = k;
    r.actOrder = actOrder;
    const double base = kernel == "cublas_fp16" ? 40e-6 : kernel == "gptq_naive" ? 30e-6 : 12e-6;
    r.time.samples = 100;
    r.time.median = base * (1.0 + double(m) / 16.0) * (actOrder ? 1.15 : 1.0);
    r.time.p10 = r.time.median * 0.96;
    r.time.p90 = r.time.median * 1.08;
    r.time.min = r.time.p10 * 0.99;
    r.time.max = r.time.p90 * 1.02;
    r.relError = 2e-3;
    r.bytes = double(n * k) / 2 + double(m * k * 2 + m * n * 2);
    r.gbps = r.bytes / r.time.median / 1e9;
    r.fractionOfFloor = std::min(1.0, r.bytes / 3.0e12 / r.time.median);
    r.speedupVsBaseline = 40e-6 * (1.0 + double(m) / 16.0) / r.time.median;
    r.mem.weights = n * k / 2;
    r.mem.scales = n * (k / 128) * 2;
    r.mem.zeros = n * (k / 128) / 2;
    r.mem.gIdx = actOrder ? k * 4 : 0;
    r.mem.activations = m * k * 2;
    r.mem.output = m * n * 2;
    r.mem.workspace = kernel == "exllama_style" ? (8 << 20) : 0;
    r.memPeakBytes = r.mem.total();
    return r;
}

q4::Record failedRecord(const std::string& kernel, std::int64_t m, q4::RecordStatus status,
                        const std::string& message) {
    q4::Record r;
    r.kernel = kernel;
    r.m = m;
    r.n = 4096;
    r.k = 4096;
    r.status = status;
    r.message = message;
    return r;
}

// Three kernels (two with and without act-order), m 1..64, plus records that must not be plotted.
q4::RunResult syntheticRun(double slowdown = 1.0) {
    q4::RunResult run;
    run.info.runId = "20250101T000000Z-test";
    run.info.device.name = "NVIDIA H100 80GB HBM3";
    for (std::int64_t m : kMs) {
        run.records.push_back(okRecord("cublas_fp16", m, false));
        for (const char* kernel : {"gptq_naive", "exllama_style"})
            for (bool actOrder : {false, true}) run.records.push_back(okRecord(kernel, m, actOrder));
    }
    run.records.push_back(failedRecord("tc_int4", 1, q4::RecordStatus::Unsupported, "k=96 is not a multiple of 64"));
    run.records.push_back(failedRecord("tc_int4", 2, q4::RecordStatus::Error, "out of memory"));
    auto incorrect = okRecord("gptq_half2", 4, false);
    incorrect.status = q4::RecordStatus::Incorrect;
    incorrect.mem = {};
    run.records.push_back(incorrect);
    for (auto& r : run.records) {
        r.time.median *= slowdown;
        r.time.p10 *= slowdown;
        r.time.p90 *= slowdown;
    }
    for (std::size_t i = 0; i < run.records.size(); ++i) run.records[i].index = std::int64_t(i);
    return run;
}

int okCount(const std::vector<q4::Record>& records) {
    return int(std::count_if(records.begin(), records.end(),
                             [](const q4::Record& r) { return r.status == q4::RecordStatus::Ok; }));
}

constexpr int kMemoryChartParts = 5;
constexpr int kMemoryCategories = 5;  // cublas_fp16, gptq_naive (+act-order), exllama_style (+act-order)

QCustomPlot* plotNamed(const q4ui::ChartsView& view, const QString& name) {
    QWidget* chart = view.findChild<QWidget*>(name);
    return chart ? chart->findChild<QCustomPlot*>() : nullptr;
}

QChart* memoryChartOf(const q4ui::ChartsView& view) {
    auto* chartView = view.findChild<QChartView*>();
    return chartView ? chartView->chart() : nullptr;
}

bool isDark(const QImage& image) { return image.pixelColor(2, 2).lightness() < 128; }

TEST(Charts, NamesAndEmptyDocument) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    EXPECT_EQ(view.chartNames(), (QStringList{"latency", "memory", "speedup", "floor"}));
    for (const QString& name : view.chartNames()) EXPECT_EQ(view.plottedPointCount(name), 0) << name.toStdString();
    EXPECT_EQ(view.plottedPointCount("nonsense"), 0);
    EXPECT_EQ(view.currentChartName(), "latency");
}

TEST(Charts, LoadedRunPlotsEveryOkRecordAndNothingElse) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    const q4::RunResult run = syntheticRun();
    document.setRun(run, "run.json");

    const int ok = okCount(run.records);
    ASSERT_EQ(ok, 5 * int(kMs.size()));
    EXPECT_EQ(view.plottedPointCount("latency"), ok);
    EXPECT_EQ(view.plottedPointCount("speedup"), ok);
    EXPECT_EQ(view.plottedPointCount("floor"), ok);
    EXPECT_EQ(view.plottedPointCount("memory"), kMemoryCategories * kMemoryChartParts);

    // One graph per kernel and act-order; failed kernels have no series at all.
    QCustomPlot* latency = plotNamed(view, "latency");
    ASSERT_NE(latency, nullptr);
    EXPECT_EQ(latency->graphCount(), 5);
    QStringList names;
    for (int i = 0; i < latency->graphCount(); ++i) names << latency->graph(i)->name();
    EXPECT_TRUE(names.contains("gptq_naive (act-order)"));
    EXPECT_TRUE(names.contains("cublas_fp16"));
    EXPECT_FALSE(names.join(' ').contains("tc_int4"));
    EXPECT_FALSE(names.join(' ').contains("gptq_half2"));
    // The median is plotted in milliseconds, as the table shows it, and the axis says so.
    EXPECT_NEAR(latency->graph(0)->data()->at(0)->value, run.records[0].time.median * 1e3, 1e-12);
    EXPECT_TRUE(latency->yAxis->label().contains("(ms)")) << latency->yAxis->label().toStdString();
}

TEST(Charts, EachSparsityPatternIsItsOwnSeries) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    q4::RunResult run;
    run.info.runId = "20250101T000000Z-sparse";
    for (std::int64_t m : kMs)
        for (q4::Sparsity sparsity : {q4::Sparsity::None, q4::Sparsity::Sparse2of4}) {
            run.records.push_back(okRecord("cublas_fp16", m, false));
            run.records.back().sparsity = sparsity;
        }
    for (std::size_t i = 0; i < run.records.size(); ++i) run.records[i].index = std::int64_t(i);
    document.setRun(run, "sparse.json");

    QCustomPlot* latency = plotNamed(view, "latency");
    ASSERT_NE(latency, nullptr);
    ASSERT_EQ(latency->graphCount(), 2);
    QStringList names;
    for (int i = 0; i < latency->graphCount(); ++i) {
        names << latency->graph(i)->name();
        EXPECT_EQ(latency->graph(i)->dataCount(), int(kMs.size())) << names.back().toStdString();
    }
    EXPECT_TRUE(names.contains("cublas_fp16")) << names.join(", ").toStdString();
    EXPECT_TRUE(names.contains("cublas_fp16 (2:4)")) << names.join(", ").toStdString();
}

TEST(Charts, LiveRecordsAreAddedOneByOne) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    const q4::RunResult run = syntheticRun();
    document.beginRun(run.info);

    std::vector<q4::Record> landed;
    QSet<QString> memoryKernels;
    int previous = 0;
    for (const q4::Record& record : run.records) {
        document.appendRecord(record);
        landed.push_back(record);
        const int ok = okCount(landed);
        EXPECT_EQ(view.plottedPointCount("latency"), ok);
        EXPECT_EQ(view.plottedPointCount("speedup"), ok);
        EXPECT_EQ(view.plottedPointCount("floor"), ok);
        EXPECT_GE(view.plottedPointCount("latency"), previous);
        previous = view.plottedPointCount("latency");
        if (record.mem.total() > 0)
            memoryKernels.insert(QString::fromStdString(record.kernel) + (record.actOrder ? "+act" : ""));
        EXPECT_EQ(view.plottedPointCount("memory"), int(memoryKernels.size()) * kMemoryChartParts);
    }
    EXPECT_EQ(previous, okCount(run.records));

    // A new run starts from nothing.
    document.beginRun(run.info);
    for (const QString& name : view.chartNames()) EXPECT_EQ(view.plottedPointCount(name), 0) << name.toStdString();
}

TEST(Charts, FailedRecordsAreNotPlotted) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    q4::RunResult run;
    run.records.push_back(failedRecord("tc_int4", 1, q4::RecordStatus::Unsupported, "k=96 is not a multiple of 64"));
    run.records.push_back(failedRecord("tc_int4", 2, q4::RecordStatus::Cancelled, ""));
    auto incorrect = okRecord("gptq_naive", 4, false);
    incorrect.status = q4::RecordStatus::Incorrect;
    incorrect.mem = {};
    run.records.push_back(incorrect);
    document.setRun(run, {});
    for (const QString& name : view.chartNames()) EXPECT_EQ(view.plottedPointCount(name), 0) << name.toStdString();
}

TEST(Charts, BaselineAddsDashedCurvesOfTheSameColor) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    const q4::RunResult run = syntheticRun();
    document.setRun(run, {});
    const int ok = okCount(run.records);

    document.setBaseline(syntheticRun(1.3));
    EXPECT_EQ(view.plottedPointCount("latency"), 2 * ok);
    EXPECT_EQ(view.plottedPointCount("speedup"), 2 * ok);
    EXPECT_EQ(view.plottedPointCount("floor"), 2 * ok);

    QCustomPlot* latency = plotNamed(view, "latency");
    ASSERT_NE(latency, nullptr);
    ASSERT_EQ(latency->graphCount(), 10);
    int dashed = 0;
    for (int i = 0; i < latency->graphCount(); ++i) {
        QCPGraph* graph = latency->graph(i);
        if (!graph->name().endsWith(" (baseline)")) continue;
        ++dashed;
        EXPECT_EQ(graph->pen().style(), Qt::DashLine);
        const QString current = graph->name().chopped(int(QString(" (baseline)").size()));
        for (int j = 0; j < latency->graphCount(); ++j)
            if (latency->graph(j)->name() == current) EXPECT_EQ(latency->graph(j)->pen().color(), graph->pen().color());
    }
    EXPECT_EQ(dashed, 5);

    document.clearBaseline();
    EXPECT_EQ(view.plottedPointCount("latency"), ok);
}

TEST(Charts, SeveralShapesGetOneSeriesEach) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.beginRun({});
    for (std::int64_t m : kMs) document.appendRecord(okRecord("exllama_style", m, false, 4096, 4096));
    EXPECT_EQ(plotNamed(view, "latency")->graphCount(), 1);
    // The second shape arrives mid-run: both get their own labelled series.
    for (std::int64_t m : kMs) document.appendRecord(okRecord("exllama_style", m, false, 11008, 4096));
    QCustomPlot* latency = plotNamed(view, "latency");
    ASSERT_EQ(latency->graphCount(), 2);
    EXPECT_EQ(latency->graph(0)->name(), "exllama_style 4096×4096 g128");
    EXPECT_EQ(latency->graph(1)->name(), "exllama_style 11008×4096 g128");
    EXPECT_EQ(view.plottedPointCount("latency"), 2 * int(kMs.size()));
}

TEST(Charts, SymmetricAndZeroFormatAreTheirOwnSeries) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.beginRun({});
    for (std::int64_t m : kMs) {
        q4::Record asymmetric = okRecord("exllama_style", m, false);
        asymmetric.symmetric = false;
        q4::Record v2 = okRecord("exllama_style", m, false);
        v2.zeroFormat = q4::ZeroFormat::V2;
        document.appendRecord(okRecord("exllama_style", m, false));
        document.appendRecord(asymmetric);
        document.appendRecord(v2);
    }
    // Three curves of one point each per m, not one curve with three points at every m.
    QCustomPlot* latency = plotNamed(view, "latency");
    ASSERT_EQ(latency->graphCount(), 3);
    QStringList names;
    for (int i = 0; i < latency->graphCount(); ++i) {
        names << latency->graph(i)->name();
        EXPECT_EQ(latency->graph(i)->dataCount(), int(kMs.size()));
    }
    EXPECT_EQ(names, (QStringList{"exllama_style 4096×4096 g128", "exllama_style 4096×4096 g128 asym",
                                  "exllama_style 4096×4096 g128 v2"}));
}

TEST(Charts, TheFloorChartSaysItPlotsTheShareOfTheFloor) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    const q4::RunResult run = syntheticRun();
    document.setRun(run, {});
    EXPECT_TRUE(view.chartTitle("floor").contains("floor")) << view.chartTitle("floor").toStdString();
    QCustomPlot* floor = plotNamed(view, "floor");
    ASSERT_NE(floor, nullptr);
    EXPECT_TRUE(floor->yAxis->label().contains("floor")) << floor->yAxis->label().toStdString();
    // In percent of the record's fraction_of_floor.
    EXPECT_NEAR(floor->graph(0)->data()->at(0)->value, *run.records[0].fractionOfFloor * 100, 1e-9);
}

TEST(Charts, ListClickTogglesASeries) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(syntheticRun(), {});
    view.resize(1000, 600);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));

    QCustomPlot* latency = plotNamed(view, "latency");
    auto* list = view.findChild<QWidget*>("latency")->findChild<QListWidget*>();
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->count(), latency->graphCount());
    QListWidgetItem* item = list->item(0);
    EXPECT_EQ(item->text(), latency->graph(0)->name());
    const QPoint box = q4test::checkBoxCenter(*list, item);
    const int points = view.plottedPointCount("latency");

    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, box);
    EXPECT_EQ(item->checkState(), Qt::Unchecked);
    EXPECT_FALSE(latency->graph(0)->visible());
    EXPECT_EQ(view.plottedPointCount("latency"), points);  // hidden, still counted
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, box);
    EXPECT_TRUE(latency->graph(0)->visible());
    // Hidden series stay hidden when a baseline arrives.
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, box);
    document.setBaseline(syntheticRun(1.3));
    EXPECT_FALSE(latency->graph(0)->visible());
    EXPECT_EQ(list->item(0)->checkState(), Qt::Unchecked);

    // Qt Charts: a legend marker zeroes its part of every bar, keeping the bars.
    QChart* memory = memoryChartOf(view);
    ASSERT_NE(memory, nullptr);
    const QList<QLegendMarker*> markers = memory->legend()->markers();
    ASSERT_EQ(markers.size(), kMemoryChartParts);
    auto* weights = qobject_cast<QAbstractBarSeries*>(memory->series().at(0))->barSets().at(0);
    EXPECT_GT(weights->sum(), 0);
    emit markers[0]->clicked();
    EXPECT_EQ(weights->sum(), 0);
    EXPECT_EQ(view.plottedPointCount("memory"), kMemoryCategories * kMemoryChartParts);
    emit markers[0]->clicked();
    EXPECT_GT(weights->sum(), 0);
}

TEST(Charts, HoverShowsTheRecord) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(syntheticRun(), {});
    view.resize(1000, 600);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));

    QCustomPlot* latency = plotNamed(view, "latency");
    latency->replot(QCustomPlot::rpImmediateRefresh);
    QCPGraph* graph = latency->graph(0);
    const auto point = graph->data()->at(2);
    const QPoint at(int(latency->xAxis->coordToPixel(point->key)) + 3, int(latency->yAxis->coordToPixel(point->value)));
    QMouseEvent move(QEvent::MouseMove, at, latency->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(latency, &move);
    EXPECT_TRUE(QToolTip::text().contains(graph->name().section(' ', 0, 0))) << QToolTip::text().toStdString();
    EXPECT_TRUE(QToolTip::text().contains("m=4")) << QToolTip::text().toStdString();
    QToolTip::hideText();
}

TEST(Charts, ExportsPngAndPdf) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(syntheticRun(), {});
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());

    for (const QString& name : view.chartNames()) {
        const QString png = dir.filePath(name + ".png");
        EXPECT_EQ(view.exportChart(name, png, 900, 500), "") << name.toStdString();
        const QImage image(png);
        ASSERT_FALSE(image.isNull()) << name.toStdString();
        EXPECT_EQ(image.size(), QSize(900, 500));
        // Something was drawn: more than the background color.
        const QRgb background = image.pixel(1, 1);
        bool drawn = false;
        for (int y = 0; y < image.height() && !drawn; y += 7)
            for (int x = 0; x < image.width() && !drawn; x += 7) drawn = image.pixel(x, y) != background;
        EXPECT_TRUE(drawn) << name.toStdString();

        const QString pdf = dir.filePath(name + ".pdf");
        EXPECT_EQ(view.exportChart(name, pdf, 900, 500), "") << name.toStdString();
        QFile file(pdf);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        EXPECT_TRUE(file.read(4) == "%PDF") << name.toStdString();
    }
    // Widgets keep their own size after drawing at another one.
    EXPECT_EQ(view.chartImage("memory", 300, 200).size(), QSize(300, 200));
    EXPECT_TRUE(view.chartImage("nonsense", 300, 200).isNull());
}

TEST(Charts, ExportFailuresAreReported) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(syntheticRun(), {});
    QTemporaryDir dir;

    const QString missingFolder = dir.filePath("no/such/folder/latency.png");
    const QString error = view.exportChart("latency", missingFolder);
    EXPECT_TRUE(error.contains("latency.png")) << error.toStdString();
    EXPECT_FALSE(QFile::exists(missingFolder));
    EXPECT_NE(view.exportChart("memory", dir.filePath("memory.txt")), "");
    EXPECT_NE(view.exportChart("nonsense", dir.filePath("x.png")), "");
    EXPECT_NE(view.exportChart("latency", dir.filePath("x.png"), 0, 100), "");
    EXPECT_NE(view.exportChart("speedup", dir.path()), "");  // a folder, not a file

    // SVG needs Qt SVG (a dependency of the project): a file with it, an error that says so without.
    const QString svg = dir.filePath("latency.svg");
    const QString svgError = view.exportChart("latency", svg);
#ifdef QT_SVG_LIB
    EXPECT_TRUE(svgError.isEmpty()) << svgError.toStdString();
    EXPECT_GT(QFileInfo(svg).size(), 1000);
#else
    EXPECT_TRUE(svgError.contains("Qt SVG")) << svgError.toStdString();
#endif
}

TEST(Charts, FollowsADarkPalette) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(syntheticRun(), {});
    QPalette light = view.palette();
    light.setColor(QPalette::Window, QColor(240, 240, 240));
    light.setColor(QPalette::WindowText, Qt::black);
    view.setPalette(light);
    for (const QString& name : view.chartNames())
        EXPECT_FALSE(isDark(view.chartImage(name, 400, 300))) << name.toStdString();

    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(32, 32, 32));
    dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
    dark.setColor(QPalette::Base, QColor(24, 24, 24));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    view.setPalette(dark);
    for (const QString& name : view.chartNames())
        EXPECT_TRUE(isDark(view.chartImage(name, 400, 300))) << name.toStdString();

    // Records keep landing after the switch.
    document.appendRecord(okRecord("gptq_naive", 128, false));
    EXPECT_EQ(view.plottedPointCount("latency"), okCount(document.records()));
}

}  // namespace
