#include "model_view/model_panel.h"

#include <QApplication>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "backend/backend_registry.h"
#include "checkpoint/checkpoint_summary.h"
#include "panel/checkpoint_dialog.h"
#include "panel/enum_combo.h"
#include "panel/field_validation.h"
#include "panel/kernel_list.h"
#include "panel/wheel_guard.h"
#include "sweep/presets.h"

namespace q4ui {

namespace {

const q4::SpecFieldInfo* findModelField(std::string_view key) {
    for (const q4::SpecFieldInfo& info : q4::modelSpecFields())
        if (key == info.key) return &info;
    return nullptr;
}

// The random weights' settings: a checkpoint brings its own, so they read as their defaults there.
bool isRandomWeightKey(std::string_view key) {
    return key == "group_size" || key == "act_order" || key == "sparsity" || key == "seed";
}

QLineEdit* makeLineEdit(const QString& name) {
    auto* edit = new QLineEdit;
    edit->setObjectName(name);
    return edit;
}

QSpinBox* makeSpin(const QString& name, int min, int max) {
    auto* spin = new QSpinBox;
    spin->setObjectName(name);
    spin->setRange(min, max);
    return spin;
}

QString architectureText(const std::string& preset) {
    const auto arch = q4::presetArchitecture(preset);
    if (!arch) return {};
    QString text = QObject::tr("%1 layers, hidden %2, %3 heads").arg(arch->layers).arg(arch->hiddenSize).arg(arch->heads);
    if (arch->kvHeads > 0 && arch->kvHeads != arch->heads) text += QObject::tr(" (%1 KV)").arg(arch->kvHeads);
    text += QObject::tr(", MLP %1, vocab %2").arg(arch->intermediateSize).arg(arch->vocabSize);
    return text;
}

QString plural(std::int64_t count, const QString& noun) {
    return QStringLiteral("%1 %2%3").arg(count).arg(noun, count == 1 ? QString() : QStringLiteral("s"));
}

}  // namespace

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
    content_ = new QWidget;
    auto* sections = new QVBoxLayout(content_);
    sections->addWidget(buildModel());
    sections->addWidget(buildGeneration());
    sections->addWidget(buildWeights());
    sections->addWidget(buildBackend());
    sections->addWidget(buildTiming());
    sections->addStretch();
    guardWheelInChildren(content_);

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content_);

    errorLabel_ = new QLabel;
    errorLabel_->setObjectName(QStringLiteral("modelErrorLabel"));
    errorLabel_->setWordWrap(true);
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLabel_->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    errorLabel_->hide();
    summaryLabel_ = new QLabel;
    summaryLabel_->setObjectName(QStringLiteral("modelSummaryLabel"));
    summaryLabel_->setWordWrap(true);
    runButton_ = new QPushButton(tr("Run"));
    runButton_->setObjectName(QStringLiteral("modelRunButton"));
    runButton_->setToolTip(tr("Load the model with each kernel and generate at each batch size"));
    cancelButton_ = new QPushButton(tr("Cancel"));
    cancelButton_->setObjectName(QStringLiteral("modelCancelButton"));
    cancelButton_->setToolTip(tr("Stop after the current generation; measured records are kept"));
    connect(runButton_, &QPushButton::clicked, this, &ModelPanel::runRequested);
    connect(cancelButton_, &QPushButton::clicked, this, &ModelPanel::cancelRequested);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(runButton_, 1);
    buttons->addWidget(cancelButton_);
    auto* status = new QVBoxLayout;
    status->setContentsMargins(6, 4, 6, 4);
    status->addWidget(errorLabel_);
    status->addWidget(summaryLabel_);
    status->addLayout(buttons);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll, 1);
    layout->addLayout(status);

    setBackends({});
}

void ModelPanel::addField(QFormLayout* form, const char* key, QWidget* widget, QWidget* rowContent) {
    const q4::SpecFieldInfo* info = findModelField(key);
    const QString label = info ? QString::fromUtf8(info->label) : QString::fromUtf8(key);
    if (rowContent) form->addRow(label, rowContent);
    else form->addRow(label, widget);
    if (info) setHelpToolTip(widget, QString::fromUtf8(info->help));
    auto* error = new QLabel;
    error->setObjectName(QStringLiteral("error_%1").arg(QString::fromUtf8(key)));
    error->setWordWrap(true);
    error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    error->hide();
    form->addRow(QString(), error);
    fields_.push_back({key, widget, error});
}

