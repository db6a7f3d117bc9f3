// The workbench window end to end on the CPU backend: a real run fills the table and charts,
// exports, files from the real CLI, baselines, invalid input, recovery, and closing mid-run.
#include <gtest/gtest.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDir>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include "charts/charts_view.h"
#include "engine/benchmark_worker.h"
#include "io/csv_writer.h"
#include "io/journal.h"
#include "main_window.h"
#include "model/results_table_model.h"
#include "model/run_document.h"
#include "results/record_fields.h"
#include "tiny_sweep.h"
#include "window_test_env.h"

namespace {

constexpr int kWaitMs = 30000;

q4::SweepSpec tinySpec() { return q4test::tinyCpuSweep(); }

QSettings settings() { return q4test::WindowTestEnv::settings(); }

// Runs the real CLI on a tiny CPU sweep; returns the output path or an empty string.
QString runCli(const QString& dir, const QString& name, const char* format) {
    const QString path = dir + "/" + name;
    QProcess cli;
    cli.start(Q4BENCH_CLI_PATH, {"--backend", "cpu", "--m", "1,2", "--n", "64", "--k", "256", "--group-size", "64",
                                 "--warmup", "1", "--min-samples", "3", "--min-time", "0", "--max-noise", "1",
                                 "--timeout", "5", "--quiet", format, path});
    if (!cli.waitForFinished(kWaitMs) || cli.exitCode() != 0) {
        ADD_FAILURE() << "q4bench-cli failed: " << cli.readAllStandardError().toStdString();
        return {};
    }
    return path;
}

bool waitUntil(const std::function<bool()>& done, int timeoutMs = kWaitMs) {
    return q4test::WindowTestEnv::waitUntil(done, timeoutMs);
}

class MainWindowTest : public q4test::WindowTestEnv {
protected:
    // Settings and journals live in this test's own folder: ctest runs tests in parallel.
    void SetUp() override {
        WindowTestEnv::SetUp();
        ASSERT_TRUE(q4ui::MainWindow::journalDirectory().startsWith(dir.path()));
    }

    // Starts a run of spec and waits for its end; false when it did not finish.
    bool runToEnd(q4ui::MainWindow& window, const q4::SweepSpec& spec) {
        window.sweepPanel()->setSpec(spec);
        if (!window.sweepPanel()->isValid()) {
            ADD_FAILURE() << window.sweepPanel()->validationMessage().toStdString();
            return false;
        }
        QSignalSpy finished(window.controller(), &q4ui::BenchmarkController::runFinished);
        window.startRun();
        return finished.count() > 0 || finished.wait(kWaitMs);
    }
};

TEST_F(MainWindowTest, RunsATinySweepAndExportsIt) {
    q4ui::MainWindow window;
    window.show();
    window.sweepPanel()->setSpec(tinySpec());
    ASSERT_TRUE(window.sweepPanel()->isValid()) << window.sweepPanel()->validationMessage().toStdString();
    EXPECT_TRUE(window.runButton()->isEnabled());

    QSignalSpy finished(window.controller(), &q4ui::BenchmarkController::runFinished);
    window.startRun();
    EXPECT_TRUE(window.controller()->isRunning());
    EXPECT_FALSE(window.runButton()->isEnabled());
    ASSERT_TRUE(finished.wait(kWaitMs)) << window.logText().toStdString();
    EXPECT_FALSE(finished.first().at(1).toBool());
    EXPECT_TRUE(window.runButton()->isEnabled());

    const int records = int(window.document()->records().size());
    ASSERT_GT(records, 0);
    EXPECT_EQ(window.resultsModel()->rowCount(), records);
    EXPECT_EQ(window.resultsView()->model()->rowCount(), records);
    for (const char* chart : {"latency", "memory", "speedup", "floor"})
        EXPECT_GT(window.charts()->plottedPointCount(chart), 0) << chart;

    // The run was journalled, closed cleanly, and is not offered for recovery.
    EXPECT_FALSE(settings().contains("activeJournal"));
    const QStringList journals = QDir(q4ui::MainWindow::journalDirectory()).entryList({"run-*.jsonl"});
    ASSERT_EQ(journals.size(), 1);
    auto journal = q4::recoverJournal((q4ui::MainWindow::journalDirectory() + "/" + journals[0]).toStdString());
    ASSERT_TRUE(journal.ok());
    EXPECT_TRUE(journal->complete);
    EXPECT_EQ(int(journal->result.records.size()), records);
    EXPECT_FALSE(window.recoverInterruptedRun(false));

    QString error;
    const QString csv = dir.filePath("run.csv");
    ASSERT_TRUE(window.saveResults(csv, &error)) << error.toStdString();
    QFile csvFile(csv);
    ASSERT_TRUE(csvFile.open(QIODevice::ReadOnly));
    EXPECT_EQ(csvFile.readLine().trimmed().toStdString(), [] {
        std::string header;
        for (const auto& column : q4::csvColumns()) header += (header.empty() ? "" : ",") + column;
        return header;
    }());
    auto csvRecords = q4::readCsvFile(csv.toStdString());
    ASSERT_TRUE(csvRecords.ok()) << csvRecords.error();
    EXPECT_EQ(int(csvRecords->size()), records);

    const QString json = dir.filePath("run.json");
    ASSERT_TRUE(window.saveResults(json, &error)) << error.toStdString();
    auto result = q4::readResultFile(json.toStdString());
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(int(result->records.size()), records);
    EXPECT_EQ(result->info.runId, window.document()->run().info.runId);

    const QString png = dir.filePath("latency.png");
    ASSERT_TRUE(window.exportChart("latency", png, &error)) << error.toStdString();
    const QImage image(png);
    EXPECT_FALSE(image.isNull());
    EXPECT_GT(image.width(), 0);
    const QString pdf = dir.filePath("memory.pdf");
    ASSERT_TRUE(window.exportChart("memory", pdf, &error)) << error.toStdString();
    QFile pdfFile(pdf);
    ASSERT_TRUE(pdfFile.open(QIODevice::ReadOnly));
    EXPECT_TRUE(pdfFile.read(4) == "%PDF");

    const QString report = dir.filePath("report.html");
    ASSERT_TRUE(window.exportReport(report, &error)) << error.toStdString();
    EXPECT_GT(QFileInfo(report).size(), 0);

    // Ctrl+C's action: the selection as TSV with a header row.
    window.resultsView()->selectAll();
    QAction* copy = nullptr;
    for (QAction* action : window.findChildren<QAction*>())
        if (action->shortcut() == QKeySequence(QKeySequence::Copy)) copy = action;
    ASSERT_NE(copy, nullptr);
    copy->trigger();
    const QStringList lines = QApplication::clipboard()->text().split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), records + 1);
    // The header names the columns as the record field table labels them.
    QStringList labels;
    for (const char* key : {"kernel", "path", "layer", "m"}) labels << QString::fromStdString(q4::findRecordField(key)->label);
    EXPECT_TRUE(lines[0].startsWith(labels.join('\t') + '\t')) << lines[0].toStdString();

    // The key itself, with the table focused.
    QApplication::clipboard()->clear();
    window.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    window.resultsView()->setFocus();
    QTest::keyClick(window.resultsView(), Qt::Key_C, Qt::ControlModifier);
    EXPECT_EQ(QApplication::clipboard()->text().split('\n', Qt::SkipEmptyParts), lines);
}

