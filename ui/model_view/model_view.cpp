#include "model_view/model_view.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "app_settings.h"
#include "model_view/model_charts.h"
#include "model_view/model_document.h"
#include "model_view/model_files.h"
#include "model_view/model_panel.h"
#include "model_view/model_provenance.h"
#include "model_view/model_table_model.h"
#include "model_view/model_worker.h"
#include "panel/backend_choices.h"

namespace q4ui {

namespace {

constexpr int kProgressTickMs = 250;
const QString kLastSpecKey = QStringLiteral("lastModelSpec");

// Adds the suffix of the chosen filter ("PNG image (*.png)") when the name has none.
QString withSuffix(const QString& path, const QString& filter) {
    if (path.isEmpty() || !QFileInfo(path).suffix().isEmpty()) return path;
    const int star = filter.indexOf(QLatin1String("*."));
    if (star < 0) return path;
    const int end = filter.indexOf(QRegularExpression(QStringLiteral("[ );]")), star);
    return path + filter.mid(star + 1, end < 0 ? -1 : end - star - 1);
}

QString elapsedText(double seconds) {
    if (seconds < 60) return QStringLiteral("%1 s").arg(seconds, 0, 'f', seconds < 10 ? 1 : 0);
    return QStringLiteral("%1 min").arg(seconds / 60, 0, 'f', 1);
}

QPushButton* makeButton(const QString& text, const QString& name, const QString& tip) {
    auto* button = new QPushButton(text);
    button->setObjectName(name);
    button->setToolTip(tip);
    return button;
}

}  // namespace

ModelView::ModelView(QWidget* parent)
    : QWidget(parent),
      document_(new ModelDocument(this)),
      model_(new ModelTableModel(document_, this)),
      proxy_(new QSortFilterProxyModel(this)),
      controller_(new ModelController(this)) {
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(ModelTableModel::SortRole);

    panel_ = new ModelPanel;
    panel_->setBackends(availableBackends());
    connect(panel_, &ModelPanel::runRequested, this, [this] {
        QString error;
        if (!startRun(&error)) emit logMessage(tr("cannot run the model: %1").arg(error));
    });
    connect(panel_, &ModelPanel::cancelRequested, this, &ModelView::cancelRun);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("modelSplitter"));
    splitter->addWidget(panel_);
    splitter->addWidget(buildResults());
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({420, 860});
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    progressTimer_ = new QTimer(this);
    progressTimer_->setInterval(kProgressTickMs);
    connect(progressTimer_, &QTimer::timeout, this, &ModelView::showProgress);
    connectController();
    setRunning(false);
}

ModelView::~ModelView() { controller_->shutdown(); }

