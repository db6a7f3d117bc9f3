#include "panel/sweep_panel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QApplication>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "backend/backend_registry.h"
#include "checkpoint/checkpoint_summary.h"
#include "checkpoint/layer_selection.h"
#include "io/json_io.h"
#include "panel/checkpoint_dialog.h"
#include "panel/enum_combo.h"
#include "panel/exact_spin.h"
#include "panel/field_validation.h"
#include "panel/kernel_list.h"
#include "panel/run_estimate.h"
#include "panel/wheel_guard.h"
#include "results/record_fields.h"
#include "sweep/presets.h"
#include "sweep/spec_fields.h"
#include "sweep/sweep_expand.h"

namespace q4ui {

namespace {

template <class T>
QString joinValues(const std::vector<T>& values) {
    QStringList items;
    for (const T& value : values) items << QString::number(value);
    return items.join(',');
}

QString presetToolTip(const q4::Preset& preset) {
    QString tip = QString::fromStdString(preset.description);
    if (!preset.m.empty()) tip += "\nSuggested m: " + joinValues(preset.m);
    tip += "\nLayers:";
    for (const q4::PresetLayer& layer : preset.layers)
        tip += QStringLiteral("\n  %1: n=%2 k=%3").arg(QString::fromStdString(layer.name)).arg(layer.n).arg(layer.k);
    return tip;
}

QString formatDuration(double seconds) {
    if (seconds < 90) return QStringLiteral("%1 s").arg(std::max(1.0, std::round(seconds)));
    if (seconds < 90 * 60) return QStringLiteral("%1 min").arg(seconds / 60, 0, 'f', 1);
    return QStringLiteral("%1 h").arg(seconds / 3600, 0, 'f', 1);
}

QString plural(std::int64_t count, const QString& noun) {
    return QStringLiteral("%1 %2%3").arg(count).arg(noun, count == 1 ? QString() : QStringLiteral("s"));
}

QLineEdit* makeLineEdit(const QString& name) {
    auto* edit = new QLineEdit;
    edit->setObjectName(name);
    return edit;
}

void selectData(QComboBox* combo, const QString& data) {
    const int index = combo->findData(data);
    if (index >= 0) combo->setCurrentIndex(index);
}

QDoubleSpinBox* makeDoubleSpin(const QString& name, double min, double max, int decimals, double step,
                               const QString& suffix) {
    auto* spin = new QDoubleSpinBox;
    spin->setObjectName(name);
    spin->setRange(min, max);
    spin->setDecimals(decimals);
    spin->setSingleStep(step);
    spin->setSuffix(suffix);
    return spin;
}

QSpinBox* makeSpin(const QString& name, int min, int max) {
    auto* spin = new QSpinBox;
    spin->setObjectName(name);
    spin->setRange(min, max);
    return spin;
}

// Settings that do not shape the points: when one does not read, its default stands in and the
// engine's rules on the shapes still run (a bad seed must not hide "k=100 is not a multiple ...").
bool shapesPoints(std::string_view key) {
    return key != "seed" && key != "tolerance" && !key.starts_with("timing.");
}

bool isQuantizationKey(std::string_view key) {
    return key == "group_sizes" || key == "act_order" || key == "symmetric" || key == "zero_format" ||
           key == "sparsity";
}

bool isCheckpointKey(std::string_view key) { return key == "checkpoint" || key == "layers" || key == "unique_shapes"; }

QString layerLine(const q4::CheckpointLayer& layer) {
    return QStringLiteral("%1  n=%2 k=%3 g=%4%5")
        .arg(QString::fromStdString(layer.name))
        .arg(layer.n)
        .arg(layer.k)
        .arg(layer.groupSize)
        .arg(layer.actOrder ? QStringLiteral(" act-order") : QString());
}

}  // namespace

SweepPanel::SweepPanel(QWidget* parent) : QWidget(parent) {
    auto* content = new QWidget;
    auto* sections = new QVBoxLayout(content);
    sections->addWidget(buildShapes());
    sections->addWidget(buildQuantization());
    sections->addWidget(buildBackend());
    sections->addWidget(buildKernels());
    sections->addWidget(buildTiming());
    sections->addStretch();
    guardWheelInChildren(content);

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);

    errorLabel_ = makeErrorLabel("errorLabel");
    summaryLabel_ = new QLabel;
    summaryLabel_->setObjectName("summaryLabel");
    summaryLabel_->setWordWrap(true);

