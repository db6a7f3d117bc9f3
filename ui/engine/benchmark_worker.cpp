#include "engine/benchmark_worker.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include "backend/backend_registry.h"
#include "io/journal.h"
#include "run/runner.h"

namespace q4ui {

// Built on the GUI thread, so the application's arguments are read there.
BenchmarkWorker::BenchmarkWorker(const q4::CancelToken* cancel, QObject* parent)
    : QObject(parent), cancel_(cancel),
      commandLine_(QCoreApplication::arguments().join(QLatin1Char(' ')).toStdString()) {}

// Out of line: Backend is only forward-declared in the header.
BenchmarkWorker::~BenchmarkWorker() = default;

q4::Backend* BenchmarkWorker::backendFor(const std::string& name, int device, QString* error) {
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

void BenchmarkWorker::run(const q4::SweepSpec& spec, int device, const QString& journalPath) {
    QString error;
    q4::Backend* backend = backendFor(spec.backend, device, &error);
    if (!backend) {
        emit runFailed(error);
        return;
    }
    if (!journalPath.isEmpty() && !QDir().mkpath(QFileInfo(journalPath).absolutePath())) {
        emit runFailed(tr("cannot create the journal folder %1").arg(QFileInfo(journalPath).absolutePath()));
        return;
    }

    auto log = [this](const std::string& line) { emit logMessage(QString::fromStdString(line)); };
    QElapsedTimer clock;
    q4::RunCallbacks gui;
    gui.onStart = [&](const q4::RunInfo& info) {
        clock.start();
        emit runStarted(info);
        return q4::Status::success();
    };
    gui.onRecord = [&](const q4::Record& record) { emit recordReady(record); };
    // The runner's total: the sweep is expanded once, by the runner.
    gui.onProgress = [&](std::size_t done, std::size_t total) {
        const double elapsed = clock.isValid() ? clock.nsecsElapsed() * 1e-9 : 0.0;
        const double eta = done > 0 ? elapsed / double(done) * double(total - done) : -1.0;
        emit progress(int(done), int(total), elapsed, eta);
    };
    gui.onLog = log;

    // The journal first: a journal that cannot be opened ends the run before it is announced,
    // and each record is on disk before the window shows it.
    std::vector<q4::RunCallbacks> observers;
    if (!journalPath.isEmpty())
        observers.push_back(q4::journalObserver(QFile::encodeName(journalPath).toStdString(), log));
    observers.push_back(gui);

    q4::RunOptions options;
    options.commandLine = commandLine_;
    auto result = q4::runSweep(*backend, spec, options, q4::chainCallbacks(std::move(observers)), *cancel_);
    // A device that failed mid-sweep is not reused for the next run.
    if (!backend->health()) backend_.reset();
    if (!result) {
        emit runFailed(QString::fromStdString(result.error()));
        return;
    }
    emit runFinished(result->info, cancel_->cancelled());
}

BenchmarkController::BenchmarkController(QObject* parent) : QObject(parent) {
    registerMetaTypes();
    thread_.setObjectName(QStringLiteral("q4bench-worker"));
    createWorker();  // exists before the first run, so observers can connect to it directly
}

BenchmarkController::~BenchmarkController() {
    shutdown();
    delete worker_;  // still set only when the thread never ran
}

void BenchmarkController::createWorker() {
    auto* worker = new BenchmarkWorker(&cancel_);
    worker->moveToThread(&thread_);
    // The worker is deleted on its own thread when the thread stops, with its backend.
    connect(&thread_, &QThread::finished, worker, &QObject::deleteLater);
    // Queued: these run on the GUI thread, in the order the worker emitted them.
    connect(worker, &BenchmarkWorker::runStarted, this, &BenchmarkController::runStarted);
    connect(worker, &BenchmarkWorker::recordReady, this, &BenchmarkController::recordReady);
    connect(worker, &BenchmarkWorker::progress, this, &BenchmarkController::progress);
    connect(worker, &BenchmarkWorker::logMessage, this, &BenchmarkController::logMessage);
    connect(worker, &BenchmarkWorker::runFinished, this, [this](const q4::RunInfo& info, bool cancelled) {
        running_ = false;
        emit runFinished(info, cancelled);
    });
    connect(worker, &BenchmarkWorker::runFailed, this, [this](const QString& message) {
        running_ = false;
        emit runFailed(message);
    });
    worker_ = worker;
}

bool BenchmarkController::start(const q4::SweepSpec& spec, int device, const QString& journalPath) {
    if (running_) return false;
    if (!worker_) createWorker();
    if (!thread_.isRunning()) thread_.start();
    cancel_.reset();
    running_ = true;
    BenchmarkWorker* worker = worker_;
    QMetaObject::invokeMethod(worker, [worker, spec, device, journalPath] { worker->run(spec, device, journalPath); },
                              Qt::QueuedConnection);
    return true;
}

void BenchmarkController::cancel() {
    if (running_) cancel_.cancel();
}

void BenchmarkController::shutdown() {
    if (!thread_.isRunning()) return;
    cancel_.cancel();
    thread_.quit();  // after the current run returns: the runner stops at the next sample
    thread_.wait();
    worker_ = nullptr;
    // Deliver what the worker emitted before it stopped (its last records and runFinished), now,
    // so observers see the run end before this returns.
    QCoreApplication::sendPostedEvents(this);
    running_ = false;
}

}  // namespace q4ui