QWidget* ModelView::buildResults() {
    auto* open = makeButton(tr("Open…"), QStringLiteral("modelOpenButton"), tr("Open a model result file (JSON)"));
    auto* saveJson = makeButton(tr("Save JSON…"), QStringLiteral("modelSaveJsonButton"),
                                tr("The run with its information and every record, as q4bench-cli model --json writes it"));
    auto* saveCsv = makeButton(tr("Export CSV…"), QStringLiteral("modelSaveCsvButton"), tr("One row per record"));
    auto* exportChart = makeButton(tr("Export Chart…"), QStringLiteral("modelExportChartButton"),
                                   tr("The chart shown, as PNG, PDF or SVG, with the run's provenance"));
    auto* rerun = makeButton(tr("Use This Spec"), QStringLiteral("modelRerunButton"),
                             tr("Load the shown run's model spec into the panel, to measure it again"));
    connect(open, &QPushButton::clicked, this, &ModelView::openDialog);
    connect(saveJson, &QPushButton::clicked, this, [this] { saveResultsDialog(tr("JSON results (*.json)")); });
    connect(saveCsv, &QPushButton::clicked, this, [this] { saveResultsDialog(tr("CSV (*.csv)")); });
    connect(exportChart, &QPushButton::clicked, this, &ModelView::exportChartDialog);
    connect(rerun, &QPushButton::clicked, this, [this] {
        QString error;
        if (!rerunSpec(&error)) QMessageBox::warning(this, tr("Use This Spec"), error);
    });
    auto hasRecords = [this, saveJson, saveCsv, rerun] {
        const bool any = !document_->records().empty();
        saveJson->setEnabled(any);
        saveCsv->setEnabled(any);
        rerun->setEnabled(!document_->run().info.specJson.empty() && !running_);
    };
    connect(document_, &ModelDocument::reset, this, hasRecords);
    connect(document_, &ModelDocument::recordAppended, this, hasRecords);
    connect(document_, &ModelDocument::runFinished, this, hasRecords);
    connect(this, &ModelView::runningChanged, this, hasRecords);
    hasRecords();

    progressLabel_ = new QLabel(tr("idle"));
    progressLabel_->setObjectName(QStringLiteral("modelProgressLabel"));
    progressBar_ = new QProgressBar;
    progressBar_->setObjectName(QStringLiteral("modelProgressBar"));
    progressBar_->setMaximumWidth(200);
    progressBar_->setRange(0, 1);
    progressBar_->reset();
    auto* toolbar = new QHBoxLayout;
    for (QPushButton* button : {open, saveJson, saveCsv, exportChart, rerun}) toolbar->addWidget(button);
    toolbar->addStretch();
    toolbar->addWidget(progressLabel_);
    toolbar->addWidget(progressBar_);

    provenanceLabel_ = new QLabel;
    provenanceLabel_->setObjectName(QStringLiteral("modelProvenanceLabel"));
    provenanceLabel_->setWordWrap(true);
    provenanceLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto showProvenance = [this] {
        provenanceLabel_->setText(modelProvenanceText(document_->run().info));
        provenanceLabel_->setVisible(!provenanceLabel_->text().isEmpty());
    };
    showProvenance();
    connect(document_, &ModelDocument::reset, this, showProvenance);
    connect(document_, &ModelDocument::runFinished, this, showProvenance);

    charts_ = new ModelChartsView(document_);
    charts_->setObjectName(QStringLiteral("modelCharts"));

    table_ = new QTableView;
    table_->setObjectName(QStringLiteral("modelTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);  // run order until a header is clicked
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setAlternatingRowColors(true);
    table_->horizontalHeader()->setMaximumSectionSize(420);  // long messages stay whole in the tooltip
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    // The header's menu shows or hides any field of the table.
    QHeaderView* header = table_->horizontalHeader();
    header->setContextMenuPolicy(Qt::ActionsContextMenu);
    for (int column = 0; column < model_->columnCount(); ++column) {
        auto* action = new QAction(model_->headerData(column, Qt::Horizontal).toString(), header);
        action->setCheckable(true);
        action->setToolTip(model_->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString());
        connect(action, &QAction::toggled, table_, [this, column](bool shown) { table_->setColumnHidden(column, !shown); });
        header->addAction(action);
    }
    showColumnsByDefault();
    connect(document_, &ModelDocument::reset, table_, [this] {
        if (!document_->records().empty()) table_->resizeColumnsToContents();
    });

    auto* centre = new QSplitter(Qt::Vertical);
    centre->setObjectName(QStringLiteral("modelCentreSplitter"));
    centre->addWidget(charts_);
    centre->addWidget(table_);
    centre->setStretchFactor(0, 3);
    centre->setStretchFactor(1, 2);
    centre->setSizes({460, 300});

    auto* pane = new QWidget;
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(toolbar);
    layout->addWidget(provenanceLabel_);
    layout->addWidget(centre, 1);
    return pane;
}

void ModelView::showColumnsByDefault() {
    const QStringList shown = ModelTableModel::defaultColumnKeys();
    QHeaderView* header = table_->horizontalHeader();
    // The default columns first, in their order; the others keep the field table's order after them.
    for (int i = 0; i < shown.size(); ++i)
        header->moveSection(header->visualIndex(ModelTableModel::columnOf(shown[i].toStdString())), i);
    const QList<QAction*> actions = header->actions();
    for (int column = 0; column < model_->columnCount(); ++column) {
        const QString key = model_->headerData(column, Qt::Horizontal, ModelTableModel::FieldKeyRole).toString();
        const bool visible = shown.contains(key);
        table_->setColumnHidden(column, !visible);
        if (column < actions.size()) {
            const QSignalBlocker quiet(actions[column]);
            actions[column]->setChecked(visible);
        }
    }
}

void ModelView::connectController() {
    connect(controller_, &ModelController::runStarted, this, [this](const q4::RunInfo& info) {
        document_->beginRun(info);
        emit logMessage(tr("model run %1 started on %2 (%3)")
                            .arg(QString::fromStdString(info.runId), QString::fromStdString(info.device.name),
                                 QString::fromStdString(info.backend)));
    });
    connect(controller_, &ModelController::recordReady, document_, &ModelDocument::appendRecord);
    connect(controller_, &ModelController::progress, this, [this](int done, int total) {
        done_ = done;
        total_ = total;
        showProgress();
    });
    connect(controller_, &ModelController::logMessage, this, &ModelView::logMessage);
    connect(controller_, &ModelController::runFinished, this, [this](const q4::RunInfo& info, bool cancelled) {
        document_->finishRun(info);
        if (!cancelled) emit logMessage(tr("model run finished: %n record(s)", nullptr, int(document_->records().size())));
        table_->resizeColumnsToContents();
        onRunEnded(cancelled, QString());
    });
    connect(controller_, &ModelController::runFailed, this, [this](const QString& message) {
        emit logMessage(tr("error: model run failed: %1").arg(message));
        onRunEnded(false, message);
    });
}

QString ModelView::progressText() const { return progressLabel_->text(); }

QString ModelView::provenance() const { return provenanceLabel_->text(); }

bool ModelView::fail(const QString& message, QString* error) {
    if (error) *error = message;
    return false;
}

bool ModelView::startRun(QString* error) {
    if (running_) return fail(tr("a model run is in progress"), error);
    if (!panel_->isValid()) return fail(panel_->validationMessage(), error);
    q4::ModelSpec spec = panel_->spec();
    const BackendChoice choice = panel_->selectedBackend();
    spec.backend = choice.backend;
    if (!controller_->start(spec, QString::fromStdString(choice.backend), choice.device))
        return fail(tr("a model run is in progress"), error);
    AppSettings().setValue(kLastSpecKey, QString::fromStdString(q4::modelSpecToJson(spec)));
    done_ = 0;
    total_ = panel_->recordCount();
    cancelling_ = false;
    runClock_.start();
    progressTimer_->start();
    setRunning(true);
    showProgress();
    emit logMessage(tr("starting the model run: %n record(s) on %1:%2", nullptr, total_)
                        .arg(QString::fromStdString(choice.backend))
                        .arg(choice.device));
    return true;
}

void ModelView::cancelRun() {
    if (!running_) return;
    controller_->cancel();
    cancelling_ = true;
    panel_->cancelButton()->setEnabled(false);
    showProgress();
    emit logMessage(tr("cancelling the model run after the current generation…"));
}

void ModelView::shutdown() { controller_->shutdown(); }

void ModelView::setBusyReason(const QString& reason) { panel_->setBusyReason(reason); }

void ModelView::setRunning(bool running) {
    const bool changed = running != running_;
    running_ = running;
    panel_->setRunning(running);
    if (changed) emit runningChanged(running);
}

void ModelView::showProgress() {
    const double elapsed = runClock_.isValid() ? runClock_.nsecsElapsed() * 1e-9 : 0.0;
    progressBar_->setRange(0, std::max(total_, 1));
    progressBar_->setValue(done_);
    QString text = tr("%1/%2, elapsed %3").arg(done_).arg(total_).arg(elapsedText(elapsed));
    if (cancelling_) text += tr(", cancelling…");
    progressLabel_->setText(text);
}

void ModelView::onRunEnded(bool cancelled, const QString& failure) {
    progressTimer_->stop();
    const double elapsed = runClock_.isValid() ? runClock_.nsecsElapsed() * 1e-9 : 0.0;
    runClock_.invalidate();
    cancelling_ = false;
    if (!failure.isEmpty()) progressLabel_->setText(tr("failed: %1").arg(failure));
    else if (cancelled) progressLabel_->setText(tr("cancelled at %1/%2 after %3").arg(done_).arg(total_).arg(elapsedText(elapsed)));
    else progressLabel_->setText(tr("%1/%2 in %3").arg(done_).arg(total_).arg(elapsedText(elapsed)));
    progressLabel_->setToolTip(failure);
    setRunning(false);
    emit runEnded(cancelled);
}

bool ModelView::openFile(const QString& path, QString* error) {
    if (running_) return fail(tr("a model run is in progress: cancel it before opening %1").arg(path), error);
    auto run = loadModelFile(path);
    if (!run) return fail(QString::fromStdString(run.error()), error);
    document_->setRun(run.value(), path);
    progressLabel_->setText(QFileInfo(path).fileName());
    emit logMessage(tr("opened model results %1: %n record(s)", nullptr, int(run->records.size())).arg(path));
    return true;
}

bool ModelView::saveResults(const QString& path, QString* error) const {
    const q4::Status status = saveModelFile(path, document_->run());
    if (status) return true;
    if (error) *error = QString::fromStdString(status.message);
    return false;
}

bool ModelView::exportChart(const QString& chartName, const QString& path, QString* error) const {
    const QString message = charts_->exportChart(chartName, path);
    if (error) *error = message;
    return message.isEmpty();
}

bool ModelView::rerunSpec(QString* error) {
    const std::string& json = document_->run().info.specJson;
    if (json.empty()) return fail(tr("the shown run has no model spec"), error);
    auto spec = q4::modelSpecFromJson(json);
    if (!spec) return fail(QString::fromStdString(spec.error()), error);
    panel_->setSpec(spec.value());
    emit logMessage(tr("model spec of run %1 loaded: Run measures it again")
                        .arg(QString::fromStdString(document_->run().info.runId)));
    return true;
}

void ModelView::restoreSettings() {
    const QString json = AppSettings().value(kLastSpecKey).toString();
    if (json.isEmpty()) return;
    auto spec = q4::modelSpecFromJson(json.toStdString());
    if (spec) panel_->setSpec(spec.value());
    else emit logMessage(tr("the last model spec could not be restored: %1").arg(QString::fromStdString(spec.error())));
}

void ModelView::saveSettings() const {
    if (panel_->isValid()) AppSettings().setValue(kLastSpecKey, QString::fromStdString(q4::modelSpecToJson(panel_->spec())));
}

void ModelView::openDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model Results"), QString(),
                                                      tr("Model results (*.json);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !openFile(path, &error)) QMessageBox::warning(this, tr("Open Model Results"), error);
}

void ModelView::saveResultsDialog(const QString& filter) {
    QString selected;
    const QString path =
        withSuffix(QFileDialog::getSaveFileName(this, tr("Save Model Results"), QString(), filter, &selected),
                   selected.isEmpty() ? filter : selected);
    if (path.isEmpty()) return;
    QString error;
    if (saveResults(path, &error)) {
        emit logMessage(tr("saved %1").arg(path));
    } else {
        emit logMessage(tr("error: %1").arg(error));
        QMessageBox::warning(this, tr("Save Model Results"), error);
    }
}

void ModelView::exportChartDialog() {
    const QString name = charts_->currentChartName();
    QString selected;
    const QString filter = tr("PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)");
    const QString path = withSuffix(QFileDialog::getSaveFileName(this, tr("Export Chart"), QStringLiteral("model-%1.png").arg(name),
                                                                 filter, &selected),
                                    selected.isEmpty() ? filter : selected);
    if (path.isEmpty()) return;
    QString error;
    if (exportChart(name, path, &error)) {
        emit logMessage(tr("chart %1 exported to %2").arg(name, path));
    } else {
        emit logMessage(tr("error: %1").arg(error));
        QMessageBox::warning(this, tr("Export Chart"), error);
    }
}

}  // namespace q4ui
