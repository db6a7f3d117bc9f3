#pragma once
// Model runs off the GUI thread: a worker on one long-lived thread makes every engine call
// (backend creation, model loads, generations) and reports through queued signals; the
// controller on the GUI side starts runs and cancels them through the engine's token.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <memory>
#include <string>

#include "model_view/model_metatypes.h"
#include "run/cancel_token.h"

namespace q4 {
class Backend;
}

namespace q4ui {

class ModelWorker : public QObject {
    Q_OBJECT
public:
    explicit ModelWorker(const q4::CancelToken* cancel, QObject* parent = nullptr);
    ~ModelWorker() override;

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
    q4::Backend* backendFor(const std::string& name, int device, QString* error);

    const q4::CancelToken* cancel_;
    std::string commandLine_;  // stored in the run's info
    // Kept between runs so device setup is paid once per backend.
    std::unique_ptr<q4::Backend> backend_;
    std::string backendKey_;
};

class ModelController : public QObject {
    Q_OBJECT
public:
    explicit ModelController(QObject* parent = nullptr);
    ~ModelController() override;

    // Queues a run on the worker thread; false (and nothing queued) while a run is in progress.
    bool start(const q4::ModelSpec& spec, const QString& backend, int device);
    // Takes effect between generations, even while the worker is busy.
    void cancel();
    bool isRunning() const { return running_; }
    // Cancels any run and stops the thread; a later start() brings up a fresh worker.
    void shutdown();

    QThread* workerThread() { return &thread_; }
    ModelWorker* worker() const { return worker_; }

signals:
    void runStarted(const q4::RunInfo& info);
    void recordReady(const q4::ModelRecord& record);
    void progress(int done, int total);
    void logMessage(const QString& message);
    void runFinished(const q4::RunInfo& finalInfo, bool cancelled);
    void runFailed(const QString& message);

private:
    void createWorker();

    QThread thread_;
    QPointer<ModelWorker> worker_;
    q4::CancelToken cancel_;
    bool running_ = false;
};

}  // namespace q4ui
