#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLockFile>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include "app_settings.h"
#include "charts/charts_view.h"
#include "engine/benchmark_worker.h"
#include "engine/run_journals.h"
#include "io/json_io.h"
#include "io/result_files.h"
#include "model/results_filter_proxy.h"
#include "model/results_table_model.h"
#include "model/run_provenance.h"
#include "model/run_document.h"
#include "model_view/model_files.h"
#include "model_view/model_panel.h"
#include "model_view/model_view.h"
#include "panel/backend_choices.h"
#include "report/report_writer.h"

namespace q4ui {
namespace {

constexpr int kMaxRecentFiles = 8;
constexpr int kProgressTickMs = 250;

QString duration(double seconds) {
    if (seconds < 0) return QStringLiteral("–");
    if (seconds < 60) return QStringLiteral("%1 s").arg(seconds, 0, 'f', seconds < 10 ? 1 : 0);
    const QTime t = QTime(0, 0).addSecs(int(seconds));
    return t.toString(seconds < 3600 ? QStringLiteral("m:ss") : QStringLiteral("h:mm:ss"));
}

// Adds the suffix of the chosen filter ("PNG image (*.png)") when the name has none.
QString withSuffix(const QString& path, const QString& filter) {
    if (path.isEmpty() || !QFileInfo(path).suffix().isEmpty()) return path;
    const int star = filter.indexOf(QLatin1String("*."));
    if (star < 0) return path;
    const int end = filter.indexOf(QRegularExpression(QStringLiteral("[ );]")), star);
    return path + filter.mid(star + 1, end < 0 ? -1 : end - star - 1);
}

// The spec on one line keeps the settings file readable. Only layout whitespace goes (JSON strings
// hold no raw newlines); a QJsonDocument round trip would turn 64-bit seeds into doubles.
QString compactSpecJson(const std::string& json) {
    return QString::fromStdString(json).remove(QRegularExpression(QStringLiteral("\\n *")));
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setTitle(QString());
    setAcceptDrops(true);
    document_ = new RunDocument(this);
    model_ = new ResultsTableModel(document_, this);
    proxy_ = new ResultsFilterProxy(this);
    proxy_->setSourceModel(model_);
    controller_ = new BenchmarkController(this);

    buildCentre();
    buildDocks();
    buildStatusBar();
    buildMenus();
    connectController();
    restoreSettings();
    updateRunControls();
}

MainWindow::~MainWindow() {
    // While every member is alive: a run's last signals still reach this window.
    controller_->shutdown();
    modelView_->shutdown();
}

QString MainWindow::journalDirectory() { return q4ui::journalDirectory(); }

void MainWindow::buildCentre() {
    charts_ = new ChartsView(document_, this);

    table_ = new QTableView(this);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);  // run order until a header is clicked
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setAlternatingRowColors(true);
    table_->horizontalHeader()->setMaximumSectionSize(360);  // long failure reasons stay in the tooltip
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->setContextMenuPolicy(Qt::ActionsContextMenu);

    filterEdit_ = new QLineEdit(this);
    filterEdit_->setPlaceholderText(tr("Filter by kernel, layer or status"));
    filterEdit_->setClearButtonEnabled(true);
    connect(filterEdit_, &QLineEdit::textChanged, proxy_, &ResultsFilterProxy::setFilterText);
    auto* onlyOk = new QCheckBox(tr("Only ok"), this);
    connect(onlyOk, &QCheckBox::toggled, proxy_, &ResultsFilterProxy::setOnlyOk);
    // The charts show what the table shows.
    connect(proxy_, &ResultsFilterProxy::filterChanged, charts_,
            [this] { charts_->setRecordFilter(proxy_->recordPredicate()); });

    // Loaded runs arrive whole: fit the columns once (per record would be slow for live runs).
    connect(document_, &RunDocument::reset, table_, [this] {
        if (!document_->records().empty()) table_->resizeColumnsToContents();
    });

    auto* tablePane = new QWidget(this);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(filterEdit_, 1);
    filterRow->addWidget(onlyOk);
    auto* tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addLayout(filterRow);
    tableLayout->addWidget(table_, 1);

