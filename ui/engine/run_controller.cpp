#include "engine/run_controller.h"

#include <QCoreApplication>
#include <utility>

namespace q4ui {

RunController::RunController(const QString& threadName, QObject* parent) : QObject(parent) {
    thread_.setObjectName(threadName);
}

RunController::~RunController() {
    // The subclass has shut down already; this only keeps a running thread from being destroyed.
    if (thread_.isRunning()) stopThread();
    delete worker_;  // still set only when the thread never ran
}

void RunController::placeOnThread(QObject* worker) {
    worker->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker, &QObject::deleteLater);
    worker_ = worker;
}

bool RunController::queueRun(std::function<void(QObject* worker)> run) {
    if (running_) return false;
    if (!worker_) createWorker();
    if (!thread_.isRunning()) thread_.start();
    cancel_.reset();
    running_ = true;
    QObject* worker = worker_;
    QMetaObject::invokeMethod(worker, [worker, run = std::move(run)] { run(worker); }, Qt::QueuedConnection);
    return true;
}

void RunController::cancel() {
    if (running_) cancel_.cancel();
}

void RunController::stopThread() {
    cancel_.cancel();
    thread_.quit();  // after the current run returns: the engine stops at its next check
    thread_.wait();
}

void RunController::shutdown() {
    if (!thread_.isRunning()) return;
    stopThread();
    worker_ = nullptr;
    // Deliver what the worker emitted before it stopped (its last records and its end), now, so
    // observers see the run end before this returns.
    QCoreApplication::sendPostedEvents(this);
    running_ = false;
}

}  // namespace q4ui
