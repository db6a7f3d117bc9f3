// Charts that read honestly: a run of one m gets a bar per series, the latency axis always has
// several ticks, dozens of series get a scrollable list (wide enough for their names), distinct
// markers and a legend that fits drawings, the title is whole, and units are the table's.
#include <gtest/gtest.h>

#include <QApplication>
#include <QListWidget>
#include <QScrollBar>
#include <QSet>
#include <QTest>
#include <QToolTip>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <qcustomplot.h>

#include "chart_test_util.h"
#include "charts/charts_view.h"
#include "model/record_columns.h"
#include "model/results_table_model.h"
#include "model/run_document.h"
#include "results/record_fields.h"

namespace {

const char* const kKernels[] = {"cublas_fp16", "exllama_style", "gptq_naive", "tc_int4"};
const char* const kLayers[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

// Four kernels over seven layers of distinct shapes, as a preset sweep makes: 28 series.
q4::RunResult presetRun(const std::vector<std::int64_t>& ms) {
    q4::RunResult run;
    run.info.runId = "preset";
    run.info.device.name = "NVIDIA H100 80GB HBM3";
    for (std::int64_t m : ms)
        for (int layer = 0; layer < 7; ++layer)
            for (int kernel = 0; kernel < 4; ++kernel)
                run.records.push_back(q4test::timedRecord(kKernels[kernel], m,
                                                          1e-5 * (1 + kernel) * (1 + layer * 0.3) * (1 + m / 16.0),
                                                          kLayers[layer], 4096 + layer * 1024, 4096));
    return run;
}

QWidget* chartOf(const q4ui::ChartsView& view, const QString& name) { return view.findChild<QWidget*>(name); }
QCustomPlot* plotOf(const q4ui::ChartsView& view, const QString& name) {
    return chartOf(view, name)->findChild<QCustomPlot*>();
}

QList<QCPBars*> barsOf(QCustomPlot* plot) {
    QList<QCPBars*> bars;
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* bar = qobject_cast<QCPBars*>(plot->plottable(i))) bars << bar;
    return bars;
}

int ticksInside(const QCPAxis* axis) {
    int count = 0;
    for (double tick : axis->tickVector()) count += axis->range().contains(tick) ? 1 : 0;
    return count;
}

// The unit in a record field's label: "ms" for "Median (ms)".
QString unitOf(const char* key) {
    const QString label = QString::fromStdString(q4::findRecordField(key)->label);
    return label.section('(', -1).chopped(1);
}

class ChartLayout : public ::testing::Test {
protected:
    void show(q4ui::ChartsView& view, int width, int height) {
        view.resize(width, height);
        view.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
        for (const QString& name : {"latency", "speedup", "floor"}) plotOf(view, name)->replot(QCustomPlot::rpImmediateRefresh);
    }
};

TEST_F(ChartLayout, OneMGetsOneBarPerSeriesOnASaneAxis) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    q4::RunResult run;
    for (const char* kernel : {"cublas_fp16", "exllama_style", "gptq_naive"})
        run.records.push_back(q4test::timedRecord(kernel, 1, kernel == std::string("cublas_fp16") ? 40e-6 : 13e-6));
    document.setRun(run, {});
    show(view, 1000, 600);

    for (const QString& name : {"latency", "speedup", "floor"}) {
        QCustomPlot* plot = plotOf(view, name);
        EXPECT_EQ(plot->graphCount(), 0) << name.toStdString();
        const QList<QCPBars*> bars = barsOf(plot);
        ASSERT_EQ(bars.size(), 3) << name.toStdString();
        for (QCPBars* bar : bars) EXPECT_EQ(bar->dataCount(), 1);
        // One slot per bar, not a log axis from 0.016 to 64; bars start at zero.
        EXPECT_EQ(plot->xAxis->scaleType(), QCPAxis::stLinear);
        EXPECT_GT(plot->xAxis->range().lower, 0);
        EXPECT_LT(plot->xAxis->range().upper, 4);
        EXPECT_EQ(plot->yAxis->scaleType(), QCPAxis::stLinear);
        EXPECT_EQ(plot->yAxis->range().lower, 0);
        EXPECT_TRUE(plot->xAxis->tickVectorLabels().contains("exllama_style")) << name.toStdString();
    }
    QCustomPlot* latency = plotOf(view, "latency");
    EXPECT_GE(ticksInside(latency->yAxis), 3);
    EXPECT_NEAR(barsOf(latency)[0]->data()->at(0)->value, 40e-3, 1e-12);  // in ms
    EXPECT_EQ(view.plottedPointCount("latency"), 3);