    provenanceLabel_ = new QLabel(this);
    provenanceLabel_->setObjectName(QStringLiteral("provenanceLabel"));
    provenanceLabel_->setWordWrap(true);
    provenanceLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto showProvenance = [this] {
        provenanceLabel_->setText(provenanceText(document_->run().info));
        provenanceLabel_->setVisible(!provenanceLabel_->text().isEmpty());
    };
    showProvenance();
    connect(document_, &RunDocument::reset, this, showProvenance);
    connect(document_, &RunDocument::runFinished, this, showProvenance);
    auto* chartPane = new QWidget(this);
    auto* chartLayout = new QVBoxLayout(chartPane);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    chartLayout->addWidget(provenanceLabel_);
    chartLayout->addWidget(charts_, 1);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("centreSplitter"));
    splitter->addWidget(chartPane);
    splitter->addWidget(tablePane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({480, 320});

    modelView_ = new ModelView(this);
    modelView_->setObjectName(QStringLiteral("modelView"));
    pages_ = new QTabWidget(this);
    pages_->setObjectName(QStringLiteral("pages"));
    pages_->setDocumentMode(true);
    pages_->addTab(splitter, tr("Sweep"));
    pages_->addTab(modelView_, tr("Model"));
    pages_->setTabToolTip(0, tr("Kernels on layer shapes: latency, memory, speedup and share of floor"));
    pages_->setTabToolTip(1, tr("A whole decoder-only model per kernel: time to first token, per-token latency, "
                                "tokens/s, memory and where a decode step spends its time"));
    setCentralWidget(pages_);
}

void MainWindow::buildDocks() {
    panel_ = new SweepPanel(this);
    panel_->setBackends(availableBackends());
    connect(panel_, &SweepPanel::specChanged, this, &MainWindow::updateRunControls);
    connect(panel_, &SweepPanel::validityChanged, this, &MainWindow::updateRunControls);

    runButton_ = new QPushButton(tr("Run"), this);
    runButton_->setToolTip(tr("Start the sweep (Ctrl+R)"));
    connect(runButton_, &QPushButton::clicked, this, &MainWindow::startRun);

    auto* sweepPane = new QWidget(this);
    auto* sweepLayout = new QVBoxLayout(sweepPane);
    sweepLayout->addWidget(panel_, 1);
    sweepLayout->addWidget(runButton_);
    auto* sweepDock = new QDockWidget(tr("Sweep"), this);
    sweepDock_ = sweepDock;
    sweepDock->setObjectName(QStringLiteral("sweepDock"));
    sweepDock->setWidget(sweepPane);
    addDockWidget(Qt::LeftDockWidgetArea, sweepDock);

    log_ = new QPlainTextEdit(this);
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("logDock"));
    logDock->setWidget(log_);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    for (const QString& reason : unavailableBackends()) appendLog(tr("backend not available: %1").arg(reason));
    // First-start proportions; a saved state overrides them.
    resizeDocks({sweepDock}, {420}, Qt::Horizontal);
    resizeDocks({logDock}, {130}, Qt::Vertical);
}

