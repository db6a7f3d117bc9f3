#pragma once
// The engine adapter: a worker on one long-lived thread makes every engine call of a run
// (backend creation, CUDA included, and runSweep) and reports through queued signals; the
// controller on the GUI side starts runs and cancels them through the engine's token.
#include <QObject>
#include <QString>
#include <string>

#include "engine/backend_cache.h"
#include "engine/metatypes.h"
#include "engine/run_controller.h"

namespace q4ui {

class BenchmarkWorker : public QObject {
    Q_OBJECT
public:
    explicit BenchmarkWorker(const q4::CancelToken* cancel, QObject* parent = nullptr);

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
    const q4::CancelToken* cancel_;
    std::string commandLine_;  // stored in every RunInfo
    BackendCache backends_;
};

class BenchmarkController : public RunController {
    Q_OBJECT
public:
    explicit BenchmarkController(QObject* parent = nullptr);
    ~BenchmarkController() override;

    // Queues a run on the worker thread; false (and nothing queued) while a run is in progress.
    bool start(const q4::SweepSpec& spec, int device, const QString& journalPath);

    BenchmarkWorker* worker() const { return static_cast<BenchmarkWorker*>(currentWorker()); }  // replaced after a shutdown

signals:
    void runStarted(const q4::RunInfo& info);
    void recordReady(const q4::Record& record);
    void progress(int done, int total, double elapsedSeconds, double etaSeconds);
    void logMessage(const QString& message);
    void runFinished(const q4::RunInfo& finalInfo, bool cancelled);
    void runFailed(const QString& message);

private:
    void createWorker() override;
};

}  // namespace q4ui