    // Hovering a bar anywhere shows its record.
    const QPoint at(int(latency->xAxis->coordToPixel(2)), int(latency->yAxis->coordToPixel(5e-3)));
    QMouseEvent move(QEvent::MouseMove, at, latency->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(latency, &move);
    EXPECT_TRUE(QToolTip::text().contains("exllama_style")) << QToolTip::text().toStdString();
    QToolTip::hideText();

    // A second m turns the bars into curves over m.
    document.appendRecord(q4test::timedRecord("cublas_fp16", 2, 45e-6));
    EXPECT_EQ(latency->graphCount(), 3);
    EXPECT_TRUE(barsOf(latency).isEmpty());
    EXPECT_EQ(latency->xAxis->scaleType(), QCPAxis::stLogarithmic);
    EXPECT_EQ(view.plottedPointCount("latency"), 4);
}

TEST_F(ChartLayout, LiveRunOfOneMShowsBarsFromTheFirstRecord) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.beginRun({});
    document.appendRecord(q4test::timedRecord("cublas_fp16", 1, 40e-6));
    EXPECT_EQ(barsOf(plotOf(view, "latency")).size(), 1);
    document.appendRecord(q4test::timedRecord("exllama_style", 1, 13e-6));
    EXPECT_EQ(barsOf(plotOf(view, "latency")).size(), 2);
    EXPECT_EQ(view.plottedPointCount("latency"), 2);
}

TEST_F(ChartLayout, ANarrowLatencyRangeStillHasSeveralTicks) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    q4::RunResult run;
    // Every median between 12 and 16 µs: no 1-2-5 tick of a decade falls inside.
    for (std::int64_t m : {1, 2, 4, 8, 16})
        for (const char* kernel : {"cublas_fp16", "exllama_style"})
            run.records.push_back(q4test::timedRecord(kernel, m, (12 + m / 4.0) * 1e-6));
    document.setRun(run, {});
    show(view, 1000, 600);
    QCustomPlot* latency = plotOf(view, "latency");
    EXPECT_EQ(latency->yAxis->scaleType(), QCPAxis::stLogarithmic);
    EXPECT_GE(ticksInside(latency->yAxis), 3);
}

TEST_F(ChartLayout, ManySeriesGetAListDistinctMarkersAndAWholeTitle) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(presetRun({1, 2, 4, 8}), {});
    show(view, 700, 420);

    QWidget* chart = chartOf(view, "latency");
    QCustomPlot* latency = plotOf(view, "latency");
    ASSERT_EQ(latency->graphCount(), 28);

    // Color and marker shape together tell every series apart, though ten colors repeat.
    QSet<QPair<QRgb, int>> looks;
    for (int i = 0; i < latency->graphCount(); ++i)
        looks.insert({latency->graph(i)->pen().color().rgb(), int(latency->graph(i)->scatterStyle().shape())});
    EXPECT_EQ(looks.size(), 28);

    // The list beside the plot: every series, checked, inside the chart, clear of the plot, scrollable.
    auto* list = chart->findChild<QListWidget*>();
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->count(), 28);
    for (int i = 0; i < list->count(); ++i) EXPECT_EQ(list->item(i)->checkState(), Qt::Checked);
    const QRect listBox(list->mapTo(chart, QPoint(0, 0)), list->size());
    const QRect plotBox(latency->mapTo(chart, QPoint(0, 0)), latency->size());
    EXPECT_TRUE(chart->rect().contains(listBox));
    EXPECT_FALSE(listBox.intersects(plotBox));
    EXPECT_GT(list->verticalScrollBar()->maximum(), 0);
    EXPECT_FALSE(latency->legend->visible());  // nothing drawn over the data

    // The title on its own row, whole.
    QCPTextElement* title = nullptr;
    for (int i = 0; i < latency->plotLayout()->elementCount() && !title; ++i)
        title = qobject_cast<QCPTextElement*>(latency->plotLayout()->elementAt(i));
    ASSERT_NE(title, nullptr);
    EXPECT_GE(title->rect().width(), QFontMetrics(title->font()).horizontalAdvance(title->text()));
    EXPECT_TRUE(latency->rect().contains(title->outerRect()));
}