QWidget* ModelPanel::buildModel() {
    auto* box = new QGroupBox(tr("Model"));
    auto* form = new QFormLayout(box);
    presetRadio_ = new QRadioButton(tr("Preset"));
    presetRadio_->setObjectName(QStringLiteral("modelPresetRadio"));
    checkpointRadio_ = new QRadioButton(tr("Checkpoint"));
    checkpointRadio_->setObjectName(QStringLiteral("modelCheckpointRadio"));
    auto* mode = new QButtonGroup(box);
    auto* modeRow = new QHBoxLayout;
    for (QRadioButton* radio : {presetRadio_, checkpointRadio_}) {
        mode->addButton(radio);
        modeRow->addWidget(radio);
    }
    modeRow->addStretch();
    form->addRow(modeRow);

    presetCombo_ = new QComboBox;
    presetCombo_->setObjectName(QStringLiteral("modelPresetCombo"));
    for (const std::string& name : q4::modelPresetNames()) {
        const QString text = QString::fromStdString(name);
        presetCombo_->addItem(text, text);
        presetCombo_->setItemData(presetCombo_->count() - 1, architectureText(name), Qt::ToolTipRole);
    }
    addField(form, "preset", presetCombo_);
    presetInfo_ = new QLabel;
    presetInfo_->setObjectName(QStringLiteral("modelPresetInfo"));
    presetInfo_->setWordWrap(true);
    form->addRow(QString(), presetInfo_);

    checkpointEdit_ = makeLineEdit(QStringLiteral("modelCheckpointEdit"));
    checkpointEdit_->setPlaceholderText(tr("a GPTQ checkpoint directory"));
    browseButton_ = new QPushButton(tr("Browse…"));
    browseButton_->setObjectName(QStringLiteral("modelBrowseButton"));
    inspectButton_ = new QPushButton(tr("Inspect…"));
    inspectButton_->setObjectName(QStringLiteral("modelInspectButton"));
    inspectButton_->setToolTip(tr("Every layer's shape, quantization and weight norm, and the architecture"));
    auto* checkpointRow = new QWidget;
    auto* row = new QHBoxLayout(checkpointRow);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(checkpointEdit_, 1);
    row->addWidget(browseButton_);
    row->addWidget(inspectButton_);
    addField(form, "checkpoint", checkpointEdit_, checkpointRow);

    connect(presetRadio_, &QRadioButton::toggled, this, [this] {
        updateModeState();
        revalidate();
    });
    connect(presetCombo_, &QComboBox::currentIndexChanged, this, [this] {
        updatePresetInfo();
        revalidate();
    });
    connect(checkpointEdit_, &QLineEdit::textChanged, this, &ModelPanel::revalidate);
    connect(browseButton_, &QPushButton::clicked, this, &ModelPanel::browseCheckpoint);
    connect(inspectButton_, &QPushButton::clicked, this, &ModelPanel::inspectCheckpoint);
    return box;
}

QWidget* ModelPanel::buildGeneration() {
    auto* box = new QGroupBox(tr("Generation"));
    auto* form = new QFormLayout(box);
    QLineEdit* batch = makeLineEdit(QStringLiteral("modelBatchEdit"));
    batch->setPlaceholderText(QStringLiteral("1,2,4,8,16"));
    QLineEdit* prompt = makeLineEdit(QStringLiteral("modelPromptEdit"));
    QLineEdit* newTokens = makeLineEdit(QStringLiteral("modelNewTokensEdit"));
    addField(form, "batch", batch);
    addField(form, "prompt", prompt);
    addField(form, "new_tokens", newTokens);
    for (QLineEdit* edit : {batch, prompt, newTokens}) connect(edit, &QLineEdit::textChanged, this, &ModelPanel::revalidate);
    return box;
}