    auto* status = new QVBoxLayout;
    status->setContentsMargins(6, 4, 6, 4);
    status->addWidget(errorLabel_);
    status->addWidget(summaryLabel_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll, 1);
    layout->addLayout(status);

    q4::SweepSpec original;  // m=1, n=k=8192, group 128, as the original comparison ran it
    original.actOrder = q4::YesNoBoth::Both;
    setSpec(original);
}

QLabel* SweepPanel::makeErrorLabel(const QString& name) {
    auto* label = new QLabel;
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    label->hide();
    return label;
}

void SweepPanel::addField(QFormLayout* form, const char* key, QWidget* widget, QLabel* section) {
    const q4::SpecFieldInfo* info = q4::findSpecField(key);
    Q_ASSERT(info);
    form->addRow(QString::fromUtf8(info->label), widget);
    setHelpToolTip(widget, QString::fromUtf8(info->help));
    bindField(key, widget, section);
}

void SweepPanel::bindField(const char* key, QWidget* widget, QLabel* section) {
    fields_.push_back({key, widget, section});
}

QWidget* SweepPanel::buildShapes() {
    auto* box = new QGroupBox(tr("Shapes"));
    auto* form = new QFormLayout(box);
    QLabel* errors = makeErrorLabel("shapesError");

    sizesRadio_ = new QRadioButton(tr("Sizes"));
    sizesRadio_->setObjectName("sizesRadio");
    presetRadio_ = new QRadioButton(tr("Preset"));
    presetRadio_->setObjectName("presetRadio");
    checkpointRadio_ = new QRadioButton(tr("Checkpoint"));
    checkpointRadio_->setObjectName("checkpointRadio");
    auto* mode = new QButtonGroup(box);
    auto* modeRow = new QHBoxLayout;
    for (QRadioButton* radio : {sizesRadio_, presetRadio_, checkpointRadio_}) {
        mode->addButton(radio);
        modeRow->addWidget(radio);
    }
    modeRow->addStretch();
    form->addRow(modeRow);

    mEdit_ = makeLineEdit("mEdit");
    nEdit_ = makeLineEdit("nEdit");
    kEdit_ = makeLineEdit("kEdit");
    presetCombo_ = new QComboBox;
    presetCombo_->setObjectName("presetCombo");
    for (const q4::Preset& preset : q4::builtinPresets()) {
        presetCombo_->addItem(QString::fromStdString(preset.name), QString::fromStdString(preset.name));
        presetCombo_->setItemData(presetCombo_->count() - 1, presetToolTip(preset), Qt::ToolTipRole);
    }
    addField(form, "m", mEdit_, errors);
    addField(form, "n", nEdit_, errors);
    addField(form, "k", kEdit_, errors);
    addField(form, "preset", presetCombo_, errors);

    // A checkpoint directory, typed or picked, and which of its layers to measure.
    checkpointEdit_ = makeLineEdit("checkpointEdit");
    browseButton_ = new QPushButton(tr("Browse…"));
    browseButton_->setObjectName("browseCheckpointButton");
    auto* checkpointRow = new QHBoxLayout;
    checkpointRow->addWidget(checkpointEdit_, 1);
    checkpointRow->addWidget(browseButton_);
    form->addRow(QString::fromUtf8(q4::findSpecField("checkpoint")->label), checkpointRow);
    setHelpToolTip(checkpointEdit_, QString::fromUtf8(q4::findSpecField("checkpoint")->help));
    bindField("checkpoint", checkpointEdit_, errors);
    layersEdit_ = makeLineEdit("layersEdit");
    layersEdit_->setPlaceholderText(tr("all layers"));
    addField(form, "layers", layersEdit_, errors);
    uniqueShapesCheck_ = new QCheckBox(tr("One layer per distinct shape"));
    uniqueShapesCheck_->setObjectName("uniqueShapesCheck");
    addField(form, "unique_shapes", uniqueShapesCheck_, errors);
    checkpointLayers_ = new QListWidget;
    checkpointLayers_->setObjectName("checkpointLayers");
    checkpointLayers_->setMaximumHeight(140);
    setHelpToolTip(checkpointLayers_, tr("The checkpoint's layers the sweep measures"));
    inspectButton_ = new QPushButton(tr("Inspect…"));
    inspectButton_->setObjectName("inspectCheckpointButton");
    setHelpToolTip(inspectButton_, tr("Every layer's shape, quantization and weight norm, and the architecture"));
    form->addRow(checkpointLayers_);
    form->addRow(inspectButton_);
    form->addRow(errors);
    sectionErrors_.push_back(errors);

    for (QLineEdit* edit : {checkpointEdit_, layersEdit_})
        connect(edit, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
    connect(uniqueShapesCheck_, &QCheckBox::toggled, this, &SweepPanel::revalidate);
    connect(browseButton_, &QPushButton::clicked, this, &SweepPanel::browseCheckpoint);
    connect(inspectButton_, &QPushButton::clicked, this, &SweepPanel::inspectCheckpoint);
    connect(checkpointRadio_, &QRadioButton::toggled, this, [this] {
        updateModeAndBackendState();
        revalidate();
    });

    for (QLineEdit* edit : {mEdit_, nEdit_, kEdit_})
        connect(edit, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
    connect(sizesRadio_, &QRadioButton::toggled, this, [this] {
        updateModeAndBackendState();
        revalidate();
    });
    connect(presetCombo_, &QComboBox::currentIndexChanged, this, [this] {
        setHelpToolTip(presetCombo_, presetCombo_->currentData(Qt::ToolTipRole).toString());
        revalidate();
    });
    return box;
}

QWidget* SweepPanel::buildQuantization() {
    auto* box = new QGroupBox(tr("Quantization"));
    quantizationBox_ = box;
    auto* form = new QFormLayout(box);
    QLabel* errors = makeErrorLabel("quantizationError");
    groupEdit_ = makeLineEdit("groupEdit");
    QComboBox* actOrder = makeEnumCombo<q4::YesNoBoth>("actOrderCombo");
    QComboBox* symmetric = makeEnumCombo<q4::YesNoBoth>("symmetricCombo");
    QComboBox* zeroFormat = makeEnumCombo<q4::ZeroFormat>("zeroFormatCombo");
    QLineEdit* sparsity = makeLineEdit("sparsityEdit");
    addField(form, "group_sizes", groupEdit_, errors);
    addField(form, "act_order", actOrder, errors);
    addField(form, "symmetric", symmetric, errors);
    addField(form, "zero_format", zeroFormat, errors);
    addField(form, "sparsity", sparsity, errors);
    form->addRow(errors);
    sectionErrors_.push_back(errors);

    for (QLineEdit* edit : {groupEdit_, sparsity}) connect(edit, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
    for (QComboBox* combo : {actOrder, symmetric, zeroFormat})
        connect(combo, &QComboBox::currentIndexChanged, this, &SweepPanel::revalidate);
    return box;
}

QWidget* SweepPanel::buildBackend() {
    auto* box = new QGroupBox(tr("Backend && device"));
    auto* form = new QFormLayout(box);
    QLabel* errors = makeErrorLabel("backendError");
    backendCombo_ = new QComboBox;
    backendCombo_->setObjectName("backendCombo");
    setHelpToolTip(backendCombo_, tr("Where the sweep runs; the kernel list follows the backend"));
    noGpuLabel_ = new QLabel(tr("No GPU found: runs on the CPU backend"));
    noGpuLabel_->setObjectName("noGpuLabel");
    noGpuLabel_->setWordWrap(true);
    noGpuLabel_->hide();
    form->addRow(QString::fromUtf8(q4::findSpecField("backend")->label), backendCombo_);
    bindField("backend", backendCombo_, errors);
    form->addRow(noGpuLabel_);
    form->addRow(errors);
    sectionErrors_.push_back(errors);

    connect(backendCombo_, &QComboBox::currentIndexChanged, this, [this] {
        reloadKernels();
        updateModeAndBackendState();
        revalidate();
    });
    return box;
}

QWidget* SweepPanel::buildKernels() {
    auto* box = new QGroupBox(tr("Kernels"));
    auto* layout = new QVBoxLayout(box);
    QLabel* errors = makeErrorLabel("kernelsError");
    kernelList_ = new QListWidget;
    kernelList_->setObjectName("kernelList");
    setHelpToolTip(kernelList_, tr("Kernels to measure; hover one for its constraints"));
    bindField("kernels", kernelList_, errors);
    auto* all = new QPushButton(tr("All"));
    all->setObjectName("allKernelsButton");
    auto* none = new QPushButton(tr("None"));
    none->setObjectName("noKernelsButton");
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(all);
    buttons->addWidget(none);
    buttons->addStretch();
    layout->addWidget(kernelList_);
    layout->addLayout(buttons);
    layout->addWidget(errors);
    sectionErrors_.push_back(errors);

    connect(kernelList_, &QListWidget::itemChanged, this, &SweepPanel::revalidate);
    auto checkAll = [this](bool checked) {
        {
            const QSignalBlocker blocker(kernelList_);  // one validation, not one per item
            setAllKernelsChecked(kernelList_, checked);
        }
        kernelList_->viewport()->update();
        revalidate();
    };
    connect(all, &QPushButton::clicked, this, [checkAll] { checkAll(true); });
    connect(none, &QPushButton::clicked, this, [checkAll] { checkAll(false); });
    return box;
}

QWidget* SweepPanel::buildTiming() {
    auto* box = new QGroupBox(tr("Timing"));
    auto* form = new QFormLayout(box);
    QLabel* errors = makeErrorLabel("timingError");
    // The ranges are wide on purpose: the engine's rules decide, and say why.
    warmupSpin_ = makeSpin("warmupSpin", 0, 100000000);
    minSamplesSpin_ = makeSpin("minSamplesSpin", 0, 100000000);
    maxNoiseSpin_ = makeDoubleSpin("maxNoiseSpin", 0, 100, 3, 0.1, " %");
    setDisplayScale(maxNoiseSpin_, 100);  // a noise of 0.005 reads 0.5 %
    minTimeSpin_ = makeDoubleSpin("minTimeSpin", 0, 86400, 3, 0.1, " s");
    timeoutSpin_ = makeDoubleSpin("timeoutSpin", 0, 86400, 3, 1, " s");
    QComboBox* l2 = makeEnumCombo<q4::L2Mode>("l2Combo");
    cudaGraphCheck_ = new QCheckBox(tr("Replay launches from a CUDA graph"));
    cudaGraphCheck_->setObjectName("cudaGraphCheck");
    QLineEdit* seed = makeLineEdit("seedEdit");
    toleranceSpin_ = makeDoubleSpin("toleranceSpin", 0, 1, 6, 0.001, QString());
    addField(form, "timing.warmup", warmupSpin_, errors);
    addField(form, "timing.min_samples", minSamplesSpin_, errors);
    addField(form, "timing.max_noise", maxNoiseSpin_, errors);
    setHelpToolTip(maxNoiseSpin_, maxNoiseSpin_->toolTip() + tr(", shown here in percent"));
    addField(form, "timing.min_time_s", minTimeSpin_, errors);
    addField(form, "timing.timeout_s", timeoutSpin_, errors);
    addField(form, "timing.l2", l2, errors);
    addField(form, "timing.cuda_graph", cudaGraphCheck_, errors);
    addField(form, "seed", seed, errors);
    addField(form, "tolerance", toleranceSpin_, errors);
    form->addRow(errors);
    sectionErrors_.push_back(errors);

    for (QSpinBox* spin : {warmupSpin_, minSamplesSpin_})
        connect(spin, &QSpinBox::valueChanged, this, &SweepPanel::revalidate);
    for (QDoubleSpinBox* spin : {maxNoiseSpin_, minTimeSpin_, timeoutSpin_, toleranceSpin_})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &SweepPanel::revalidate);
    connect(l2, &QComboBox::currentIndexChanged, this, &SweepPanel::revalidate);
    connect(cudaGraphCheck_, &QCheckBox::toggled, this, &SweepPanel::revalidate);
    connect(seed, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
    return box;
}

void SweepPanel::setBackends(const std::vector<BackendChoice>& choices) {
    filling_ = true;
    backends_ = choices;
    {
        const QSignalBlocker blocker(backendCombo_);
        backendCombo_->clear();
        for (const BackendChoice& choice : choices) backendCombo_->addItem(choice.label);
        backendCombo_->setCurrentIndex(choices.empty() ? -1 : 0);
    }
    const bool hasGpu =
        std::any_of(choices.begin(), choices.end(), [](const BackendChoice& c) { return c.backend != "cpu"; });
    noGpuLabel_->setVisible(!choices.empty() && !hasGpu);
    reloadKernels();
    filling_ = false;
    updateModeAndBackendState();
    revalidate();
}

BackendChoice SweepPanel::selectedBackend() const {
    const int index = backendCombo_->currentIndex();
    if (index >= 0 && index < int(backends_.size())) return backends_[std::size_t(index)];
    return BackendChoice{QString::fromStdString(fallbackBackend_), fallbackBackend_, 0, fallbackMemory_};
}

void SweepPanel::reloadKernels(const std::vector<std::string>& keepUnknown) {
    // An empty list is the first load; "all" stays "all" across backends; otherwise keep checks by id.
    const bool all = kernelList_->count() == 0 || allKernelsChecked(kernelList_);
    const std::vector<std::string> checked = checkedKernelIds(kernelList_);
    catalog_ = backendKernels(selectedBackend().backend);
    fillKernelList(kernelList_, catalog_, all ? catalogIds() : checked, keepUnknown);
}

std::vector<std::string> SweepPanel::catalogIds() const {
    std::vector<std::string> ids;
    for (const q4::KernelInfo& info : catalog_) ids.push_back(info.id);
    return ids;
}

bool SweepPanel::checkpointMode() const { return checkpointRadio_->isChecked(); }

void SweepPanel::updateModeAndBackendState() {
    const bool presetMode = presetRadio_->isChecked();
    const bool checkpoint = checkpointMode();
    nEdit_->setEnabled(!presetMode && !checkpoint);
    kEdit_->setEnabled(!presetMode && !checkpoint);
    presetCombo_->setEnabled(presetMode);
    for (QWidget* widget : std::initializer_list<QWidget*>{checkpointEdit_, browseButton_, layersEdit_,
                                                           uniqueShapesCheck_, checkpointLayers_, inspectButton_})
        widget->setEnabled(checkpoint);
    quantizationBox_->setEnabled(!checkpoint);
    setHelpToolTip(quantizationBox_, checkpoint ? tr("A checkpoint brings each layer's quantization") : QString());

    const bool cuda = selectedBackend().backend == "cuda";
    cudaGraphCheck_->setEnabled(cuda);
    setHelpToolTip(cudaGraphCheck_, cuda ? tr("Capture the launch once and replay it: less launch overhead per sample")
                                         : tr("CUDA graphs need the cuda backend"));
}

q4::SweepSpec SweepPanel::spec() const { return spec_; }

void SweepPanel::setSpec(const q4::SweepSpec& spec, const TypedRanges& typed) {
    filling_ = true;
    // The backend first: it decides which kernels the list offers.
    if (backends_.empty()) {
        if (fallbackBackend_ != spec.backend) fallbackMemory_ = deviceMemoryBytes(spec.backend, 0);
        fallbackBackend_ = spec.backend;
    } else {
        const q4::BackendRegistry& registry = q4::BackendRegistry::instance();
        const std::string wanted = spec.backend == "auto" ? registry.resolveAuto() : spec.backend;
        const auto match = std::find_if(backends_.begin(), backends_.end(),
                                        [&](const BackendChoice& c) { return c.backend == wanted; });
        if (match != backends_.end()) backendCombo_->setCurrentIndex(int(match - backends_.begin()));
    }
    catalog_ = backendKernels(selectedBackend().backend);
    const bool allKernels = spec.kernels == std::vector<std::string>{"all"};
    fillKernelList(kernelList_, catalog_, allKernels ? catalogIds() : spec.kernels,
                   allKernels ? std::vector<std::string>{} : spec.kernels);

    // Text fields and name combos read back what setSpecField reads.
    for (const Field& field : fields_) {
        const QString text = QString::fromStdString(q4::specFieldText(spec, field.key));
        auto* combo = qobject_cast<QComboBox*>(field.widget);
        if (auto* edit = qobject_cast<QLineEdit*>(field.widget)) edit->setText(text);
        else if (combo && combo != backendCombo_ && combo != presetCombo_) selectData(combo, text);
    }
    for (const auto& [key, text] : typed)
        if (const Field* field = findField(key); field && keepsTypedText(key))
            if (auto* edit = qobject_cast<QLineEdit*>(field->widget)) edit->setText(text);
    presetRadio_->setChecked(!spec.preset.empty());
    checkpointRadio_->setChecked(!spec.checkpoint.empty());
    sizesRadio_->setChecked(spec.preset.empty() && spec.checkpoint.empty());
    uniqueShapesCheck_->setChecked(spec.uniqueShapes);
    if (!spec.preset.empty()) {
        const QString name = QString::fromStdString(spec.preset);
        if (presetCombo_->findData(name) < 0) presetCombo_->addItem(name, name);  // validation names it unknown
        selectData(presetCombo_, name);
    }

    // Numbers are set as numbers, so the boxes keep the spec's exact values.
    const q4::TimingOptions& t = spec.timing;
    warmupSpin_->setValue(t.warmup);
    minSamplesSpin_->setValue(t.minSamples);
    setExactValue(maxNoiseSpin_, t.maxNoise);
    setExactValue(minTimeSpin_, t.minTimeSeconds);
    setExactValue(timeoutSpin_, t.timeoutSeconds);
    cudaGraphCheck_->setChecked(t.cudaGraph);
    setExactValue(toleranceSpin_, spec.tolerance);

    filling_ = false;
    setHelpToolTip(presetCombo_, presetCombo_->currentData(Qt::ToolTipRole).toString());
    updateModeAndBackendState();
    revalidate();
}

std::string SweepPanel::specJson() const {
    TypedRanges typed;
    for (const Field& field : fields_) {
        auto* edit = qobject_cast<QLineEdit*>(field.widget);
        if (!edit || !keepsTypedText(field.key) || !edit->isEnabled() || isMarked(edit)) continue;
        if (edit->text().contains(QLatin1Char(':'))) typed[field.key] = edit->text().trimmed();  // a range
    }
    return withTypedRanges(q4::sweepSpecToJson(spec_), typed);
}

bool SweepPanel::isValid() const { return valid_; }

QString SweepPanel::validationMessage() const { return message_; }

int SweepPanel::pointCount() const { return valid_ ? points_ * kernelCount_ : 0; }

double SweepPanel::estimatedSeconds() const { return valid_ ? estimate_ : 0.0; }

QString SweepPanel::summaryText() const {
    if (!valid_) return tr("No runnable sweep: fix the marked fields");
    return QStringLiteral("%1 × %2 = %3, ≈ %4")
        .arg(plural(points_, tr("point")), plural(kernelCount_, tr("kernel")), plural(pointCount(), tr("record")),
             formatDuration(estimatedSeconds()));
}

QString SweepPanel::fieldText(const QWidget* widget) const {
    if (widget == backendCombo_) return QString::fromStdString(selectedBackend().backend);
    if (widget == presetCombo_) return presetRadio_->isChecked() ? presetCombo_->currentData().toString() : QString();
    if (widget == kernelList_) {
        if (allKernelsChecked(kernelList_)) return QStringLiteral("all");
        QStringList ids;
        for (const std::string& id : checkedKernelIds(kernelList_)) ids << QString::fromStdString(id);
        return ids.join(',');
    }
    if (auto* combo = qobject_cast<const QComboBox*>(widget)) return combo->currentData().toString();
    if (auto* edit = qobject_cast<const QLineEdit*>(widget)) return edit->text();
    if (auto* spin = qobject_cast<const QSpinBox*>(widget)) return QString::number(spin->value());
    if (auto* spin = qobject_cast<const QDoubleSpinBox*>(widget))
        return QString::fromStdString(q4::formatNumber(exactValue(spin)));  // shortest text that reads back exactly
    if (auto* check = qobject_cast<const QCheckBox*>(widget)) return check->isChecked() ? "yes" : "no";
    return {};
}

QString SweepPanel::modeFieldText(const Field& field) const {
    const bool checkpoint = checkpointMode();
    if ((checkpoint && isQuantizationKey(field.key)) || (!checkpoint && isCheckpointKey(field.key)))
        return QString::fromStdString(q4::specFieldText(q4::SweepSpec{}, field.key));
    return fieldText(field.widget);
}

q4::SweepSpec SweepPanel::readFields(QStringList& errors, bool& expandable) {
    q4::SweepSpec spec;
    expandable = true;
    const bool presetMode = presetRadio_->isChecked() || checkpointMode();
    for (const Field& field : fields_) {
        const q4::Status status = q4::setSpecField(spec, field.key, modeFieldText(field).toStdString());
        if (status && field.key == "checkpoint" && checkpointMode() && spec.checkpoint.empty()) {
            report(field.key, "checkpoint: choose a GPTQ checkpoint directory", errors);
            expandable = false;
        }
        if (status) continue;
        // With a preset or a checkpoint n and k are not used: they keep what reads, and a bad one waits.
        if (presetMode && (field.key == "n" || field.key == "k")) continue;
        report(status.field, status.message, errors);
        if (shapesPoints(field.key)) expandable = false;
    }
    return spec;
}

const SweepPanel::Field* SweepPanel::findField(const std::string& key) const {
    for (const Field& field : fields_)
        if (field.key == key) return &field;
    return nullptr;
}

QWidget* SweepPanel::fieldWidget(const std::string& key) const {
    // A preset's or a checkpoint's layers stand in for n and k: their rules are about those.
    if (presetRadio_->isChecked() && (key == "n" || key == "k")) return presetCombo_;
    if (checkpointMode() && (key == "n" || key == "k")) return checkpointEdit_;
    const Field* field = findField(key);
    return field ? field->widget : nullptr;
}

void SweepPanel::report(const std::string& key, const std::string& message, QStringList& errors) {
    const QString text = QString::fromStdString(message);
    errors << text;
    QWidget* widget = fieldWidget(key);
    if (!widget) return;  // not about one field: only the panel-level label shows it
    markField(widget, text);
    QLabel* section = findField(key)->section;  // a widget was found, so the key is a field
    section->setText(section->text().isEmpty() ? text : section->text() + '\n' + text);
    section->show();
}

void SweepPanel::checkWithEngine(QStringList& errors) {
    const std::vector<std::string> known = catalogIds();
    // The engine's full rules, the chosen device's memory included, so Run is only offered for a
    // sweep the run will accept. The engine counts the points before expanding, so an oversized
    // sweep fails at once.
    const BackendChoice backend = selectedBackend();
    const auto points = q4::expandSweep(spec_, known, backend.memoryBytes);
    if (!points) {
        // A field that did not read already says why; its default's consequences would only confuse.
        if (QWidget* widget = fieldWidget(points.errorField()); widget && isMarked(widget)) return;
        report(points.errorField(), points.error(), errors);
        return;
    }
    points_ = int(points->size());
    kernelCount_ = int(q4::sweepKernels(spec_, catalog_).size());
    const std::string name = backend.backend == "auto" ? q4::BackendRegistry::instance().resolveAuto() : backend.backend;
    estimate_ = estimateSweepSeconds(*points, kernelCount_, spec_.timing, ratesFor(name));
}

void SweepPanel::revalidate() {
    if (filling_) return;
    for (const Field& field : fields_) markField(field.widget, QString());
    for (QLabel* label : sectionErrors_) {
        label->clear();
        label->hide();
    }

    QStringList errors;
    bool expandable = true;
    spec_ = readFields(errors, expandable);
    points_ = 0;
    kernelCount_ = 0;
    estimate_ = 0;
    if (expandable) checkWithEngine(errors);

    message_ = errors.join('\n');
    errorLabel_->setText(message_);
    errorLabel_->setVisible(!message_.isEmpty());
    const bool wasValid = valid_;
    valid_ = errors.isEmpty();
    summaryLabel_->setText(summaryText());
    refreshCheckpointLayers();

    emit specChanged();
    if (valid_ != wasValid) emit validityChanged(valid_);
}

void SweepPanel::browseCheckpoint() {
    const QString directory =
        QFileDialog::getExistingDirectory(this, tr("GPTQ Checkpoint Directory"), checkpointEdit_->text());
    if (!directory.isEmpty()) checkpointEdit_->setText(directory);
}

void SweepPanel::refreshCheckpointLayers() {
    checkpointLayers_->clear();
    if (!valid_ || spec_.checkpoint.empty()) return;
    auto layers = q4::selectCheckpointLayers(spec_.checkpoint, spec_.layers, spec_.uniqueShapes);
    if (!layers) return;  // the expansion just read it; a change on disk since shows at the next edit
    for (const q4::CheckpointLayer& layer : *layers) checkpointLayers_->addItem(layerLine(layer));
}

void SweepPanel::inspectCheckpoint() {
    QApplication::setOverrideCursor(Qt::WaitCursor);  // every layer's tensors are read for the norms
    auto checkpoint = q4::Checkpoint::open(checkpointEdit_->text().trimmed().toStdString());
    auto summary = checkpoint ? q4::summarizeCheckpoint(*checkpoint) : q4::Expected<q4::CheckpointSummary>(checkpoint.takeError());
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
