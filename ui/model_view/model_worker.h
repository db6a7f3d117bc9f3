#pragma once
// Model runs off the GUI thread: a worker on one long-lived thread makes every engine call
// (backend creation, model loads, generations) and reports through queued signals; the
// controller on the GUI side starts runs and cancels them through the engine's token.
#include <QObject>
#include <QString>
#include <string>

#include "engine/backend_cache.h"
#include "engine/run_controller.h"
#include "model_view/model_metatypes.h"

namespace q4ui {

class ModelWorker : public QObject {
    Q_OBJECT
public:
    explicit ModelWorker(const q4::CancelToken* cancel, QObject* parent = nullptr);

    // Runs one model spec to its end (or cancel) on a backend's device; call on the worker thread.
    void run(const q4::ModelSpec& spec, const QString& backend, int device);

signals:
    void runStarted(const q4::RunInfo& info);
    void recordReady(const q4::ModelRecord& record);
    void progress(int done, int total);
    void logMessage(const QString& message);
    void runFinished(const q4::RunInfo& finalInfo, bool cancelled);
    void runFailed(const QString& message);

private:
    const q4::CancelToken* cancel_;
    std::string commandLine_;  // stored in the run's info
    BackendCache backends_;
};

class ModelController : public RunController {
    Q_OBJECT
public:
    explicit ModelController(QObject* parent = nullptr);
    ~ModelController() override;

    // Queues a run on the worker thread; false (and nothing queued) while a run is in progress.
    bool start(const q4::ModelSpec& spec, const QString& backend, int device);

    ModelWorker* worker() const { return static_cast<ModelWorker*>(currentWorker()); }  // replaced after a shutdown

signals:
    void runStarted(const q4::RunInfo& info);
    void recordReady(const q4::ModelRecord& record);
    void progress(int done, int total);
    void logMessage(const QString& message);
    void runFinished(const q4::RunInfo& finalInfo, bool cancelled);
    void runFailed(const QString& message);

private:
    void createWorker() override;
};

}  // namespace q4ui
