// Model runs for real: tiny-llama on the CPU backend through the worker thread, into the Model
// view's table and charts, out to CSV and JSON and back, and inside the workbench window.
#include <gtest/gtest.h>

#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QThread>

#include "io/model_io.h"
#include "main_window.h"
#include "model_test_util.h"
#include "model/run_document.h"
#include "model_view/model_charts.h"
#include "model_view/model_document.h"
#include "model_view/model_panel.h"
#include "model_view/model_table_model.h"
#include "model_view/model_view.h"
#include "model_view/model_worker.h"
#include "tiny_sweep.h"
#include "window_test_env.h"

namespace {

constexpr int kModelWaitMs = 60000;

bool waitFor(QSignalSpy& spy, int count = 1) {
    while (spy.count() < count)
        if (!spy.wait(kModelWaitMs)) return false;
    return true;
}

TEST(ModelController, RunsTheTinyModelOnTheWorkerThread) {
    q4ui::ModelController controller;
    QSignalSpy started(&controller, &q4ui::ModelController::runStarted);
    QSignalSpy records(&controller, &q4ui::ModelController::recordReady);
    QSignalSpy progress(&controller, &q4ui::ModelController::progress);
    QSignalSpy finished(&controller, &q4ui::ModelController::runFinished);
    QSignalSpy failed(&controller, &q4ui::ModelController::runFailed);
    QThread* emitting = nullptr;
    QObject::connect(controller.worker(), &q4ui::ModelWorker::recordReady, controller.worker(),
                     [&] { emitting = QThread::currentThread(); }, Qt::DirectConnection);

    ASSERT_TRUE(controller.start(q4test::tinyCpuModel(), "cpu", 0));
    EXPECT_TRUE(controller.isRunning());
    EXPECT_FALSE(controller.start(q4test::tinyCpuModel(), "cpu", 0));  // one run at a time
    ASSERT_TRUE(waitFor(finished)) << "failures: " << failed.count();
    EXPECT_EQ(failed.count(), 0);
    EXPECT_FALSE(controller.isRunning());
    EXPECT_EQ(started.count(), 1);
    EXPECT_FALSE(finished.first().at(1).toBool());
    EXPECT_EQ(emitting, controller.workerThread());
    EXPECT_NE(emitting, QThread::currentThread());

    ASSERT_EQ(records.count(), 2);
    for (int i = 0; i < records.count(); ++i) {
        const auto record = records.at(i).at(0).value<q4::ModelRecord>();
        EXPECT_EQ(record.status, q4::RecordStatus::Ok) << record.message;
        EXPECT_EQ(record.kernel, "cpu_fp32_reference");
        EXPECT_EQ(record.batch, i + 1);
        EXPECT_TRUE(q4::isTimed(record));
    }
    ASSERT_GT(progress.count(), 0);
    EXPECT_EQ(progress.last().at(0).toInt(), 2);
    EXPECT_EQ(progress.last().at(1).toInt(), 2);
}

TEST(ModelController, ReportsAnEngineFailure) {
    q4ui::ModelController controller;
    QSignalSpy failed(&controller, &q4ui::ModelController::runFailed);
    ASSERT_TRUE(controller.start(q4test::tinyCpuModel(), "no-such-backend", 0));
    ASSERT_TRUE(waitFor(failed));
    EXPECT_TRUE(failed.first().at(0).toString().contains("no-such-backend")) << failed.first().at(0).toString().toStdString();
    EXPECT_FALSE(controller.isRunning());
}

TEST(ModelController, CancelStopsTheRun) {
    q4::ModelSpec spec = q4test::tinyCpuModel();
    ASSERT_TRUE(q4::setModelSpecField(spec, "batch", "1,8,16,32,64").ok());
    ASSERT_TRUE(q4::setModelSpecField(spec, "prompt", "64").ok());
    ASSERT_TRUE(q4::setModelSpecField(spec, "new_tokens", "64").ok());
    ASSERT_TRUE(q4::setModelSpecField(spec, "timing.min_generations", "5").ok());
    q4ui::ModelController controller;
    QSignalSpy records(&controller, &q4ui::ModelController::recordReady);
    QSignalSpy finished(&controller, &q4ui::ModelController::runFinished);
    // Cancelled as soon as the run has started: the engine checks between generations, so the run
    // ends within one generation of it however slow the build (sanitizers) makes the decoder.
    QObject::connect(&controller, &q4ui::ModelController::runStarted, &controller, [&] { controller.cancel(); });
    ASSERT_TRUE(controller.start(spec, "cpu", 0));
    ASSERT_TRUE(waitFor(finished));
    EXPECT_TRUE(finished.first().at(1).toBool());  // cancelled
    int ok = 0;
    for (const auto& args : records) ok += args.at(0).value<q4::ModelRecord>().status == q4::RecordStatus::Ok ? 1 : 0;
    EXPECT_LT(ok, 5);
}

class ModelViewTest : public q4test::WindowTestEnv {};

TEST_F(ModelViewTest, RunsTheTinyModelIntoTableAndCharts) {
    q4ui::ModelView view;
    view.resize(1300, 800);
    view.show();
    view.panel()->setSpec(q4test::tinyCpuModel());
    ASSERT_TRUE(view.panel()->isValid()) << view.panel()->validationMessage().toStdString();
    QSignalSpy ended(&view, &q4ui::ModelView::runEnded);
    QSignalSpy log(&view, &q4ui::ModelView::logMessage);

    view.panel()->runButton()->click();
    EXPECT_TRUE(view.isRunning());
    EXPECT_FALSE(view.panel()->runButton()->isEnabled());
    EXPECT_TRUE(view.panel()->cancelButton()->isEnabled());
    ASSERT_TRUE(waitFor(ended));
    EXPECT_FALSE(ended.first().at(0).toBool());
    EXPECT_FALSE(view.isRunning());
    EXPECT_TRUE(view.panel()->runButton()->isEnabled());
    EXPECT_FALSE(view.panel()->cancelButton()->isEnabled());
    EXPECT_GT(log.count(), 0);

    // Two records, both ok, in the table as the view shows it.
    const auto& records = view.document()->records();
    ASSERT_EQ(records.size(), 2u);
    QAbstractItemModel* shown = view.table()->model();
    ASSERT_EQ(shown->rowCount(), 2);
    const int status = q4ui::ModelTableModel::columnOf("status");
    const int batch = q4ui::ModelTableModel::columnOf("batch");
    const int tokens = q4ui::ModelTableModel::columnOf("tokens_per_s");
    const int runId = q4ui::ModelTableModel::columnOf("run_id");
    for (int row = 0; row < 2; ++row) {
        EXPECT_EQ(shown->index(row, status).data().toString(), "ok");
        EXPECT_EQ(shown->index(row, batch).data().toString(), QString::number(row + 1));
        EXPECT_GT(shown->index(row, tokens).data(q4ui::ModelTableModel::SortRole).toDouble(), 0.0);
    }
    EXPECT_FALSE(view.table()->isColumnHidden(status));
    EXPECT_FALSE(view.table()->isColumnHidden(tokens));
    EXPECT_TRUE(view.table()->isColumnHidden(runId));  // not among the default columns
    // The default columns lead, in their order.
    const QStringList defaults = q4ui::ModelTableModel::defaultColumnKeys();
    for (int i = 0; i < defaults.size(); ++i)
        EXPECT_EQ(view.table()->horizontalHeader()->logicalIndex(i), q4ui::ModelTableModel::columnOf(defaults[i].toStdString()))
            << defaults[i].toStdString();
    EXPECT_EQ(view.progressBar()->value(), 2);
    EXPECT_TRUE(view.progressText().startsWith("2/2")) << view.progressText().toStdString();
    EXPECT_FALSE(view.provenance().isEmpty());
    EXPECT_TRUE(view.provenance().contains("tiny-llama")) << view.provenance().toStdString();

    // One series (the one kernel) with a point per batch.
    EXPECT_EQ(view.charts()->seriesNames("throughput"), QStringList{"cpu_fp32_reference"});
    EXPECT_EQ(view.charts()->plottedPointCount("throughput"), 2);
    EXPECT_EQ(view.charts()->plottedPointCount("latency"), 2);
    EXPECT_GT(view.charts()->plottedPointCount("memory"), 0);
    EXPECT_GT(view.charts()->plottedPointCount("components"), 0);

    // Out to CSV and JSON, and the JSON back in.
    QString error;
    const QString csv = dir.filePath("model.csv");
    ASSERT_TRUE(view.saveResults(csv, &error)) << error.toStdString();
    QFile csvFile(csv);
    ASSERT_TRUE(csvFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csvFile.readAll().trimmed().split('\n');
    EXPECT_EQ(lines.size(), 3);  // header and two rows
    EXPECT_TRUE(lines[0].contains("tokens_per_s"));
    const QString json = dir.filePath("model.json");
    ASSERT_TRUE(view.saveResults(json, &error)) << error.toStdString();
    auto reread = q4::readModelResultFile(json.toStdString());
    ASSERT_TRUE(reread.ok()) << reread.error();
    EXPECT_EQ(reread->records.size(), 2u);

    const QString png = dir.filePath("throughput.png");
    ASSERT_TRUE(view.exportChart("throughput", png, &error)) << error.toStdString();
    EXPECT_FALSE(QImage(png).isNull());
    EXPECT_GT(QFileInfo(png).size(), 0);

    view.document()->setRun({}, QString());
    EXPECT_EQ(shown->rowCount(), 0);
    ASSERT_TRUE(view.openFile(json, &error)) << error.toStdString();
    EXPECT_EQ(shown->rowCount(), 2);
    EXPECT_EQ(view.charts()->plottedPointCount("throughput"), 2);
    EXPECT_EQ(view.document()->run().info.runId, reread->info.runId);
    EXPECT_FALSE(view.openFile(csv, &error));  // CSV keeps no run information
    EXPECT_FALSE(error.isEmpty());

    // The shown run's spec goes back into the panel.
    view.panel()->setSpec(q4::ModelSpec{});
    ASSERT_TRUE(view.rerunSpec(&error)) << error.toStdString();
    EXPECT_EQ(view.panel()->spec().batches, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(view.panel()->spec().preset, "tiny-llama");
}

class ModelWindowTest : public q4test::WindowTestEnv {};

TEST_F(ModelWindowTest, TheModelPageRunsBesideTheSweep) {
    q4ui::MainWindow window;
    window.resize(1500, 950);
    window.show();
    window.sweepPanel()->setSpec(q4test::tinyCpuSweep());
    ASSERT_TRUE(window.runButton()->isEnabled());
    QTabWidget* pages = window.pages();
    ASSERT_NE(pages, nullptr);
    ASSERT_EQ(pages->count(), 2);
    EXPECT_EQ(pages->tabText(1), "Model");
    auto* sweepDock = window.findChild<QDockWidget*>("sweepDock");
    ASSERT_NE(sweepDock, nullptr);
    EXPECT_TRUE(sweepDock->isVisible());

    window.showModelPage(true);
    EXPECT_EQ(pages->currentWidget(), window.modelView());
    EXPECT_FALSE(sweepDock->isVisible());  // the sweep's panel goes with its page

    q4ui::ModelView* view = window.modelView();
    view->panel()->setSpec(q4test::tinyCpuModel());
    QSignalSpy ended(view, &q4ui::ModelView::runEnded);
    ASSERT_TRUE(view->startRun());
    EXPECT_FALSE(window.runButton()->isEnabled());  // no sweep beside a model run
    ASSERT_TRUE(waitFor(ended));
    EXPECT_TRUE(window.runButton()->isEnabled());
    EXPECT_EQ(view->table()->model()->rowCount(), 2);
    EXPECT_TRUE(window.logText().contains("model run")) << window.logText().toStdString();

    const QByteArray shot = qgetenv("Q4BENCH_MODEL_SCREENSHOT");
    if (!shot.isEmpty()) {
        QCoreApplication::processEvents();
        const QString path = QString::fromLocal8Bit(shot);
        EXPECT_TRUE(window.grab().save(path));
        // Each chart as exported, beside the window's picture.
        for (const QString& name : view->charts()->chartNames()) {
            QString error;
            const QString chart = QString(path).replace(QLatin1String(".png"), QStringLiteral("-%1.png").arg(name));
            EXPECT_TRUE(view->exportChart(name, chart, &error)) << error.toStdString();
        }
    }

    // A model result file opened through the window lands on the Model page.
    QString error;
    const QString json = dir.filePath("tiny.json");
    ASSERT_TRUE(view->saveResults(json, &error)) << error.toStdString();
    window.showModelPage(false);
    EXPECT_TRUE(sweepDock->isVisible());
    view->document()->setRun({}, QString());
    ASSERT_TRUE(window.openFile(json, &error)) << error.toStdString();
    EXPECT_EQ(pages->currentWidget(), window.modelView());
    EXPECT_EQ(view->document()->records().size(), 2u);
    EXPECT_TRUE(window.document()->records().empty());  // the sweep's document is untouched
}

TEST_F(ModelWindowTest, ThePageAndTheSweepDockComeBackAsLeft) {
    {
        q4ui::MainWindow window;
        window.show();
        window.showModelPage(true);
        window.close();
    }
    q4ui::MainWindow window;
    window.show();
    EXPECT_EQ(window.pages()->currentWidget(), window.modelView());
    auto* sweepDock = window.findChild<QDockWidget*>("sweepDock");
    ASSERT_NE(sweepDock, nullptr);
    EXPECT_FALSE(sweepDock->isVisible());
    window.showModelPage(false);
    EXPECT_TRUE(sweepDock->isVisible());  // it was shown on the Sweep page when the window closed
}

}  // namespace
