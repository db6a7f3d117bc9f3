// What the window says about a run is true: elapsed time ticks from the start, the ETA goes with
// Cancel, "cancelled" is logged once, a failed start leaves no progress behind, a journal folder
// that cannot be written costs the journal and not the run, and the title names the app once.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>

#include "engine/benchmark_worker.h"
#include "main_window.h"
#include "model/run_document.h"
#include "panel/backend_choices.h"
#include "tiny_sweep.h"
#include "window_test_env.h"

namespace {

constexpr int kFeedbackWaitMs = 30000;

class RunFeedback : public q4test::WindowTestEnv {};

// The "elapsed" seconds the progress text shows, -1 when it shows none.
double shownElapsed(const q4ui::MainWindow& window) {
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("elapsed ([0-9.]+) s")).match(window.progressText());
    return match.hasMatch() ? match.captured(1).toDouble() : -1.0;
}

TEST_F(RunFeedback, ElapsedTicksFromTheStartAndCancelClearsTheEta) {
    q4::SweepSpec spec = q4test::tinyCpuSweep();
    spec.timing.minTimeSeconds = 2;  // the first record takes seconds
    q4ui::MainWindow window;
    window.sweepPanel()->setSpec(spec);
    ASSERT_TRUE(window.sweepPanel()->isValid()) << window.sweepPanel()->validationMessage().toStdString();
    EXPECT_GT(window.sweepPanel()->estimatedSeconds(), 8 * 2.0);  // 8 records of at least min time

    QSignalSpy ended(&window, &q4ui::MainWindow::runEnded);
    window.startRun();
    ASSERT_TRUE(window.controller()->isRunning());
    EXPECT_TRUE(window.progressText().contains("ETA")) << window.progressText().toStdString();
    // Before any record lands, the clock runs.
    ASSERT_TRUE(waitUntil([&] { return shownElapsed(window) >= 0.5; }, 10000)) << window.progressText().toStdString();
    EXPECT_TRUE(window.document()->records().empty());
    EXPECT_TRUE(window.progressText().contains("ETA")) << window.progressText().toStdString();

    window.cancelRun();
    EXPECT_FALSE(window.progressText().contains("ETA")) << window.progressText().toStdString();
    ASSERT_TRUE(ended.count() > 0 || ended.wait(kFeedbackWaitMs));
    EXPECT_TRUE(ended.first().at(0).toBool());
    EXPECT_FALSE(window.progressText().contains("ETA")) << window.progressText().toStdString();
    EXPECT_EQ(window.logText().count("cancelled"), 1) << window.logText().toStdString();
}

TEST_F(RunFeedback, AFailedStartLeavesNoProgressBehind) {
    q4ui::MainWindow window;
    window.sweepPanel()->setBackends({{"CPU device 7", "cpu", 7, 0}});  // the cpu backend has device 0 only
    window.sweepPanel()->setSpec(q4test::tinyCpuSweep());
    ASSERT_TRUE(window.sweepPanel()->isValid()) << window.sweepPanel()->validationMessage().toStdString();
    QSignalSpy failed(window.controller(), &q4ui::BenchmarkController::runFailed);
    window.startRun();
    ASSERT_TRUE(failed.count() > 0 || failed.wait(kFeedbackWaitMs));
    EXPECT_FALSE(window.controller()->isRunning());
    EXPECT_EQ(window.progressText(), "idle");
    EXPECT_LT(window.progressBar()->value(), window.progressBar()->minimum());    // reset: no value shown
    EXPECT_GT(window.progressBar()->maximum(), window.progressBar()->minimum());  // not a busy indicator
    EXPECT_TRUE(window.runButton()->isEnabled());
}

TEST_F(RunFeedback, AnUnwritableJournalFolderRunsWithoutAJournal) {
    // A file where the journal folder should be: no journal can be created there, even as root.
    const QString journals = q4ui::MainWindow::journalDirectory();
    ASSERT_TRUE(QDir().mkpath(QFileInfo(journals).absolutePath()));
    QFile blocker(journals);
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();

    q4ui::MainWindow window;
    window.sweepPanel()->setSpec(q4test::tinyCpuSweep());
    QSignalSpy finished(window.controller(), &q4ui::BenchmarkController::runFinished);
    window.startRun();
    ASSERT_TRUE(finished.count() > 0 || finished.wait(kFeedbackWaitMs)) << window.logText().toStdString();
    EXPECT_GT(window.document()->records().size(), 0u);
    EXPECT_TRUE(window.logText().contains("warning: no journal")) << window.logText().toStdString();
    EXPECT_FALSE(window.logText().contains("error:")) << window.logText().toStdString();
    EXPECT_FALSE(settings().contains("activeJournal"));
    EXPECT_FALSE(window.progressText().contains("ETA"));
}

TEST_F(RunFeedback, TheTitleLeavesTheAppNameToThePlatform) {
    // Qt appends the display name to every window title ("… — Q4Bench"); the window must not repeat it.
    q4ui::MainWindow window;
    EXPECT_FALSE(window.windowTitle().contains("Q4Bench")) << window.windowTitle().toStdString();
    window.sweepPanel()->setSpec(q4test::tinyCpuSweep());
    QSignalSpy finished(window.controller(), &q4ui::BenchmarkController::runFinished);
    window.startRun();
    ASSERT_TRUE(finished.count() > 0 || finished.wait(kFeedbackWaitMs));
    EXPECT_FALSE(window.windowTitle().contains("Q4Bench")) << window.windowTitle().toStdString();
    EXPECT_FALSE(window.windowTitle().isEmpty());
}

}  // namespace
