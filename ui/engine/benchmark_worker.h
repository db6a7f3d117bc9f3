#pragma once
// The engine adapter: a worker on one long-lived thread makes every engine call of a run
// (backend creation, CUDA included, and runSweep) and reports through queued signals; the
// controller on the GUI side starts runs and cancels them through the engine's token.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <memory>
#include <string>
#include <vector>

#include "engine/metatypes.h"
#include "run/cancel_token.h"

namespace q4 {
class Backend;
}

namespace q4ui {

class BenchmarkWorker : public QObject {
    Q_OBJECT
public:
    explicit BenchmarkWorker(const q4::CancelToken* cancel, QObject* parent = nullptr);
    ~BenchmarkWorker() override;

    // Runs one sweep to its end (or cancel); call on the worker thread.
    void run(const q4::SweepSpec& spec, int device, const QString& journalPath);

signals:
    void runStarted(const q4::RunInfo& info);
    void recordReady(const q4::Record& record);
    void progress(int done, int total, double elapsedSeconds, double etaSeconds);
    void logMessage(const QString& message);
    void runFinished(const q4::RunInfo& finalInfo, bool cancelled);
    void runFailed(const QString& message);

private:
    q4::Backend* backendFor(const std::string& name, int device, QString* error);

    const q4::CancelToken* cancel_;
    std::string commandLine_;  // stored in every RunInfo
    // Kept between runs so device setup and measured ceilings are paid once per backend.
    std::unique_ptr<q4::Backend> backend_;
    std::string backendKey_;
};

class BenchmarkController : public QObject {
    Q_OBJECT
public:
    explicit BenchmarkController(QObject* parent = nullptr);
    ~BenchmarkController() override;

    // Queues a run on the worker thread; false (and nothing queued) while a run is in progress.
    bool start(const q4::SweepSpec& spec, int device, const QString& journalPath);
    // Takes effect between samples, even while the worker is busy measuring.
    void cancel();
    bool isRunning() const { return running_; }
    // Cancels any run and stops the thread; a later start() brings up a fresh worker.
    void shutdown();

    QThread* workerThread() { return &thread_; }
    BenchmarkWorker* worker() const { return worker_; }  // replaced after a shutdown

signals:
    void runStarted(const q4::RunInfo& info);
    void recordReady(const q4::Record& record);
    void progress(int done, int total, double elapsedSeconds, double etaSeconds);
    void logMessage(const QString& message);
    void runFinished(const q4::RunInfo& finalInfo, bool cancelled);
    void runFailed(const QString& message);

private:
    void createWorker();

    QThread thread_;
    QPointer<BenchmarkWorker> worker_;
    q4::CancelToken cancel_;
    bool running_ = false;
};

}  // namespace q4ui