QWidget* ModelPanel::buildWeights() {
    auto* box = new QGroupBox(tr("Random weights"));
    weightsBox_ = box;
    auto* form = new QFormLayout(box);
    QLineEdit* group = makeLineEdit(QStringLiteral("modelGroupSizeEdit"));
    auto* actOrder = new QCheckBox(tr("act-order g_idx"));
    actOrder->setObjectName(QStringLiteral("modelActOrderCheck"));
    QComboBox* sparsity = makeEnumCombo<q4::Sparsity>(QStringLiteral("modelSparsityCombo"));
    QLineEdit* seed = makeLineEdit(QStringLiteral("modelSeedEdit"));
    addField(form, "group_size", group);
    addField(form, "act_order", actOrder);
    addField(form, "sparsity", sparsity);
    addField(form, "seed", seed);
    connect(sparsity, &QComboBox::currentIndexChanged, this, &ModelPanel::revalidate);
    connect(group, &QLineEdit::textChanged, this, &ModelPanel::revalidate);
    connect(seed, &QLineEdit::textChanged, this, &ModelPanel::revalidate);
    connect(actOrder, &QCheckBox::toggled, this, &ModelPanel::revalidate);
    return box;
}

QWidget* ModelPanel::buildBackend() {
    auto* box = new QGroupBox(tr("Backend && kernels"));
    auto* form = new QFormLayout(box);
    backendCombo_ = new QComboBox;
    backendCombo_->setObjectName(QStringLiteral("modelBackendCombo"));
    addField(form, "backend", backendCombo_);
    backendNote_ = new QLabel;
    backendNote_->setObjectName(QStringLiteral("modelBackendNote"));
    backendNote_->setWordWrap(true);
    form->addRow(QString(), backendNote_);

    kernelList_ = new QListWidget;
    kernelList_->setObjectName(QStringLiteral("modelKernelList"));
    kernelList_->setMaximumHeight(170);
    auto* all = new QPushButton(tr("All"));
    all->setObjectName(QStringLiteral("modelAllKernelsButton"));
    auto* none = new QPushButton(tr("None"));
    none->setObjectName(QStringLiteral("modelNoKernelsButton"));
    auto* kernelBox = new QWidget;
    auto* kernelLayout = new QVBoxLayout(kernelBox);
    kernelLayout->setContentsMargins(0, 0, 0, 0);
    kernelLayout->addWidget(kernelList_);
    auto* kernelButtons = new QHBoxLayout;
    kernelButtons->addWidget(all);
    kernelButtons->addWidget(none);
    kernelButtons->addStretch();
    kernelLayout->addLayout(kernelButtons);
    addField(form, "kernels", kernelList_, kernelBox);

    cudaGraphCheck_ = new QCheckBox(tr("replay decode steps"));
    cudaGraphCheck_->setObjectName(QStringLiteral("modelCudaGraphCheck"));
    addField(form, "cuda_graph", cudaGraphCheck_);
    auto* fuseCheck = new QCheckBox(tr("q|k|v and gate|up as one layer each"));
    fuseCheck->setObjectName(QStringLiteral("modelFuseCheck"));
    addField(form, "fuse_projections", fuseCheck);
    connect(fuseCheck, &QCheckBox::toggled, this, &ModelPanel::revalidate);

    connect(backendCombo_, &QComboBox::currentIndexChanged, this, [this] {
        reloadKernels();
        updateModeState();
        revalidate();
    });
    connect(kernelList_, &QListWidget::itemChanged, this, &ModelPanel::revalidate);
    connect(all, &QPushButton::clicked, this, [this] { setAllKernelsChecked(kernelList_, true); });
    connect(none, &QPushButton::clicked, this, [this] { setAllKernelsChecked(kernelList_, false); });
    connect(cudaGraphCheck_, &QCheckBox::toggled, this, &ModelPanel::revalidate);
    return box;
}

QWidget* ModelPanel::buildTiming() {
    auto* box = new QGroupBox(tr("Timing"));
    auto* form = new QFormLayout(box);
    QSpinBox* warmup = makeSpin(QStringLiteral("modelWarmupSpin"), 0, 1000);
    QSpinBox* minGenerations = makeSpin(QStringLiteral("modelMinGenerationsSpin"), 1, 100000);
    QLineEdit* minTime = makeLineEdit(QStringLiteral("modelMinTimeEdit"));
    QLineEdit* maxNoise = makeLineEdit(QStringLiteral("modelMaxNoiseEdit"));
    QLineEdit* timeout = makeLineEdit(QStringLiteral("modelTimeoutEdit"));
    addField(form, "timing.warmup", warmup);
    addField(form, "timing.min_generations", minGenerations);
    addField(form, "timing.min_time_s", minTime);
    addField(form, "timing.max_noise", maxNoise);
    addField(form, "timing.timeout_s", timeout);
    for (QSpinBox* spin : {warmup, minGenerations}) connect(spin, &QSpinBox::valueChanged, this, &ModelPanel::revalidate);
    for (QLineEdit* edit : {minTime, maxNoise, timeout}) connect(edit, &QLineEdit::textChanged, this, &ModelPanel::revalidate);
    return box;
}

