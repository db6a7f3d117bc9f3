// The results table model and its proxy: model invariants while records land live, on reset and
// when a baseline comes and goes; raw sort values; failure display; the clipboard format.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QColor>

#include "model/results_filter_proxy.h"
#include "model/results_table_model.h"
#include "model/run_document.h"
#include "results/record_fields.h"

namespace {

using Model = q4ui::ResultsTableModel;

// The table's column of a record field key.
int col(const char* key) {
    const int column = Model::columnOf(key);
    EXPECT_GE(column, 0) << key;
    return column;
}

q4::Record makeRecord(const std::string& kernel, std::int64_t m, double medianSeconds,
                      q4::RecordStatus status = q4::RecordStatus::Ok, const std::string& message = {}) {
    q4::Record r;
    r.kernel = kernel;
    r.m = m;
    r.n = 64;
    r.k = 256;
    r.groupSize = 64;
    r.status = status;
    r.message = message;
    if (status == q4::RecordStatus::Ok) {
        r.time.samples = 3;
        r.time.median = medianSeconds;
        r.time.p10 = medianSeconds * 0.9;
        r.time.p90 = medianSeconds * 1.1;
        r.relError = 1e-4;
        r.gbps = 12.5;
        r.memPeakBytes = 3'000'000;
    }
    return r;
}

q4::RunResult makeRun(std::vector<q4::Record> records) {
    q4::RunResult run;
    run.info.runId = "run";
    run.records = std::move(records);
    for (std::size_t i = 0; i < run.records.size(); ++i) run.records[i].index = std::int64_t(i);
    return run;
}

QString cell(const QAbstractItemModel& model, int row, int column, int role = Qt::DisplayRole) {
    return model.index(row, column).data(role).toString();
}

TEST(ResultsTableModel, StaysConsistentWhileRecordsLandAndBaselinesChange) {
    q4ui::RunDocument document;
    Model model(&document);
    q4ui::ResultsFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(col("time_ms_median"));
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);

    document.beginRun(q4::RunInfo{});
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_EQ(model.columnCount(), Model::baselineColumn());
    document.appendRecord(makeRecord("gptq_naive", 1, 2e-3));
    document.appendRecord(makeRecord("cublas_fp16", 1, 1e-3));
    document.appendRecord(makeRecord("tc_int4", 1, 0, q4::RecordStatus::Unsupported, "k=96 is not a multiple of 64"));
    EXPECT_EQ(model.rowCount(), 3);
    EXPECT_EQ(proxy.rowCount(), 3);
    EXPECT_EQ(cell(model, 0, col("time_ms_median")), "2.000");
    EXPECT_EQ(cell(proxy, 0, col("kernel")), "cublas_fp16");  // sorted by time as rows land

    document.setBaseline(makeRun({makeRecord("gptq_naive", 1, 4e-3)}));
    ASSERT_TRUE(model.hasBaselineColumn());
    EXPECT_EQ(model.columnCount(), Model::baselineColumn() + 1);
    EXPECT_EQ(model.headerData(Model::baselineColumn(), Qt::Horizontal).toString(), "vs baseline");
    EXPECT_EQ(cell(model, 0, Model::baselineColumn()), "2.00x");  // baseline 4 ms / this 2 ms
    EXPECT_DOUBLE_EQ(model.index(0, Model::baselineColumn()).data(Model::SortRole).toDouble(), 2.0);
    EXPECT_FALSE(model.index(1, Model::baselineColumn()).data(Model::SortRole).isValid());  // no matching point

    document.setBaseline(makeRun({makeRecord("gptq_naive", 1, 1e-3)}));  // replaced: values change in place
    EXPECT_EQ(cell(model, 0, Model::baselineColumn()), "0.50x");
    document.appendRecord(makeRecord("gptq_naive", 2, 3e-3));
    EXPECT_EQ(model.rowCount(), 4);

