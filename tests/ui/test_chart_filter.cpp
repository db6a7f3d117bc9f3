// The table's filter filters the charts: typing in the filter field leaves only the records the
// table shows in every chart, live records included, and clearing it brings the rest back.
#include <gtest/gtest.h>

#include <QLineEdit>
#include <QTest>
#include <algorithm>

#include "chart_test_util.h"
#include "charts/charts_view.h"
#include "main_window.h"
#include "model/results_filter_proxy.h"
#include "model/results_table_model.h"
#include "model/run_document.h"
#include "window_test_env.h"

namespace {

constexpr int kMemoryParts = 5;

q4::RunResult mixedRun() {
    q4::RunResult run;
    run.info.runId = "filtered";
    for (std::int64_t m : {1, 2, 4, 8})
        for (const char* kernel : {"cublas_fp16", "exllama_style", "gptq_naive"})
            run.records.push_back(q4test::timedRecord(kernel, m, 2e-5 * (1 + double(m) / 8)));
    q4::Record unsupported;
    unsupported.kernel = "tc_int4";
    unsupported.m = 1;
    unsupported.status = q4::RecordStatus::Unsupported;
    unsupported.message = "k=96 is not a multiple of 64";
    run.records.push_back(unsupported);
    return run;
}

QLineEdit* filterField(const q4ui::MainWindow& window) {
    for (QLineEdit* edit : window.findChildren<QLineEdit*>())
        if (edit->placeholderText().startsWith("Filter")) return edit;
    return nullptr;
}

class ChartFilter : public q4test::WindowTestEnv {};

TEST_F(ChartFilter, TheTablesFilterFiltersEveryChart) {
    q4ui::MainWindow window;
    window.document()->setRun(mixedRun(), {});
    q4ui::ChartsView* charts = window.charts();
    ASSERT_EQ(charts->plottedPointCount("latency"), 12);
    ASSERT_EQ(charts->plottedPointCount("memory"), 3 * kMemoryParts);

    QLineEdit* filter = filterField(window);
    ASSERT_NE(filter, nullptr);
    QTest::keyClicks(filter, "exllama");
    EXPECT_EQ(window.resultsProxy()->rowCount(), 4);
    for (const QString& name : {"latency", "speedup", "floor"})
        EXPECT_EQ(charts->plottedPointCount(name), 4) << name.toStdString();
    EXPECT_EQ(charts->plottedPointCount("memory"), 1 * kMemoryParts);

    // Records that land while filtered follow the same rule.
    window.document()->appendRecord(q4test::timedRecord("gptq_naive", 16, 3e-5));
    EXPECT_EQ(charts->plottedPointCount("latency"), 4);
    window.document()->appendRecord(q4test::timedRecord("exllama_style", 16, 3e-5));
    EXPECT_EQ(charts->plottedPointCount("latency"), 5);

    // A filter matching only a failed record leaves the charts empty, as the table has no ok row.
    filter->setText("unsupported");
    EXPECT_EQ(window.resultsProxy()->rowCount(), 1);
    EXPECT_EQ(charts->plottedPointCount("latency"), 0);

    filter->clear();
    EXPECT_EQ(charts->plottedPointCount("latency"), 14);
    EXPECT_EQ(charts->plottedPointCount("memory"), 3 * kMemoryParts);
}

TEST(ResultsFilterProxy, ItsRecordPredicateAcceptsExactlyTheRowsItShows) {
    q4ui::RunDocument document;
    q4ui::ResultsTableModel model(&document);
    q4ui::ResultsFilterProxy proxy;
    proxy.setSourceModel(&model);
    document.setRun(mixedRun(), {});
    EXPECT_FALSE(proxy.recordPredicate());  // nothing filtered: no predicate

    for (const char* text : {"GPTQ", "multiple of 64", "cublas", "nothing like it"}) {
        for (bool onlyOk : {false, true}) {
            proxy.setFilterText(text);
            proxy.setOnlyOk(onlyOk);
            const q4ui::RecordPredicate accepts = proxy.recordPredicate();
            ASSERT_TRUE(accepts);
            const auto& records = document.records();
            EXPECT_EQ(proxy.rowCount(), std::count_if(records.begin(), records.end(), accepts)) << text;
        }
    }
}

}  // namespace