void ModelPanel::setBackends(const std::vector<BackendChoice>& choices) {
    filling_ = true;
    backends_ = choices;
    {
        const QSignalBlocker blocker(backendCombo_);
        backendCombo_->clear();
        for (const BackendChoice& choice : choices) backendCombo_->addItem(choice.label);
        backendCombo_->setCurrentIndex(choices.empty() ? -1 : 0);
    }
    filling_ = false;
    // The engine's defaults, with a model the chosen backend can run.
    q4::ModelSpec defaults;
    const bool cpu = selectedBackend().backend == "cpu";
    const std::vector<std::string> presets = q4::modelPresetNames();
    const std::string wanted = cpu ? "tiny-llama" : "llama2-7b";
    if (std::find(presets.begin(), presets.end(), wanted) != presets.end()) defaults.preset = wanted;
    else if (!presets.empty()) defaults.preset = presets.front();
    defaults.backend = selectedBackend().backend;
    defaults.kernels.clear();  // the backend's default kernel
    setSpec(defaults);
}

BackendChoice ModelPanel::selectedBackend() const {
    const int index = backendCombo_->currentIndex();
    if (index >= 0 && index < int(backends_.size())) return backends_[std::size_t(index)];
    const std::string name = q4::BackendRegistry::instance().resolveAuto();
    return BackendChoice{QString::fromStdString(name), name, 0, deviceMemoryBytes(name, 0)};
}

void ModelPanel::reloadKernels() {
    std::vector<std::string> checked = checkedKernelIds(kernelList_);
    catalog_ = backendKernels(selectedBackend().backend);
    // Keep the checks the new backend offers; none left: its usual model kernel.
    std::erase_if(checked, [this](const std::string& id) {
        return std::none_of(catalog_.begin(), catalog_.end(), [&](const q4::KernelInfo& k) { return k.id == id; });
    });
    if (checked.empty()) {
        const auto best = std::find_if(catalog_.begin(), catalog_.end(), [](const q4::KernelInfo& k) { return k.id == "best_int4"; });
        const auto baseline = std::find_if(catalog_.begin(), catalog_.end(), [](const q4::KernelInfo& k) { return k.baseline; });
        if (best != catalog_.end()) checked.push_back(best->id);
        else if (baseline != catalog_.end()) checked.push_back(baseline->id);
        else if (!catalog_.empty()) checked.push_back(catalog_.front().id);
    }
    fillKernelList(kernelList_, catalog_, checked);
}

bool ModelPanel::checkpointMode() const { return checkpointRadio_->isChecked(); }

void ModelPanel::updateModeState() {
    const bool checkpoint = checkpointMode();
    presetCombo_->setEnabled(!checkpoint);
    presetInfo_->setEnabled(!checkpoint);
    for (QWidget* widget : std::initializer_list<QWidget*>{checkpointEdit_, browseButton_, inspectButton_})
        widget->setEnabled(checkpoint);
    weightsBox_->setEnabled(!checkpoint);
    setHelpToolTip(weightsBox_, checkpoint ? tr("A checkpoint brings its own quantization") : QString());

    const QString backend = QString::fromStdString(selectedBackend().backend);
    cudaGraphCheck_->setEnabled(backend == QLatin1String("cuda"));
    if (backend == QLatin1String("cpu"))
        backendNote_->setText(tr("The CPU backend runs small models (tiny-llama) with its reference kernel only; "
                                 "its times are CPU times."));
    else
        backendNote_->clear();
    backendNote_->setVisible(!backendNote_->text().isEmpty());
}

void ModelPanel::updatePresetInfo() {
    const QString info = presetCombo_->currentData(Qt::ToolTipRole).toString();
    presetInfo_->setText(info);
    setHelpToolTip(presetCombo_, info);
}