void MainWindow::buildStatusBar() {
    progressBar_ = new QProgressBar(this);
    progressBar_->setObjectName(QStringLiteral("progressBar"));
    progressBar_->setMaximumWidth(220);
    progressLabel_ = new QLabel(this);
    progressLabel_->setObjectName(QStringLiteral("progressLabel"));
    resetProgress(tr("idle"));
    progressTimer_ = new QTimer(this);
    progressTimer_->setInterval(kProgressTickMs);
    connect(progressTimer_, &QTimer::timeout, this, &MainWindow::showProgress);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setToolTip(tr("Stop after the current sample; measured records are kept (Esc)"));
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelRun);
    statusBar()->addPermanentWidget(progressLabel_);
    statusBar()->addPermanentWidget(progressBar_);
    statusBar()->addPermanentWidget(cancelButton_);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openDialog);
    file->addAction(tr("Open &Baseline…"), this, &MainWindow::openBaselineDialog);
    file->addAction(tr("&Clear Baseline"), this, [this] {
        document_->clearBaseline();
        appendLog(tr("baseline cleared"));
    });
    recentMenu_ = file->addMenu(tr("&Recent Files"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Save Results…"), QKeySequence::Save, this,
                    [this] { saveResultsDialog(tr("JSON results (*.json);;CSV (*.csv)")); });
    file->addAction(tr("Export &CSV…"), this, [this] { saveResultsDialog(tr("CSV (*.csv)")); });
    file->addAction(tr("Export &JSON…"), this, [this] { saveResultsDialog(tr("JSON results (*.json)")); });
    file->addAction(tr("Export C&hart…"), this, &MainWindow::exportChartDialog);
    file->addAction(tr("Export Re&port…"), this, &MainWindow::exportReportDialog);
    file->addSeparator();
    file->addAction(tr("&Load Sweep Spec…"), this, &MainWindow::loadSpecDialog);
    file->addAction(tr("Sa&ve Sweep Spec…"), this, &MainWindow::saveSpecDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* copy = edit->addAction(tr("&Copy"), QKeySequence::Copy, this, &MainWindow::copySelection);
    table_->addAction(copy);  // also in the table's context menu

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    // Run and Cancel act on the page shown.
    runAction_ = run->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::runCurrentPage);
    cancelAction_ = run->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelCurrentPage);
    run->addSeparator();
    run->addAction(tr("Re-run &This Spec"), this, [this] {
        QString error;
        if (!rerunSpec(&error)) QMessageBox::warning(this, tr("Re-run This Spec"), error);
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Q4Bench"), this, [this] {
        QMessageBox::about(this, tr("About Q4Bench"),
                           tr("<b>Q4Bench %1</b><p>A workbench for int4-weight × fp16-activation GPTQ GEMM kernels.</p>")
                               .arg(QStringLiteral(Q4BENCH_VERSION)));
    });
}

void MainWindow::connectController() {
    connect(controller_, &BenchmarkController::runStarted, this, [this](const q4::RunInfo& info) {
        document_->beginRun(info);
        setTitle(tr("running on %1").arg(QString::fromStdString(info.device.name)));
        appendLog(tr("run %1 started on %2 (%3)")
                      .arg(QString::fromStdString(info.runId), QString::fromStdString(info.device.name),
                           QString::fromStdString(info.backend)));
    });
    connect(controller_, &BenchmarkController::recordReady, document_, &RunDocument::appendRecord);
    connect(controller_, &BenchmarkController::progress, this, [this](int done, int total) { onProgress(done, total); });
    connect(controller_, &BenchmarkController::logMessage, this, &MainWindow::appendLog);
    connect(controller_, &BenchmarkController::runFinished, this, [this](const q4::RunInfo& info, bool cancelled) {
        document_->finishRun(info);
        // A cancelled run is reported by the engine's own log line ("run cancelled: … kept").
        if (!cancelled) appendLog(tr("run finished: %1 records").arg(document_->records().size()));
        setTitle(QString::fromStdString(info.device.name));
        table_->resizeColumnsToContents();
        onRunEnded(cancelled);
    });
    connect(controller_, &BenchmarkController::runFailed, this, [this](const QString& message) {
        reportError(tr("run failed: %1").arg(message), false);
        onRunEnded(false);
        resetProgress(tr("idle"));
    });

    connect(modelView_, &ModelView::logMessage, this, &MainWindow::appendLog);
    connect(modelView_->panel(), &ModelPanel::validityChanged, this, &MainWindow::updateRunControls);
    connect(modelView_, &ModelView::runningChanged, this, [this](bool running) {
        // One run at a time: a sweep beside a model run would time both wrongly.
        panel_->setEnabled(!running && !running_);
        updateRunControls();
    });
    connect(pages_, &QTabWidget::currentChanged, this, &MainWindow::onPageChanged);
}

void MainWindow::showModelPage(bool model) { pages_->setCurrentWidget(model ? static_cast<QWidget*>(modelView_) : pages_->widget(0)); }

void MainWindow::onPageChanged() {
    const bool model = pages_->currentWidget() == modelView_;
    if (model != modelPageShown_) {
        // The sweep dock belongs to the Sweep page: it goes with it and comes back as it was.
        if (model) sweepDockWanted_ = !sweepDock_->isHidden();
        sweepDock_->setVisible(!model && sweepDockWanted_);
        modelPageShown_ = model;
    }
    sweepDock_->toggleViewAction()->setEnabled(!model);
    // The status bar's progress and Cancel are the sweep's; the Model page has its own.
    for (QWidget* widget : std::initializer_list<QWidget*>{progressLabel_, progressBar_, cancelButton_})
        widget->setVisible(!model);
    updateRunControls();
}

