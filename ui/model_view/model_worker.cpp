#include "model_view/model_worker.h"

#include <QCoreApplication>

#include "model/model_runner.h"

namespace q4ui {

// Built on the GUI thread, so the application's arguments are read there.
ModelWorker::ModelWorker(const q4::CancelToken* cancel, QObject* parent)
    : QObject(parent), cancel_(cancel),
      commandLine_(QCoreApplication::arguments().join(QLatin1Char(' ')).toStdString()) {}

void ModelWorker::run(const q4::ModelSpec& spec, const QString& backendName, int device) {
    QString error;
    q4::Backend* backend = backends_.get(backendName.toStdString(), device, &error);
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
    backends_.dropIfFailed();
    if (!result) {
        emit runFailed(QString::fromStdString(result.error()));
        return;
    }
    emit runFinished(result->info, cancel_->cancelled());
}

ModelController::ModelController(QObject* parent)
    : RunController(QStringLiteral("q4bench-model-worker"), parent) {
    registerModelMetaTypes();
    createWorker();  // exists before the first run, so observers can connect to it directly
}

ModelController::~ModelController() { shutdown(); }

void ModelController::createWorker() {
    auto* worker = new ModelWorker(cancelToken());
    adoptWorker(worker, this);
}

bool ModelController::start(const q4::ModelSpec& spec, const QString& backend, int device) {
    return queueRun([spec, backend, device](QObject* worker) { static_cast<ModelWorker*>(worker)->run(spec, backend, device); });
}

}  // namespace q4ui