TEST_F(ChartLayout, ARunOpenedIntoAShownViewWidensTheListToItsNames) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    show(view, 1000, 420);  // shown empty, as the window is before a file opens
    q4::RunResult run;
    run.info.runId = "long-names";
    for (std::int64_t m : {1, 16})
        for (q4::Sparsity sparsity : {q4::Sparsity::None, q4::Sparsity::Sparse16of32}) {
            run.records.push_back(q4test::timedRecord("exllama_style", m, 1e-5 * m));
            run.records.back().actOrder = true;
            run.records.back().sparsity = sparsity;
        }
    document.setRun(run, {});

    auto* list = chartOf(view, "latency")->findChild<QListWidget*>();
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->count(), 2);
    const QString longest = list->item(1)->text();
    EXPECT_EQ(longest, "exllama_style (act-order) (16:32)");
    // The whole name fits beside its icon in the visible part of the list: nothing is elided.
    EXPECT_GE(list->viewport()->width(), list->fontMetrics().horizontalAdvance(longest) + list->iconSize().width());
}

TEST_F(ChartLayout, DrawingsCarryALegendThatFitsBesideThePlot) {
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(presetRun({1, 2, 4, 8}), {});
    QCustomPlot* latency = plotOf(view, "latency");

    const QSize size(900, 380);
    ASSERT_FALSE(view.chartImage("latency", size.width(), size.height()).isNull());
    // The drawing's layout stays until the widget replots: every entry inside the picture, none
    // over the axis rect, wrapped into columns since 28 rows do not fit.
    QCPLegend* legend = latency->legend;
    const QRect axisRect = latency->axisRect()->rect();
    int entries = 0;
    for (int i = 0; i < legend->itemCount(); ++i) {
        const QCPAbstractLegendItem* entry = legend->item(i);
        if (!entry) continue;  // an empty cell of the last column
        ++entries;
        const QRect box = entry->outerRect();
        EXPECT_TRUE(QRect(QPoint(0, 0), size).contains(box)) << i;
        EXPECT_FALSE(box.intersects(axisRect)) << i;
        EXPECT_GE(box.height(), QFontMetrics(legend->font()).height()) << i;  // not squeezed
    }
    EXPECT_EQ(entries, 28);
    EXPECT_GT(legend->columnCount(), 1);
    EXPECT_FALSE(legend->visible());  // the widget keeps its list instead
}

TEST_F(ChartLayout, AxesAndTooltipsUseTheTablesUnits) {
    const QString ms = unitOf("time_ms_median");
    const QString mb = unitOf("mem_peak_mb");
    ASSERT_EQ(ms, "ms");
    // The table's header names the same unit.
    q4ui::RunDocument empty;
    const q4ui::ResultsTableModel table(&empty);
    EXPECT_TRUE(table.headerData(q4ui::ResultsTableModel::columnOf("time_ms_median"), Qt::Horizontal)
                    .toString()
                    .contains("(" + ms + ")"));

    for (const std::vector<std::int64_t>& ms_values : {std::vector<std::int64_t>{1}, std::vector<std::int64_t>{1, 2}}) {
        q4ui::RunDocument document;
        q4ui::ChartsView view(&document);
        document.setRun(presetRun(ms_values), {});
        EXPECT_TRUE(plotOf(view, "latency")->yAxis->label().endsWith("(" + ms + ")"))
            << plotOf(view, "latency")->yAxis->label().toStdString();
        auto* memory = chartOf(view, "memory")->findChild<QChartView*>()->chart();
        EXPECT_EQ(memory->axes(Qt::Horizontal).at(0)->titleText(), mb);
    }

    // Hovering a point: the median in the table's unit and no other.
    q4ui::RunDocument document;
    q4ui::ChartsView view(&document);
    document.setRun(presetRun({1, 2}), {});
    show(view, 1000, 600);
    QCustomPlot* latency = plotOf(view, "latency");
    const auto point = latency->graph(0)->data()->at(0);
    const QPoint at(int(latency->xAxis->coordToPixel(point->key)), int(latency->yAxis->coordToPixel(point->value)));
    QMouseEvent move(QEvent::MouseMove, at, latency->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(latency, &move);
    const QString tip = QToolTip::text();
    EXPECT_TRUE(tip.contains(QString::number(point->value, 'g', 4) + " " + ms)) << tip.toStdString();
    EXPECT_FALSE(tip.contains("µs") || tip.contains(" us")) << tip.toStdString();
    QToolTip::hideText();
}

}  // namespace