void MainWindow::runCurrentPage() {
    if (!modelPageShown_) {
        startRun();
        return;
    }
    QString error;
    if (!modelView_->startRun(&error)) reportError(tr("cannot run the model: %1").arg(error), false);
}

void MainWindow::cancelCurrentPage() {
    if (modelPageShown_) modelView_->cancelRun();
    else cancelRun();
}

void MainWindow::restoreSettings() {
    AppSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1280, 800);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (settings.value(QStringLiteral("window/page")).toString() == QLatin1String("model")) {
        sweepDockWanted_ = settings.value(QStringLiteral("window/sweepDock"), true).toBool();
        modelPageShown_ = true;
        sweepDock_->hide();
        pages_->setCurrentWidget(modelView_);
        onPageChanged();
    }
    modelView_->restoreSettings();
    const QString spec = settings.value(QStringLiteral("lastSpec")).toString();
    if (!spec.isEmpty()) {
        auto parsed = q4::sweepSpecFromJson(spec.toStdString());
        if (parsed) panel_->setSpec(parsed.value(), typedRangesIn(spec.toStdString()));
        else appendLog(tr("the last sweep spec could not be restored: %1").arg(QString::fromStdString(parsed.error())));
    }
}

void MainWindow::saveSettings() const {
    AppSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/page"), modelPageShown_ ? QStringLiteral("model") : QStringLiteral("sweep"));
    settings.setValue(QStringLiteral("window/sweepDock"), modelPageShown_ ? sweepDockWanted_ : !sweepDock_->isHidden());
    modelView_->saveSettings();
    settings.setValue(QStringLiteral("lastSpec"), compactSpecJson(panel_->specJson()));
}

QString MainWindow::logText() const { return log_->toPlainText(); }

void MainWindow::appendLog(const QString& line) {
    log_->appendPlainText(QTime::currentTime().toString(QStringLiteral("[HH:mm:ss] ")) + line);
}

void MainWindow::reportError(const QString& message, bool showDialog) {
    appendLog(tr("error: %1").arg(message));
    statusBar()->showMessage(message, 10000);
    if (showDialog) QMessageBox::warning(this, tr("Q4Bench"), message);
}

void MainWindow::updateRunControls() {
    const bool modelRunning = modelView_->isRunning();
    const bool sweepCanRun = panel_->isValid() && !running_ && !modelRunning;
    const bool modelCanRun = modelView_->panel()->isValid() && !running_ && !modelRunning;
    runButton_->setEnabled(sweepCanRun);
    runButton_->setToolTip(modelRunning ? tr("A model run is in progress") : tr("Start the sweep (Ctrl+R)"));
    runAction_->setEnabled(modelPageShown_ ? modelCanRun : sweepCanRun);
    cancelButton_->setEnabled(running_);
    // The panels themselves show the record count, estimate and errors.
    cancelAction_->setEnabled(modelPageShown_ ? modelRunning : running_);
}

void MainWindow::setRunning(bool running) {
    running_ = running;
    panel_->setEnabled(!running);
    modelView_->setBusyReason(running ? tr("A sweep is running: one run at a time keeps timings clean") : QString());
    updateRunControls();
}

QString MainWindow::progressText() const { return progressLabel_->text(); }

void MainWindow::setTitle(const QString& subject) { setWindowTitle(subject); }

void MainWindow::onProgress(int done, int total) {
    if (!running_) return;
    if (done != done_) lastRecordSeconds_ = runClock_.nsecsElapsed() * 1e-9;
    done_ = done;
    total_ = total;
    showProgress();
}

void MainWindow::showProgress() {
    const double elapsed = runClock_.isValid() ? runClock_.nsecsElapsed() * 1e-9 : 0.0;
    progressBar_->setRange(0, std::max(total_, 1));
    progressBar_->setValue(done_);
    QString text = tr("%1/%2, elapsed %3").arg(done_).arg(total_).arg(duration(elapsed));
    if (cancelling_) {
        text += tr(", cancelling…");
    } else if (running_ && done_ < total_) {
        // Measured seconds per record once records land; the panel's estimate until then.
        const double eta = done_ > 0 ? lastRecordSeconds_ / done_ * (total_ - done_) - (elapsed - lastRecordSeconds_)
                                     : estimateSeconds_ - elapsed;
        text += tr(", ETA %1").arg(duration(std::max(eta, 0.0)));
    }
    progressLabel_->setText(text);
}

