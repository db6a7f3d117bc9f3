#include "model_view/model_worker.h"

#include <QCoreApplication>

#include "backend/backend_registry.h"
#include "model/model_runner.h"

namespace q4ui {

// Built on the GUI thread, so the application's arguments are read there.
ModelWorker::ModelWorker(const q4::CancelToken* cancel, QObject* parent)
    : QObject(parent), cancel_(cancel),
      commandLine_(QCoreApplication::arguments().join(QLatin1Char(' ')).toStdString()) {}

// Out of line: Backend is only forward-declared in the header.
ModelWorker::~ModelWorker() = default;

q4::Backend* ModelWorker::backendFor(const std::string& name, int device, QString* error) {
    const std::string key = name + ":" + std::to_string(device);
    if (backend_ && backendKey_ == key) return backend_.get();
    backend_.reset();
    auto created = q4::BackendRegistry::instance().create(name, device);
    if (!created) {
        *error = QString::fromStdString(created.error());
        return nullptr;
    }
    backend_ = std::move(created).value();
    backendKey_ = key;
    return backend_.get();
}

void ModelWorker::run(const q4::ModelSpec& spec, const QString& backendName, int device) {
    QString error;
    q4::Backend* backend = backendFor(backendName.toStdString(), device, &error);
    if (!backend) {
        emit runFailed(error);
        return;
    }

    q4::ModelRunCallbacks callbacks;
    callbacks.onStart = [this](const q4::RunInfo& info) {
        emit runStarted(info);
        return q4::Status::success();
    };
    callbacks.onRecord = [this](const q4::ModelRecord& record) { emit recordReady(record); };
    callbacks.onProgress = [this](std::size_t done, std::size_t total) { emit progress(int(done), int(total)); };
    callbacks.onLog = [this](const std::string& line) { emit logMessage(QString::fromStdString(line)); };

    q4::ModelRunOptions options;
    options.commandLine = commandLine_;
    auto result = q4::runModel(*backend, spec, options, callbacks, *cancel_);
    // A device that failed mid-run is not reused for the next run.
    if (!backend->health()) backend_.reset();
    if (!result) {
        emit runFailed(QString::fromStdString(result.error()));
        return;
    }
    emit runFinished(result->info, cancel_->cancelled());
}

ModelController::ModelController(QObject* parent) : QObject(parent) {
    registerModelMetaTypes();
    thread_.setObjectName(QStringLiteral("q4bench-model-worker"));
    createWorker();
}

ModelController::~ModelController() {
    shutdown();
    delete worker_;  // still set only when the thread never ran
}

void ModelController::createWorker() {
    auto* worker = new ModelWorker(&cancel_);
    worker->moveToThread(&thread_);
    // The worker (and its backend) is deleted on its own thread when the thread stops.
    connect(&thread_, &QThread::finished, worker, &QObject::deleteLater);
    // Queued: these run on the GUI thread, in the order the worker emitted them.
    connect(worker, &ModelWorker::runStarted, this, &ModelController::runStarted);
    connect(worker, &ModelWorker::recordReady, this, &ModelController::recordReady);
    connect(worker, &ModelWorker::progress, this, &ModelController::progress);
    connect(worker, &ModelWorker::logMessage, this, &ModelController::logMessage);
    connect(worker, &ModelWorker::runFinished, this, [this](const q4::RunInfo& info, bool cancelled) {
        running_ = false;
        emit runFinished(info, cancelled);
    });
    connect(worker, &ModelWorker::runFailed, this, [this](const QString& message) {
        running_ = false;
        emit runFailed(message);
    });
    worker_ = worker;
}

bool ModelController::start(const q4::ModelSpec& spec, const QString& backend, int device) {
    if (running_) return false;
    if (!worker_) createWorker();
    if (!thread_.isRunning()) thread_.start();
    cancel_.reset();
    running_ = true;
    ModelWorker* worker = worker_;
    QMetaObject::invokeMethod(worker, [worker, spec, backend, device] { worker->run(spec, backend, device); },
                              Qt::QueuedConnection);
    return true;
}

void ModelController::cancel() {
    if (running_) cancel_.cancel();
}

void ModelController::shutdown() {
    if (!thread_.isRunning()) return;
    cancel_.cancel();
    thread_.quit();  // after the current run returns: the runner stops at the next generation
    thread_.wait();
    worker_ = nullptr;
    // Deliver what the worker emitted before it stopped (its last records and runFinished) now,
    // so observers see the run end before this returns.
    QCoreApplication::sendPostedEvents(this);
    running_ = false;
}

}  // namespace q4ui
