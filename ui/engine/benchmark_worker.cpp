#include "engine/benchmark_worker.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include "io/journal.h"
#include "run/runner.h"

namespace q4ui {

// Built on the GUI thread, so the application's arguments are read there.
BenchmarkWorker::BenchmarkWorker(const q4::CancelToken* cancel, QObject* parent)
    : QObject(parent), cancel_(cancel),
      commandLine_(QCoreApplication::arguments().join(QLatin1Char(' ')).toStdString()) {}

void BenchmarkWorker::run(const q4::SweepSpec& spec, int device, const QString& journalPath) {
    QString error;
    q4::Backend* backend = backends_.get(spec.backend, device, &error);
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
    backends_.dropIfFailed();
    if (!result) {
        emit runFailed(QString::fromStdString(result.error()));
        return;
    }
    emit runFinished(result->info, cancel_->cancelled());
}

BenchmarkController::BenchmarkController(QObject* parent)
    : RunController(QStringLiteral("q4bench-worker"), parent) {
    registerMetaTypes();
    createWorker();  // exists before the first run, so observers can connect to it directly
}

BenchmarkController::~BenchmarkController() { shutdown(); }

void BenchmarkController::createWorker() {
    auto* worker = new BenchmarkWorker(cancelToken());
    adoptWorker(worker, this);
}

bool BenchmarkController::start(const q4::SweepSpec& spec, int device, const QString& journalPath) {
    return queueRun([spec, device, journalPath](QObject* worker) { static_cast<BenchmarkWorker*>(worker)->run(spec, device, journalPath); });
}

}  // namespace q4ui