void ModelPanel::setSpec(const q4::ModelSpec& spec) {
    filling_ = true;
    if (!backends_.empty()) {
        const q4::BackendRegistry& registry = q4::BackendRegistry::instance();
        const std::string wanted = spec.backend == "auto" ? registry.resolveAuto() : spec.backend;
        const auto match = std::find_if(backends_.begin(), backends_.end(),
                                        [&](const BackendChoice& c) { return c.backend == wanted; });
        if (match != backends_.end()) {
            const QSignalBlocker blocker(backendCombo_);
            backendCombo_->setCurrentIndex(int(match - backends_.begin()));
        }
    }
    catalog_ = backendKernels(selectedBackend().backend);
    std::vector<std::string> kernels = spec.kernels;
    if (kernels == std::vector<std::string>{"all"}) {
        kernels.clear();
        for (const q4::KernelInfo& info : catalog_) kernels.push_back(info.id);
    }
    {
        // Kernels the backend lacks stay listed (as not offered) so validation names them.
        fillKernelList(kernelList_, catalog_, kernels, kernels);
    }
    if (kernels.empty()) reloadKernels();

    for (const Field& field : fields_) {
        const QString text = QString::fromStdString(q4::modelSpecFieldText(spec, field.key));
        if (auto* edit = qobject_cast<QLineEdit*>(field.widget)) edit->setText(text);
        else if (auto* spin = qobject_cast<QSpinBox*>(field.widget)) spin->setValue(text.toInt());
        else if (auto* check = qobject_cast<QCheckBox*>(field.widget)) check->setChecked(text == QLatin1String("yes"));
        else if (auto* combo = qobject_cast<QComboBox*>(field.widget);
                 combo && combo != presetCombo_ && combo != backendCombo_ && combo->findData(text) >= 0)
            combo->setCurrentIndex(combo->findData(text));
    }
    checkpointRadio_->setChecked(!spec.checkpoint.empty());
    presetRadio_->setChecked(spec.checkpoint.empty());
    if (!spec.preset.empty()) {
        const QString name = QString::fromStdString(spec.preset);
        if (presetCombo_->findData(name) < 0) presetCombo_->addItem(name, name);  // validation names it unknown
        const QSignalBlocker blocker(presetCombo_);
        presetCombo_->setCurrentIndex(presetCombo_->findData(name));
    }
    filling_ = false;
    updatePresetInfo();
    updateModeState();
    revalidate();
}

QString ModelPanel::fieldText(const Field& field) const {
    const QWidget* widget = field.widget;
    if (checkpointMode() && isRandomWeightKey(field.key))
        return QString::fromStdString(q4::modelSpecFieldText(q4::ModelSpec{}, field.key));
    if (widget == presetCombo_) return checkpointMode() ? QString() : presetCombo_->currentData().toString();
    if (widget == checkpointEdit_) return checkpointMode() ? checkpointEdit_->text() : QString();
    if (widget == backendCombo_) return QString::fromStdString(selectedBackend().backend);
    if (widget == kernelList_) {
        QStringList ids;
        for (const std::string& id : checkedKernelIds(kernelList_)) ids << QString::fromStdString(id);
        return ids.join(QLatin1Char(','));
    }
    if (const auto* edit = qobject_cast<const QLineEdit*>(widget)) return edit->text();
    if (const auto* spin = qobject_cast<const QSpinBox*>(widget)) return QString::number(spin->value());
    if (const auto* check = qobject_cast<const QCheckBox*>(widget))
        return check->isChecked() ? QStringLiteral("yes") : QStringLiteral("no");
    if (const auto* combo = qobject_cast<const QComboBox*>(widget)) return combo->currentData().toString();
    return {};
}

const ModelPanel::Field* ModelPanel::findField(const std::string& key) const {
    for (const Field& field : fields_)
        if (field.key == key) return &field;
    return nullptr;
}

QWidget* ModelPanel::fieldWidget(const std::string& key) const {
    const Field* field = findField(key);
    return field ? field->widget : nullptr;
}

QString ModelPanel::fieldError(const std::string& key) const {
    const Field* field = findField(key);
    return field && !field->error->isHidden() ? field->error->text() : QString();
}

void ModelPanel::report(const std::string& key, const std::string& message, QStringList& errors) {
    const Field* field = findField(key);
    // The message names the field by its key; one that does not gets the field's label in front.
    QString text = QString::fromStdString(message);
    if (field && !text.contains(QString::fromStdString(key))) {
        const q4::SpecFieldInfo* info = findModelField(key);
        text = QStringLiteral("%1: %2").arg(info ? QString::fromUtf8(info->label) : QString::fromStdString(key), text);
    }
    errors << text;
    if (!field) return;  // about no one field: only the panel-level label shows it
    markField(field->widget, text);
    field->error->setText(field->error->text().isEmpty() ? text : field->error->text() + '\n' + text);
    field->error->show();
}