void MainWindow::resetProgress(const QString& text) {
    progressBar_->setRange(0, 1);
    progressBar_->reset();  // no value: nothing is in progress
    progressLabel_->setText(text);
}

void MainWindow::onRunEnded(bool cancelled) {
    // A run that ended, even cancelled, closed its journal: nothing to recover.
    clearActiveJournal();
    journalLock_.reset();
    progressTimer_->stop();
    setRunning(false);
    cancelling_ = false;
    if (runClock_.isValid()) {
        const QString elapsed = duration(runClock_.nsecsElapsed() * 1e-9);
        progressLabel_->setText(cancelled ? tr("cancelled at %1/%2 after %3").arg(done_).arg(total_).arg(elapsed)
                                          : tr("%1/%2 in %3").arg(done_).arg(total_).arg(elapsed));
        runClock_.invalidate();
    }
    emit runEnded(cancelled);
}

void MainWindow::startRun() {
    if (running_) return;
    if (modelView_->isRunning()) {
        reportError(tr("cannot run: a model run is in progress"), false);
        return;
    }
    if (!panel_->isValid()) {
        reportError(tr("cannot run: %1").arg(panel_->validationMessage()), false);
        return;
    }
    q4::SweepSpec spec = panel_->spec();
    const BackendChoice choice = panel_->selectedBackend();
    spec.backend = choice.backend;

    // The journal is a crash guard, not a condition: a folder that cannot be written costs the
    // guard, not the run.
    QString journal = newJournalPath();
    QString lockError;
    journalLock_ = lockJournal(journal, &lockError);
    if (!journalLock_) {
        appendLog(tr("warning: no journal for this run (%1): a crash would lose its records").arg(lockError));
        journal.clear();
    }
    if (!journal.isEmpty()) setActiveJournal(journal);
    AppSettings().setValue(QStringLiteral("lastSpec"), compactSpecJson(panel_->specJson()));

    if (!controller_->start(spec, choice.device, journal)) {
        journalLock_.reset();
        return;
    }
    setRunning(true);
    // The panel's count until the runner reports its own total.
    done_ = 0;
    total_ = panel_->pointCount();
    estimateSeconds_ = panel_->estimatedSeconds();
    lastRecordSeconds_ = 0;
    cancelling_ = false;
    runClock_.start();
    progressTimer_->start();
    showProgress();
    const QString where = QStringLiteral("%1:%2").arg(QString::fromStdString(choice.backend)).arg(choice.device);
    appendLog(journal.isEmpty() ? tr("starting %n record(s) on %1, no journal", nullptr, total_).arg(where)
                                : tr("starting %n record(s) on %1, journal %2", nullptr, total_)
                                      .arg(where, QDir::toNativeSeparators(journal)));
}

void MainWindow::cancelRun() {
    if (!running_) return;
    controller_->cancel();
    cancelButton_->setEnabled(false);
    cancelAction_->setEnabled(false);
    cancelling_ = true;
    showProgress();
    appendLog(tr("cancelling after the current sample…"));
}

QString MainWindow::provenance() const { return provenanceLabel_->text(); }

bool MainWindow::rerunSpec(QString* error) {
    const std::string& json = document_->run().info.specJson;
    auto spec = json.empty() ? q4::Expected<q4::SweepSpec>(q4::Error{tr("the shown run has no sweep spec").toStdString()})
                             : q4::sweepSpecFromJson(json);
    if (!spec) {
        const QString message = QString::fromStdString(spec.error());
        reportError(message, false);
        if (error) *error = message;
        return false;
    }
    panel_->setSpec(spec.value(), typedRangesIn(json));
    appendLog(tr("sweep spec of run %1 loaded: Run measures it again").arg(QString::fromStdString(document_->run().info.runId)));
    return true;
}

