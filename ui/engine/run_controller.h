#pragma once
// The GUI side of an engine worker on one long-lived thread: queues runs on it, cancels them
// through the engine's token (the engine checks it between samples, even while the worker is
// busy), and stops the thread on shutdown. A subclass makes the worker and declares the signals
// that the worker's are forwarded to.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <functional>

#include "results/run_info.h"
#include "run/cancel_token.h"

namespace q4ui {

class RunController : public QObject {
public:
    bool isRunning() const { return running_; }
    void cancel();
    // Cancels any run and stops the thread; a later run brings up a fresh worker. A subclass's
    // destructor calls it, so the worker's last queued signals reach a whole object.
    void shutdown();
    QThread* workerThread() { return &thread_; }

protected:
    RunController(const QString& threadName, QObject* parent);
    ~RunController() override;

    // Called again for the first run after a shutdown.
    virtual void createWorker() = 0;
    // Moves a new worker onto the thread (deleted there when it stops) and forwards its signals
    // to the subclass's own, queued onto the GUI thread in the order it emitted them; a run's end,
    // finished or failed, also marks the controller idle.
    template <class Worker, class Controller>
    void adoptWorker(Worker* worker, Controller* self) {
        placeOnThread(worker);
        connect(worker, &Worker::runStarted, self, &Controller::runStarted);
        connect(worker, &Worker::recordReady, self, &Controller::recordReady);
        connect(worker, &Worker::progress, self, &Controller::progress);
        connect(worker, &Worker::logMessage, self, &Controller::logMessage);
        connect(worker, &Worker::runFinished, self, [self](const q4::RunInfo& info, bool cancelled) {
            self->runEnded();
            emit self->runFinished(info, cancelled);
        });
        connect(worker, &Worker::runFailed, self, [self](const QString& message) {
            self->runEnded();
            emit self->runFailed(message);
        });
    }
    QObject* currentWorker() const { return worker_; }
    // Queues run(worker) on the worker thread; false (nothing queued) while a run is in progress.
    bool queueRun(std::function<void(QObject* worker)> run);
    const q4::CancelToken* cancelToken() const { return &cancel_; }

private:
    void placeOnThread(QObject* worker);
    void stopThread();
    void runEnded() { running_ = false; }

    QThread thread_;
    QPointer<QObject> worker_;
    q4::CancelToken cancel_;
    bool running_ = false;
};

}  // namespace q4ui