    document.clearBaseline();
    EXPECT_FALSE(model.hasBaselineColumn());
    EXPECT_EQ(model.columnCount(), Model::baselineColumn());

    document.setRun(makeRun({makeRecord("a", 1, 1e-3), makeRecord("b", 2, 1e-3)}), "file.json");
    EXPECT_EQ(model.rowCount(), 2);
    document.beginRun(q4::RunInfo{});
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_EQ(proxy.rowCount(), 0);
}

TEST(ResultsTableModel, SortsOnRawNumbers) {
    q4ui::RunDocument document;
    Model model(&document);
    q4ui::ResultsFilterProxy proxy;
    proxy.setSourceModel(&model);
    document.setRun(makeRun({makeRecord("k", 10, 1e-3), makeRecord("k", 9, 2e-3), makeRecord("k", 100, 0.5e-3)}), "");

    EXPECT_EQ(proxy.sortRole(), int(Model::SortRole));
    EXPECT_EQ(model.index(0, col("m")).data(Model::SortRole).typeId(), QMetaType::Double);
    proxy.sort(col("m"), Qt::AscendingOrder);
    EXPECT_EQ(cell(proxy, 0, col("m")), "9");  // as text, "10" and "100" would come first
    EXPECT_EQ(cell(proxy, 1, col("m")), "10");
    EXPECT_EQ(cell(proxy, 2, col("m")), "100");
    proxy.sort(col("time_ms_median"), Qt::DescendingOrder);
    EXPECT_EQ(cell(proxy, 0, col("m")), "9");
    EXPECT_EQ(cell(proxy, 0, col("time_ms_median")), "2.000");
    EXPECT_EQ(cell(proxy, 2, col("time_ms_median")), "0.5000");
}

TEST(ResultsTableModel, FailedRecordsShowWhy) {
    q4ui::RunDocument document;
    Model model(&document);
    document.setRun(makeRun({makeRecord("ok", 1, 1e-3),
                             makeRecord("tc_int4", 1, 0, q4::RecordStatus::Unsupported, "k=96 is not a multiple of 64"),
                             makeRecord("bad", 1, 0, q4::RecordStatus::Incorrect, "relative error 0.5 exceeds tolerance 0.01")}),
                    "");

    EXPECT_EQ(cell(model, 0, col("status")), "ok");
    EXPECT_FALSE(model.index(0, col("status")).data(Qt::BackgroundRole).isValid());
    EXPECT_EQ(cell(model, 1, col("status")), "unsupported: k=96 is not a multiple of 64");
    EXPECT_EQ(cell(model, 1, col("kernel"), Qt::ToolTipRole), "k=96 is not a multiple of 64");
    EXPECT_TRUE(cell(model, 2, col("status")).startsWith("incorrect: relative error"));
    EXPECT_TRUE(model.index(2, col("status")).data(Qt::BackgroundRole).value<QColor>().isValid());
    EXPECT_TRUE(model.index(2, col("status")).data(Qt::ForegroundRole).value<QColor>().isValid());
    EXPECT_NE(model.index(1, col("kernel")).data(Qt::BackgroundRole), model.index(2, col("kernel")).data(Qt::BackgroundRole));
    EXPECT_TRUE(cell(model, 1, col("time_ms_median")).isEmpty());  // nothing measured: no number
    EXPECT_EQ(model.index(2, col("status")).data(Model::StatusRole).toInt(), int(q4::RecordStatus::Incorrect));
}