TEST_F(MainWindowTest, OpensCliResultsAndComparesWithABaseline) {
    const QString json = runCli(dir.path(), "cli.json", "--json");
    const QString csv = runCli(dir.path(), "cli.csv", "--csv");
    ASSERT_FALSE(json.isEmpty());
    ASSERT_FALSE(csv.isEmpty());

    q4ui::MainWindow window;
    QString error;
    ASSERT_TRUE(window.openFile(json, &error)) << error.toStdString();
    const int rows = window.resultsModel()->rowCount();
    EXPECT_GT(rows, 0);
    EXPECT_EQ(window.document()->sourcePath(), json);
    EXPECT_FALSE(window.resultsModel()->hasBaselineColumn());
    const int columns = window.resultsModel()->columnCount();

    ASSERT_TRUE(window.openBaseline(csv, &error)) << error.toStdString();
    ASSERT_EQ(window.resultsModel()->columnCount(), columns + 1);
    EXPECT_EQ(window.resultsModel()->headerData(columns, Qt::Horizontal).toString(), "vs baseline");
    int compared = 0;
    for (int row = 0; row < rows; ++row)
        if (window.resultsModel()->index(row, columns).data(q4ui::ResultsTableModel::SortRole).toDouble() > 0) ++compared;
    EXPECT_GT(compared, 0);  // the same points and kernels, measured twice

    EXPECT_TRUE(settings().value("recentFiles").toStringList().contains(QFileInfo(json).absoluteFilePath()));

    // Bad input: an error, logged, and the document untouched.
    QFile bad(dir.filePath("bad.json"));
    ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
    bad.write("{ not json");
    bad.close();
    EXPECT_FALSE(window.openFile(bad.fileName(), &error));
    EXPECT_FALSE(error.isEmpty());
    EXPECT_TRUE(window.logText().contains("error:"));
    EXPECT_EQ(window.resultsModel()->rowCount(), rows);
    EXPECT_FALSE(window.openFile(dir.filePath("missing.csv"), &error));
    EXPECT_FALSE(window.openFile(dir.filePath("notes.txt"), &error));

    // Dropping files: the first is the run, a second its baseline.
    window.document()->clearBaseline();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(csv), QUrl::fromLocalFile(json)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&window, &enter);  // a drop goes where the drag entered
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&window, &drop);
    EXPECT_EQ(window.document()->sourcePath(), csv) << window.logText().toStdString();
    EXPECT_TRUE(window.resultsModel()->hasBaselineColumn());
}