void ModelPanel::revalidate() {
    if (filling_) return;
    for (const Field& field : fields_) {
        markField(field.widget, QString());
        field.error->clear();
        field.error->hide();
    }

    QStringList errors;
    q4::ModelSpec spec;
    for (const Field& field : fields_) {
        const q4::Status status = q4::setModelSpecField(spec, field.key, fieldText(field).toStdString());
        if (!status) report(status.field.empty() ? field.key : status.field, status.message, errors);
    }
    // A kernel the backend does not offer (from a loaded spec) cannot run here.
    for (const std::string& id : checkedKernelIds(kernelList_))
        if (std::none_of(catalog_.begin(), catalog_.end(), [&](const q4::KernelInfo& k) { return k.id == id; }))
            report("kernels", "kernels: the " + selectedBackend().backend + " backend has no kernel '" + id + "'", errors);
    // In checkpoint mode the directory is the model: say so at its field, not at the preset's.
    if (checkpointMode()) {
        const QString path = checkpointEdit_->text().trimmed();
        if (path.isEmpty()) report("checkpoint", "checkpoint: choose a GPTQ checkpoint directory", errors);
        else if (!QFileInfo(path).isDir())
            report("checkpoint", "checkpoint: " + path.toStdString() + " is not a directory", errors);
    }
    // The rules between fields, once every field reads: a field's own error says more.
    if (errors.isEmpty())
        if (const q4::Status status = q4::validateModelSpec(spec); !status)
            report(status.field, status.message, errors);
    spec_ = spec;

    message_ = errors.join('\n');
    errorLabel_->setText(message_);
    errorLabel_->setVisible(!message_.isEmpty());
    const bool wasValid = valid_;
    valid_ = errors.isEmpty();
    summaryLabel_->setText(valid_ ? tr("%1 × %2 = %3")
                                        .arg(plural(std::int64_t(spec_.batches.size()), tr("batch size")),
                                             plural(std::int64_t(spec_.kernels.size()), tr("kernel")),
                                             plural(recordCount(), tr("record")))
                                  : tr("No runnable model spec: fix the marked fields"));
    updateButtons();
    emit specChanged();
    if (valid_ != wasValid) emit validityChanged(valid_);
}

int ModelPanel::recordCount() const {
    if (!valid_) return 0;
    const std::size_t kernels = spec_.kernels == std::vector<std::string>{"all"} ? catalog_.size() : spec_.kernels.size();
    return int(spec_.batches.size() * kernels);
}

void ModelPanel::setRunning(bool running) {
    running_ = running;
    content_->setEnabled(!running);
    updateButtons();
}

void ModelPanel::setBusyReason(const QString& reason) {
    busyReason_ = reason;
    updateButtons();
}

void ModelPanel::updateButtons() {
    runButton_->setEnabled(valid_ && !running_ && busyReason_.isEmpty());
    runButton_->setToolTip(busyReason_.isEmpty() ? tr("Load the model with each kernel and generate at each batch size")
                                                 : busyReason_);
    cancelButton_->setEnabled(running_);
}

void ModelPanel::browseCheckpoint() {
    const QString directory =
        QFileDialog::getExistingDirectory(this, tr("GPTQ Checkpoint Directory"), checkpointEdit_->text());
    if (!directory.isEmpty()) checkpointEdit_->setText(directory);
}

void ModelPanel::inspectCheckpoint() {
    QApplication::setOverrideCursor(Qt::WaitCursor);  // every layer's tensors are read for the norms
    auto checkpoint = q4::Checkpoint::open(checkpointEdit_->text().trimmed().toStdString());
    auto summary =
        checkpoint ? q4::summarizeCheckpoint(*checkpoint) : q4::Expected<q4::CheckpointSummary>(checkpoint.takeError());
    QApplication::restoreOverrideCursor();
    if (!summary) {
        QMessageBox::warning(this, tr("Inspect Checkpoint"), QString::fromStdString(summary.error()));
        return;
    }
    auto* dialog = new CheckpointDialog(*summary, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

}  // namespace q4ui