TEST(ResultsFilterProxy, FiltersOnTextAndStatus) {
    q4ui::RunDocument document;
    Model model(&document);
    q4ui::ResultsFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    q4::Record layered = makeRecord("cublas_fp16", 1, 1e-3);
    layered.layer = "q_proj";
    document.setRun(makeRun({layered, makeRecord("gptq_naive", 1, 2e-3),
                             makeRecord("tc_int4", 1, 0, q4::RecordStatus::Unsupported, "k=96 is not a multiple of 64")}),
                    "");

    proxy.setFilterText("GPTQ");
    EXPECT_EQ(proxy.rowCount(), 1);
    proxy.setFilterText("q_proj");
    EXPECT_EQ(proxy.rowCount(), 1);
    proxy.setFilterText("unsupported");
    EXPECT_EQ(proxy.rowCount(), 1);
    proxy.setFilterText("");
    EXPECT_EQ(proxy.rowCount(), 3);
    proxy.setOnlyOk(true);
    EXPECT_EQ(proxy.rowCount(), 2);
    document.appendRecord(makeRecord("late", 2, 1e-3));
    document.appendRecord(makeRecord("late_bad", 2, 0, q4::RecordStatus::Error, "launch failed"));
    EXPECT_EQ(proxy.rowCount(), 3);
    proxy.setOnlyOk(false);
    EXPECT_EQ(proxy.rowCount(), 5);
}

TEST(ResultsTableModel, CopiesCellsAsTsvWithAHeader) {
    q4ui::RunDocument document;
    Model model(&document);
    document.setRun(makeRun({makeRecord("a", 1, 1e-3), makeRecord("b", 2, 2e-3), makeRecord("c", 4, 4e-3)}), "");

    const QModelIndexList cells{model.index(2, col("time_ms_median")), model.index(0, col("kernel")), model.index(0, col("time_ms_median")),
                                model.index(2, col("kernel")), model.index(2, col("m"))};
    EXPECT_EQ(q4ui::indexesToTsv(model, cells), "Kernel\tm\tMedian (ms)\n"
                                                "a\t\t1.000\n"
                                                "c\t4\t4.000\n");
    EXPECT_TRUE(q4ui::indexesToTsv(model, {}).isEmpty());
}

TEST(ResultsTableModel, ColumnsComeFromTheRecordFieldTable) {
    q4ui::RunDocument document;
    Model model(&document);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    q4::Record record = makeRecord("gptq_naive", 4, 1.5e-3);
    record.fractionOfFloor = 0.6;
    record.actOrder = true;
    record.zeroFormat = q4::ZeroFormat::V2;
    document.setRun(makeRun({record}), "");

    ASSERT_EQ(model.columnCount(), Model::baselineColumn());
    for (int column = 0; column < model.columnCount(); ++column) {
        const QString key = model.headerData(column, Qt::Horizontal, Model::FieldKeyRole).toString();
        const q4::RecordField* field = q4::findRecordField(key.toStdString());
        ASSERT_NE(field, nullptr) << key.toStdString();
        EXPECT_EQ(model.headerData(column, Qt::Horizontal).toString(), QString::fromStdString(field->label));
        EXPECT_EQ(Model::columnOf(field->key), column);
        // The sort value is the field's value in file units.
        const q4::FieldValue value = field->get(document.records()[0]);
        if (const double* number = std::get_if<double>(&value))
            EXPECT_DOUBLE_EQ(model.index(0, column).data(Model::SortRole).toDouble(), *number) << field->key;
    }
    // Durations in ms as the files give them, shown by their hint.
    EXPECT_DOUBLE_EQ(model.index(0, col("time_ms_median")).data(Model::SortRole).toDouble(), 1.5);
    EXPECT_EQ(cell(model, 0, col("time_ms_median")), "1.500");
    EXPECT_EQ(cell(model, 0, col("fraction_of_floor")), "60.0 %");
    EXPECT_DOUBLE_EQ(model.index(0, col("fraction_of_floor")).data(Model::SortRole).toDouble(), 0.6);
    EXPECT_EQ(cell(model, 0, col("act_order")), "yes");
    EXPECT_EQ(cell(model, 0, col("symmetric")), "yes");
    EXPECT_EQ(cell(model, 0, col("zero_format")), "v2");
    EXPECT_EQ(cell(model, 0, col("rel_error")), "1.00e-04");
    EXPECT_EQ(Model::columnOf("no_such_field"), -1);
}

}  // namespace
