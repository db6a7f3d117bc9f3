// Rates and shares of the floor belong to timed records only (q4::isTimed): a cancelled or
// failed record shows none, in the table, the report's cells and the chart tooltip.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>

#include "charts/chart_common.h"
#include "model/results_table_model.h"
#include "model/run_document.h"

namespace {

TEST(UntimedRates, ACancelledRecordShowsNoRates) {
    q4::Record cancelled;
    cancelled.kernel = "cpu_int4_fused";
    cancelled.m = 1;
    cancelled.n = 64;
    cancelled.k = 256;
    cancelled.status = q4::RecordStatus::Cancelled;
    cancelled.message = "cancelled during warm-up";
    // What derived metrics may have left on a record that was never timed.
    cancelled.gbps = 12.5;
    cancelled.tflops = 0.5;
    cancelled.fractionOfFloor = 0.4;
    cancelled.speedupVsBaseline = 1.5;
    q4::Record timed = cancelled;
    timed.status = q4::RecordStatus::Ok;
    timed.message.clear();
    timed.time.samples = 3;
    timed.time.median = 1e-4;

    q4ui::RunDocument document;
    q4ui::ResultsTableModel model(&document);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    document.setRun(q4::RunResult{{}, {cancelled, timed}}, {});
    ASSERT_EQ(model.rowCount(), 2);
    for (const char* key : {"gbps", "tflops", "fraction_of_floor", "speedup_vs_baseline"}) {
        const int column = q4ui::ResultsTableModel::columnOf(key);
        ASSERT_GE(column, 0) << key;
        EXPECT_EQ(model.index(0, column).data().toString(), "") << key;
        EXPECT_FALSE(model.index(0, column).data(q4ui::ResultsTableModel::SortRole).isValid()) << key;
        EXPECT_NE(model.index(1, column).data().toString(), "") << key;
    }
    const QString tip = q4ui::recordTooltip(cancelled, false);
    EXPECT_FALSE(tip.contains("GB/s")) << tip.toStdString();
    EXPECT_FALSE(tip.contains("floor")) << tip.toStdString();
}

}  // namespace