bool MainWindow::recoverInterruptedRun(bool askUser) {
    QString error;
    const std::optional<InterruptedRun> interrupted = takeInterruptedRun(&error);
    if (!error.isEmpty()) appendLog(tr("the last journal could not be read: %1").arg(error));
    if (!interrupted) return false;
    const QString& candidate = interrupted->path;
    const q4::RecoveredJournal& journal = interrupted->journal;
    const int count = int(journal.result.records.size());
    if (count == 0) {
        appendLog(tr("the last run (%1) was interrupted before its first record").arg(candidate));
        return false;
    }
    if (askUser) {
        const auto answer = QMessageBox::question(
            this, tr("Recover interrupted run"),
            tr("The last run (started %1) did not finish. Load its %n measured record(s)?", nullptr, count)
                .arg(QString::fromStdString(journal.result.info.startedUtc)));
        if (answer != QMessageBox::Yes) {
            appendLog(tr("interrupted run not recovered; its journal stays at %1").arg(candidate));
            return false;
        }
    }
    document_->setRun(journal.result, candidate);
    setTitle(tr("recovered run"));
    appendLog(tr("recovered %n record(s) of an interrupted run from %1", nullptr, count).arg(candidate) +
              (journal.discardedLines ? tr(" (%1 truncated line(s) skipped)").arg(journal.discardedLines) : QString()));
    return true;
}

bool MainWindow::openFile(const QString& path, QString* error) {
    auto fail = [&](const QString& message) {
        reportError(message, false);
        if (error) *error = message;
        return false;
    };
    if (isModelResultFile(path)) {
        QString message;
        if (!modelView_->openFile(path, &message)) return fail(message);
        addRecentFile(path);
        showModelPage(true);
        return true;
    }
    if (running_) return fail(tr("a run is in progress: cancel it before opening %1").arg(path));
    auto run = loadRunFile(path);
    if (!run) return fail(QString::fromStdString(run.error()));
    document_->setRun(run.value(), path);
    addRecentFile(path);
    setTitle(QFileInfo(path).fileName());
    appendLog(tr("opened %1: %n record(s)", nullptr, int(run->records.size())).arg(path));
    if (run->info.finishedUtc.empty() && path.endsWith(QLatin1String(".jsonl"), Qt::CaseInsensitive))
        appendLog(tr("%1 is the journal of a run that did not finish").arg(QFileInfo(path).fileName()));
    return true;
}

bool MainWindow::openBaseline(const QString& path, QString* error) {
    auto run = loadRunFile(path);
    if (!run) {
        const QString message = QString::fromStdString(run.error());
        reportError(message, false);
        if (error) *error = message;
        return false;
    }
    document_->setBaseline(run.value());
    addRecentFile(path);
    appendLog(tr("baseline %1: %n record(s)", nullptr, int(run->records.size())).arg(path));
    return true;
}

bool MainWindow::saveResults(const QString& path, QString* error) const {
    const q4::Status status = saveRunFile(path, document_->run());
    if (!status) {
        if (error) *error = QString::fromStdString(status.message);
        return false;
    }
    return true;
}

bool MainWindow::exportChart(const QString& chartName, const QString& path, QString* error) const {
    const QString message = charts_->exportChart(chartName, path);
    if (error) *error = message;
    return message.isEmpty();
}

bool MainWindow::exportReport(const QString& path, QString* error) const {
    const QString message = writeReport(*document_, *charts_, path);
    if (error) *error = message;
    return message.isEmpty();
}

bool MainWindow::loadSweepSpec(const QString& path, QString* error) {
    auto spec = q4::readSweepSpecFile(QFile::encodeName(path).toStdString());
    if (!spec) {
        const QString message = QString::fromStdString(spec.error());
        reportError(message, false);
        if (error) *error = message;
        return false;
    }
    QFile file(path);  // read again for the ranges as typed, which the engine's reader expands
    const std::string json = file.open(QIODevice::ReadOnly) ? file.readAll().toStdString() : std::string();
    panel_->setSpec(spec.value(), typedRangesIn(json));
    appendLog(tr("sweep spec loaded from %1").arg(path));
    return true;
}