TEST_F(MainWindowTest, InvalidSpecDisablesRun) {
    q4ui::MainWindow window;
    q4::SweepSpec spec = tinySpec();
    spec.k = {100};
    spec.groupSizes = {128};
    window.sweepPanel()->setSpec(spec);
    EXPECT_FALSE(window.sweepPanel()->isValid());
    EXPECT_FALSE(window.runButton()->isEnabled());
    EXPECT_TRUE(window.sweepPanel()->validationMessage().contains("k=100")) << window.sweepPanel()->validationMessage().toStdString();
    window.startRun();  // refused, with the reason in the log
    EXPECT_FALSE(window.controller()->isRunning());
    EXPECT_TRUE(window.logText().contains("k=100"));

    window.sweepPanel()->setSpec(tinySpec());
    EXPECT_TRUE(window.runButton()->isEnabled());
}

TEST_F(MainWindowTest, SweepSpecsRoundTripInTheCliFormat) {
    q4ui::MainWindow window;
    window.sweepPanel()->setSpec(tinySpec());
    QString error;
    const QString path = dir.filePath("sweep.json");
    ASSERT_TRUE(window.saveSweepSpec(path, &error)) << error.toStdString();
    auto spec = q4::readSweepSpecFile(path.toStdString());
    ASSERT_TRUE(spec.ok()) << spec.error();
    EXPECT_EQ(q4::sweepSpecToJson(spec.value()), q4::sweepSpecToJson(window.sweepPanel()->spec()));

    q4::SweepSpec other = tinySpec();
    other.m = {4};
    window.sweepPanel()->setSpec(other);
    ASSERT_TRUE(window.loadSweepSpec(path, &error)) << error.toStdString();
    EXPECT_EQ(window.sweepPanel()->spec().m, (std::vector<std::int64_t>{1, 2}));
    EXPECT_FALSE(window.loadSweepSpec(dir.filePath("missing.json"), &error));
}

TEST_F(MainWindowTest, RecoversAnInterruptedRun) {
    const QString path = q4ui::MainWindow::journalDirectory() + "/run-20200101-000000-000.jsonl";
    ASSERT_TRUE(QDir().mkpath(q4ui::MainWindow::journalDirectory()));
    {
        q4::RunInfo info;
        info.runId = "crashed";
        auto writer = q4::JournalWriter::open(path.toStdString(), info);
        ASSERT_TRUE(writer.ok()) << writer.error();
        for (int i = 0; i < 3; ++i) {
            q4::Record record;
            record.runId = "crashed";
            record.kernel = "k" + std::to_string(i);
            record.m = 1;
            record.n = 64;
            record.k = 256;
            ASSERT_TRUE(writer.value()->append(record).ok());
        }
        // No finish(): the process died mid-run.
    }
    settings().setValue("activeJournal", path);

    q4ui::MainWindow window;
    ASSERT_TRUE(window.recoverInterruptedRun(false));
    EXPECT_EQ(window.document()->records().size(), 3u);
    EXPECT_EQ(window.document()->run().info.runId, "crashed");
    EXPECT_EQ(window.resultsModel()->rowCount(), 3);
    EXPECT_FALSE(settings().contains("activeJournal"));
    EXPECT_FALSE(window.recoverInterruptedRun(false));  // offered once
}

TEST_F(MainWindowTest, ClosingDuringARunCancelsCleanly) {
    q4::SweepSpec spec = tinySpec();
    spec.m = {1, 2, 4, 8, 16, 32, 64};
    spec.n = {2048};
    spec.k = {2048};
    spec.timing.minTimeSeconds = 0.5;

    q4ui::MainWindow window;
    window.show();
    window.sweepPanel()->setSpec(spec);
    ASSERT_TRUE(window.sweepPanel()->isValid()) << window.sweepPanel()->validationMessage().toStdString();
    QSignalSpy records(window.controller(), &q4ui::BenchmarkController::recordReady);
    QSignalSpy ended(&window, &q4ui::MainWindow::runEnded);
    window.startRun();
    ASSERT_TRUE(records.wait(kWaitMs)) << window.logText().toStdString();

    QElapsedTimer clock;
    clock.start();
    window.close();
    EXPECT_TRUE(waitUntil([&] { return !window.controller()->isRunning(); }, 5000));
    EXPECT_LT(clock.elapsed(), 5000);
    ASSERT_EQ(ended.count(), 1);
    EXPECT_TRUE(ended.first().at(0).toBool());  // cancelled
    EXPECT_FALSE(settings().contains("activeJournal"));
    EXPECT_GT(window.document()->records().size(), 0u);
    EXPECT_TRUE(window.logText().contains("cancelled"));
}

}  // namespace
