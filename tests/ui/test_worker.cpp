// The engine adapter with real CPU-backend runs: records arrive through queued signals from the
// worker thread, progress counts to the total, cancel stops between samples, failures carry the
// engine's message. Waits are QSignalSpy waits with deadlines, never sleeps.
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QThread>

#include "backend/backend_registry.h"
#include "engine/benchmark_worker.h"
#include "tiny_sweep.h"

namespace {

constexpr int kWorkerWaitMs = 20000;

q4::SweepSpec tinySpec() { return q4test::tinyCpuSweep(); }

// Long enough per record that a cancel lands mid-run.
q4::SweepSpec slowSpec() {
    q4::SweepSpec spec = tinySpec();
    spec.m = {1, 2, 4, 8, 16, 32, 64};
    spec.n = {2048};
    spec.k = {2048};
    spec.timing.minTimeSeconds = 0.5;
    return spec;
}

bool waitForWorker(QSignalSpy& spy, int count = 1) {
    while (spy.count() < count)
        if (!spy.wait(kWorkerWaitMs)) return false;
    return true;
}

TEST(BenchmarkController, RunsASweepOnTheWorkerThread) {
    q4ui::BenchmarkController controller;
    QSignalSpy started(&controller, &q4ui::BenchmarkController::runStarted);
    QSignalSpy records(&controller, &q4ui::BenchmarkController::recordReady);
    QSignalSpy progress(&controller, &q4ui::BenchmarkController::progress);
    QSignalSpy finished(&controller, &q4ui::BenchmarkController::runFinished);
    QSignalSpy failed(&controller, &q4ui::BenchmarkController::runFailed);

    // Where the engine calls back (direct) and where the GUI receives (queued).
    QThread* emittingThread = nullptr;
    QThread* receivingThread = nullptr;
    QObject::connect(controller.worker(), &q4ui::BenchmarkWorker::recordReady, controller.worker(),
                     [&] { emittingThread = QThread::currentThread(); }, Qt::DirectConnection);
    QObject::connect(&controller, &q4ui::BenchmarkController::recordReady, &controller,
                     [&] { receivingThread = QThread::currentThread(); });

    ASSERT_TRUE(controller.start(tinySpec(), 0, QString()));
    EXPECT_TRUE(controller.isRunning());
    EXPECT_FALSE(controller.start(tinySpec(), 0, QString()));  // one run at a time
    ASSERT_TRUE(waitForWorker(finished)) << "no runFinished; failures: " << failed.count();
    EXPECT_FALSE(controller.isRunning());
    EXPECT_EQ(failed.count(), 0);
    EXPECT_EQ(started.count(), 1);
    EXPECT_FALSE(finished.first().at(1).toBool());  // not cancelled
    const auto info = finished.first().at(0).value<q4::RunInfo>();
    EXPECT_EQ(info.backend, "cpu");
    EXPECT_FALSE(info.finishedUtc.empty());

    ASSERT_GT(records.count(), 0);
    const auto last = progress.last();
    EXPECT_EQ(last.at(0).toInt(), records.count());  // done
    EXPECT_EQ(last.at(1).toInt(), records.count());  // total
    EXPECT_GE(last.at(2).toDouble(), 0.0);           // elapsed
    EXPECT_DOUBLE_EQ(last.at(3).toDouble(), 0.0);    // nothing left
    // The runner's total before the first record, then one report per record (the worker does
    // not expand the sweep itself).
    ASSERT_EQ(progress.count(), records.count() + 1);
    for (int i = 0; i < progress.count(); ++i) {
        EXPECT_EQ(progress.at(i).at(0).toInt(), i);
        EXPECT_EQ(progress.at(i).at(1).toInt(), records.count());
    }
    const auto record = records.first().at(0).value<q4::Record>();
    EXPECT_EQ(record.runId, info.runId);
    EXPECT_EQ(record.n, 64);

    EXPECT_EQ(emittingThread, controller.workerThread());
    EXPECT_NE(emittingThread, QThread::currentThread());
    EXPECT_EQ(receivingThread, QThread::currentThread());

    // The thread and its backend stay for the next run.
    ASSERT_TRUE(controller.start(tinySpec(), 0, QString()));
    ASSERT_TRUE(waitForWorker(finished, 2));
    EXPECT_EQ(records.count(), 2 * last.at(1).toInt());
}

TEST(BenchmarkController, CancelStopsBetweenSamples) {
    q4ui::BenchmarkController controller;
    QSignalSpy records(&controller, &q4ui::BenchmarkController::recordReady);
    QSignalSpy progress(&controller, &q4ui::BenchmarkController::progress);
    QSignalSpy finished(&controller, &q4ui::BenchmarkController::runFinished);
    QObject::connect(&controller, &q4ui::BenchmarkController::recordReady, &controller, [&] { controller.cancel(); });

    ASSERT_TRUE(controller.start(slowSpec(), 0, QString()));
    ASSERT_TRUE(waitForWorker(finished));
    EXPECT_TRUE(finished.first().at(1).toBool());
    const int total = progress.first().at(1).toInt();
    EXPECT_GT(total, 10);
    EXPECT_GE(records.count(), 1);
    EXPECT_LT(records.count(), total);
    EXPECT_TRUE(finished.first().at(0).value<q4::RunInfo>().finishedUtc.empty());  // interrupted runs say so
}

TEST(BenchmarkController, ShutdownDuringARunCancelsAndDeliversTheEnd) {
    q4ui::BenchmarkController controller;
    QSignalSpy records(&controller, &q4ui::BenchmarkController::recordReady);
    QSignalSpy finished(&controller, &q4ui::BenchmarkController::runFinished);
    ASSERT_TRUE(controller.start(slowSpec(), 0, QString()));
    ASSERT_TRUE(waitForWorker(records));

    controller.shutdown();
    EXPECT_FALSE(controller.isRunning());
    EXPECT_FALSE(controller.workerThread()->isRunning());
    ASSERT_EQ(finished.count(), 1);  // delivered before shutdown returned
    EXPECT_TRUE(finished.first().at(1).toBool());

    // A fresh worker comes up for the next run.
    ASSERT_TRUE(controller.start(tinySpec(), 0, QString()));
    ASSERT_TRUE(waitForWorker(finished, 2));
    EXPECT_FALSE(finished.last().at(1).toBool());
}

TEST(BenchmarkController, InvalidSpecFailsWithTheEngineMessage) {
    q4ui::BenchmarkController controller;
    QSignalSpy failed(&controller, &q4ui::BenchmarkController::runFailed);
    q4::SweepSpec spec = tinySpec();
    spec.k = {100};
    spec.groupSizes = {128};
    ASSERT_TRUE(controller.start(spec, 0, QString()));
    ASSERT_TRUE(waitForWorker(failed));
    EXPECT_TRUE(failed.first().at(0).toString().contains("k=100")) << failed.first().at(0).toString().toStdString();
    EXPECT_FALSE(controller.isRunning());
}

TEST(BenchmarkController, CudaWithoutADeviceFails) {
    const q4::BackendFactory* cuda = q4::BackendRegistry::instance().find("cuda");
    if (cuda) {
        const auto devices = cuda->devices();
        if (devices && !devices->empty()) GTEST_SKIP() << "a CUDA device is present";
    }
    q4ui::BenchmarkController controller;
    QSignalSpy failed(&controller, &q4ui::BenchmarkController::runFailed);
    QSignalSpy finished(&controller, &q4ui::BenchmarkController::runFinished);
    q4::SweepSpec spec = tinySpec();
    spec.backend = "cuda";
    ASSERT_TRUE(controller.start(spec, 0, QString()));
    ASSERT_TRUE(waitForWorker(failed));
    // The registry's reason: no device, or no CUDA backend in this build at all.
    const QString message = failed.first().at(0).toString();
    EXPECT_TRUE(message.contains(cuda ? "no CUDA device" : "not a backend of this build")) << message.toStdString();
    EXPECT_EQ(finished.count(), 0);
    EXPECT_FALSE(controller.isRunning());
}

}  // namespace