bool MainWindow::saveSweepSpec(const QString& path, QString* error) const {
    QSaveFile file(path);
    const QByteArray json = QByteArray::fromStdString(panel_->specJson()) + '\n';
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        if (error) *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void MainWindow::copySelection() const {
    if (!table_->selectionModel()) return;
    const QString text = indexesToTsv(*proxy_, table_->selectionModel()->selectedIndexes());
    if (!text.isEmpty()) QApplication::clipboard()->setText(text);
}

void MainWindow::addRecentFile(const QString& path) {
    AppSettings settings;
    QStringList files = settings.value(QStringLiteral("recentFiles")).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles) files.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList files = AppSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (int i = 0; i < files.size(); ++i) {
        const QString& path = files[i];
        QAction* action = recentMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName()));
        action->setToolTip(path);
        connect(action, &QAction::triggered, this, [this, path] {
            QString error;
            if (!openFile(path, &error)) QMessageBox::warning(this, tr("Open"), error);
        });
    }
    if (files.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
    recentMenu_->addSeparator();
    recentMenu_->addAction(tr("Clear Recent Files"), this, [this] {
        AppSettings().remove(QStringLiteral("recentFiles"));
        rebuildRecentMenu();
    });
}

void MainWindow::openDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Results"), QString(),
                                                      tr("Results (*.json *.csv *.jsonl);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !openFile(path, &error)) QMessageBox::warning(this, tr("Open"), error);
}

void MainWindow::openBaselineDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Baseline"), QString(),
                                                      tr("Results (*.json *.csv *.jsonl);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !openBaseline(path, &error)) QMessageBox::warning(this, tr("Open Baseline"), error);
}

void MainWindow::saveResultsDialog(const QString& filter) {
    QString selected;
    const QString path = withSuffix(QFileDialog::getSaveFileName(this, tr("Save Results"), QString(), filter, &selected),
                                    selected.isEmpty() ? filter : selected);
    if (path.isEmpty()) return;
    QString error;
    if (saveResults(path, &error)) {
        appendLog(tr("saved %1").arg(path));
        addRecentFile(path);
    } else {
        reportError(error, true);
    }
}

void MainWindow::exportChartDialog() {
    const QString name = charts_->chartNames().value(charts_->currentIndex());
    QString selected;
    const QString filter = tr("PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)");
    const QString path = withSuffix(
        QFileDialog::getSaveFileName(this, tr("Export Chart"), name + QStringLiteral(".png"), filter, &selected),
        selected.isEmpty() ? filter : selected);
    if (path.isEmpty()) return;
    QString error;
    if (exportChart(name, path, &error)) appendLog(tr("chart %1 exported to %2").arg(name, path));
    else reportError(error, true);
}

void MainWindow::exportReportDialog() {
    QString selected;
    const QString filter = tr("HTML report (*.html);;PDF report (*.pdf)");
    const QString path = withSuffix(
        QFileDialog::getSaveFileName(this, tr("Export Report"), QStringLiteral("report.html"), filter, &selected),
        selected.isEmpty() ? filter : selected);
    if (path.isEmpty()) return;
    QString error;
    if (exportReport(path, &error)) appendLog(tr("report written to %1").arg(path));
    else reportError(error, true);
}

void MainWindow::loadSpecDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Sweep Spec"), QString(),
                                                      tr("Sweep spec (*.json);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !loadSweepSpec(path, &error)) QMessageBox::warning(this, tr("Load Sweep Spec"), error);
}

void MainWindow::saveSpecDialog() {
    QString selected;
    const QString filter = tr("Sweep spec (*.json)");
    const QString path = withSuffix(
        QFileDialog::getSaveFileName(this, tr("Save Sweep Spec"), QStringLiteral("sweep.json"), filter, &selected),
        filter);
    if (path.isEmpty()) return;
    QString error;
    if (saveSweepSpec(path, &error)) appendLog(tr("sweep spec saved to %1 (q4bench-cli --sweep reads it)").arg(path));
    else reportError(error, true);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (running_) appendLog(tr("closing: cancelling the run"));
    // Cancels between samples and waits; the run's last records and runFinished land first.
    controller_->shutdown();
    if (modelView_->isRunning()) appendLog(tr("closing: cancelling the model run"));
    modelView_->shutdown();
    saveSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile() && isResultFile(url.toLocalFile())) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    // As on the command line: the first file is the run, a second one its baseline.
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && isResultFile(url.toLocalFile())) paths << url.toLocalFile();
    if (paths.isEmpty()) return;
    event->acceptProposedAction();
    QString error;
    if (!openFile(paths[0], &error)) QMessageBox::warning(this, tr("Open"), error);
    else if (paths.size() > 1 && !openBaseline(paths[1], &error)) QMessageBox::warning(this, tr("Open Baseline"), error);
}

}  // namespace q4ui
