#include "panel/sweep_panel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "backend_factory.h"
#include "panel/exact_spin.h"
#include "panel/field_validation.h"
#include "panel/kernel_list.h"
#include "sweep/presets.h"
#include "sweep/sweep_expand.h"

namespace q4ui {

namespace {

// Expanding is done on every keystroke, so a cross product that would take seconds and
// gigabytes to build (m, n and k ranges of thousands each) is refused before expanding.
constexpr std::int64_t kMaxPoints = 1'000'000;

// Rough per-record cost for the estimate: sampling lasts at least min time (or a short
// floor for fast kernels) plus preparing inputs and validating against the reference.
constexpr double kSampleFloorSeconds = 0.05;
constexpr double kPrepareSeconds = 0.05;

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

QLineEdit* makeLineEdit(const QString& name, const QString& help) {
    auto* edit = new QLineEdit;
    edit->setObjectName(name);
    edit->setToolTip(help);
    return edit;
}

QComboBox* makeCombo(const QString& name, const std::vector<std::pair<QString, QString>>& items) {
    auto* combo = new QComboBox;
    combo->setObjectName(name);
    for (const auto& [text, data] : items) combo->addItem(text, data);
    return combo;
}

void selectData(QComboBox* combo, const QString& data) {
    const int index = combo->findData(data);
    if (index >= 0) combo->setCurrentIndex(index);
}

QDoubleSpinBox* makeDoubleSpin(const QString& name, double min, double max, int decimals, double step,
                               const QString& suffix, const QString& help) {
    auto* spin = new QDoubleSpinBox;
    spin->setObjectName(name);
    spin->setRange(min, max);
    spin->setDecimals(decimals);
    spin->setSingleStep(step);
    spin->setSuffix(suffix);
    spin->setToolTip(help);
    return spin;
}

QSpinBox* makeSpin(const QString& name, int min, int max, const QString& help) {
    auto* spin = new QSpinBox;
    spin->setObjectName(name);
    spin->setRange(min, max);
    spin->setToolTip(help);
    return spin;
}

// The number of points a spec expands to, computed without expanding.
std::int64_t countPoints(const q4::SweepSpec& spec) {
    std::int64_t shapes = std::int64_t(spec.n.size()) * std::int64_t(spec.k.size());
    if (!spec.preset.empty()) {
        auto preset = q4::findPreset(spec.preset);
        shapes = preset ? std::int64_t(preset->layers.size()) : 0;
    }
    const std::int64_t actOrders = spec.actOrder == q4::ActOrderMode::Both ? 2 : 1;
    return std::int64_t(spec.m.size()) * shapes * std::int64_t(spec.groupSizes.size()) *
           std::int64_t(spec.symmetric.size()) * actOrders;
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
    original.actOrder = q4::ActOrderMode::Both;
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

QWidget* SweepPanel::buildShapes() {
    auto* box = new QGroupBox(tr("Shapes"));
    auto* form = new QFormLayout(box);

    sizesRadio_ = new QRadioButton(tr("Sizes"));
    sizesRadio_->setObjectName("sizesRadio");
    presetRadio_ = new QRadioButton(tr("Preset"));
    presetRadio_->setObjectName("presetRadio");
    auto* mode = new QButtonGroup(box);
    mode->addButton(sizesRadio_);
    mode->addButton(presetRadio_);
    auto* modeRow = new QHBoxLayout;
    modeRow->addWidget(sizesRadio_);
    modeRow->addWidget(presetRadio_);
    modeRow->addStretch();
    form->addRow(modeRow);

    const QString listHelp = tr("1,2,4 or 1:4096:x2 (geometric) or 256:4096:+256 (arithmetic)");
    mEdit_ = makeLineEdit("mEdit", tr("Batch sizes (rows of A): ") + listHelp);
    nEdit_ = makeLineEdit("nEdit", tr("Output features: ") + listHelp);
    kEdit_ = makeLineEdit("kEdit", tr("Input features (a multiple of the group size): ") + listHelp);
    presetCombo_ = new QComboBox;
    presetCombo_->setObjectName("presetCombo");
    for (const q4::Preset& preset : q4::builtinPresets()) {
        presetCombo_->addItem(QString::fromStdString(preset.name), QString::fromStdString(preset.name));
        presetCombo_->setItemData(presetCombo_->count() - 1, presetToolTip(preset), Qt::ToolTipRole);
    }
    form->addRow(tr("m"), mEdit_);
    form->addRow(tr("n"), nEdit_);
    form->addRow(tr("k"), kEdit_);
    form->addRow(tr("Preset"), presetCombo_);
    shapesError_ = makeErrorLabel("shapesError");
    form->addRow(shapesError_);

    for (QLineEdit* edit : {mEdit_, nEdit_, kEdit_}) connect(edit, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
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
    auto* form = new QFormLayout(box);
    groupEdit_ = makeLineEdit("groupEdit", tr("Group sizes: 128 or 32,64,128,-1 (-1: one group over all of k)"));
    actOrderCombo_ = makeCombo("actOrderCombo", {{tr("off"), "no"}, {tr("on"), "yes"}, {tr("both"), "both"}});
    actOrderCombo_->setToolTip(tr("Act-order (desc_act): rows permuted by g_idx"));
    symmetricCombo_ = makeCombo("symmetricCombo", {{tr("yes"), "yes"}, {tr("no"), "no"}, {tr("both"), "both"}});
    symmetricCombo_->setToolTip(tr("Symmetric quantization (zero point 8) or asymmetric"));
    zeroFormatCombo_ = makeCombo("zeroFormatCombo", {{tr("v1 (gptq)"), "v1"}, {tr("v2 (gptq_v2)"), "v2"}});
    zeroFormatCombo_->setToolTip(tr("How zero points are stored: v1 keeps zero - 1 (the classic GPTQ checkpoints)"));
    form->addRow(tr("Group sizes"), groupEdit_);
    form->addRow(tr("Act-order"), actOrderCombo_);
    form->addRow(tr("Symmetric"), symmetricCombo_);
    form->addRow(tr("Zero format"), zeroFormatCombo_);
    quantizationError_ = makeErrorLabel("quantizationError");
    form->addRow(quantizationError_);

    connect(groupEdit_, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
    for (QComboBox* combo : {actOrderCombo_, symmetricCombo_, zeroFormatCombo_})
        connect(combo, &QComboBox::currentIndexChanged, this, &SweepPanel::revalidate);
    return box;
}

QWidget* SweepPanel::buildBackend() {
    auto* box = new QGroupBox(tr("Backend && device"));
    auto* form = new QFormLayout(box);
    backendCombo_ = new QComboBox;
    backendCombo_->setObjectName("backendCombo");
    backendCombo_->setToolTip(tr("Where the sweep runs; the kernel list follows the backend"));
    noGpuLabel_ = new QLabel(tr("No GPU found: runs on the CPU backend"));
    noGpuLabel_->setObjectName("noGpuLabel");
    noGpuLabel_->setWordWrap(true);
    noGpuLabel_->hide();
    form->addRow(tr("Backend"), backendCombo_);
    form->addRow(noGpuLabel_);

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
    kernelList_ = new QListWidget;
    kernelList_->setObjectName("kernelList");
    kernelList_->setToolTip(tr("Kernels to measure; hover one for its constraints"));
    auto* all = new QPushButton(tr("All"));
    all->setObjectName("allKernelsButton");
    auto* none = new QPushButton(tr("None"));
    none->setObjectName("noKernelsButton");
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(all);
    buttons->addWidget(none);
    buttons->addStretch();
    kernelsError_ = makeErrorLabel("kernelsError");
    layout->addWidget(kernelList_);
    layout->addLayout(buttons);
    layout->addWidget(kernelsError_);

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
    warmupSpin_ = makeSpin("warmupSpin", 0, 100000, tr("Untimed runs before sampling"));
    minSamplesSpin_ = makeSpin("minSamplesSpin", 1, 1000000, tr("Samples taken at least"));
    maxNoiseSpin_ = makeDoubleSpin("maxNoiseSpin", 0.001, 100, 3, 0.1, " %",
                                   tr("Sample until the relative standard error of the mean is below this"));
    minTimeSpin_ = makeDoubleSpin("minTimeSpin", 0, 3600, 3, 0.1, " s", tr("Wall time spent sampling, at least"));
    timeoutSpin_ = makeDoubleSpin("timeoutSpin", 0.001, 86400, 3, 1, " s",
                                  tr("Stop sampling here even if still noisy; the record says so"));
    l2Combo_ = makeCombo("l2Combo", {{tr("cold (flush before each sample)"), "cold"}, {tr("hot"), "hot"}});
    l2Combo_->setToolTip(tr("Cold: weights come from DRAM as in a real decode step"));
    cudaGraphCheck_ = new QCheckBox(tr("Replay launches from a CUDA graph"));
    cudaGraphCheck_->setObjectName("cudaGraphCheck");
    seedEdit_ = makeLineEdit("seedEdit", tr("Seed for weights and activations (unsigned 64-bit)"));
    toleranceSpin_ = makeDoubleSpin("toleranceSpin", 0.000001, 1, 6, 0.001, QString(),
                                    tr("Relative error against the reference above which a record fails"));
    form->addRow(tr("Warm-up"), warmupSpin_);
    form->addRow(tr("Min samples"), minSamplesSpin_);
    form->addRow(tr("Max noise"), maxNoiseSpin_);
    form->addRow(tr("Min time"), minTimeSpin_);
    form->addRow(tr("Timeout"), timeoutSpin_);
    form->addRow(tr("L2"), l2Combo_);
    form->addRow(tr("CUDA graphs"), cudaGraphCheck_);
    form->addRow(tr("Seed"), seedEdit_);
    form->addRow(tr("Tolerance"), toleranceSpin_);
    timingError_ = makeErrorLabel("timingError");
    form->addRow(timingError_);

    for (QSpinBox* spin : {warmupSpin_, minSamplesSpin_})
        connect(spin, &QSpinBox::valueChanged, this, &SweepPanel::revalidate);
    for (QDoubleSpinBox* spin : {maxNoiseSpin_, minTimeSpin_, timeoutSpin_, toleranceSpin_})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &SweepPanel::revalidate);
    connect(l2Combo_, &QComboBox::currentIndexChanged, this, &SweepPanel::revalidate);
    connect(cudaGraphCheck_, &QCheckBox::toggled, this, &SweepPanel::revalidate);
    connect(seedEdit_, &QLineEdit::textChanged, this, &SweepPanel::revalidate);
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
    const bool hasCuda = std::any_of(choices.begin(), choices.end(), [](const BackendChoice& c) { return c.backend == "cuda"; });
    noGpuLabel_->setVisible(!choices.empty() && !hasCuda);
    reloadKernels();
    filling_ = false;
    updateModeAndBackendState();
    revalidate();
}

BackendChoice SweepPanel::selectedBackend() const {
    const int index = backendCombo_->currentIndex();
    if (index >= 0 && index < int(backends_.size())) return backends_[std::size_t(index)];
    return BackendChoice{QString::fromStdString(fallbackBackend_), fallbackBackend_, 0};
}

void SweepPanel::reloadKernels(const std::vector<std::string>& keepUnknown) {
    // An empty list is the first load; "all" stays "all" across backends; otherwise keep checks by id.
    const bool all = kernelList_->count() == 0 || allKernelsChecked(kernelList_);
    const std::vector<std::string> checked = checkedKernelIds(kernelList_);
    catalog_ = q4::kernelCatalog(selectedBackend().backend);
    fillKernelList(kernelList_, catalog_, all ? catalogIds() : checked, keepUnknown);
}

std::vector<std::string> SweepPanel::catalogIds() const {
    std::vector<std::string> ids;
    for (const q4::KernelInfo& info : catalog_) ids.push_back(info.id);
    return ids;
}

void SweepPanel::updateModeAndBackendState() {
    const bool presetMode = presetRadio_->isChecked();
    nEdit_->setEnabled(!presetMode);
    kEdit_->setEnabled(!presetMode);
    presetCombo_->setEnabled(presetMode);

    const bool cuda = selectedBackend().backend == "cuda";
    cudaGraphCheck_->setEnabled(cuda);
    setHelpToolTip(cudaGraphCheck_, cuda ? tr("Capture the launch once and replay it: less launch overhead per sample")
                                         : tr("CUDA graphs need the cuda backend"));
}

q4::SweepSpec SweepPanel::spec() const { return spec_; }

void SweepPanel::setSpec(const q4::SweepSpec& spec) {
    filling_ = true;
    // The backend first: it decides which kernels the list offers.
    if (backends_.empty()) {
        fallbackBackend_ = spec.backend;
    } else {
        const auto match = std::find_if(backends_.begin(), backends_.end(),
                                        [&](const BackendChoice& c) { return c.backend == spec.backend; });
        if (match != backends_.end()) backendCombo_->setCurrentIndex(int(match - backends_.begin()));
    }
    catalog_ = q4::kernelCatalog(selectedBackend().backend);
    const bool allKernels = spec.kernels == std::vector<std::string>{"all"};
    fillKernelList(kernelList_, catalog_, allKernels ? catalogIds() : spec.kernels,
                   allKernels ? std::vector<std::string>{} : spec.kernels);

    mEdit_->setText(joinValues(spec.m));
    nEdit_->setText(joinValues(spec.n));
    kEdit_->setText(joinValues(spec.k));
    presetRadio_->setChecked(!spec.preset.empty());
    sizesRadio_->setChecked(spec.preset.empty());
    if (!spec.preset.empty()) {
        const QString name = QString::fromStdString(spec.preset);
        if (presetCombo_->findData(name) < 0) presetCombo_->addItem(name, name);  // validation names it unknown
        selectData(presetCombo_, name);
    }

    groupEdit_->setText(joinValues(spec.groupSizes));
    selectData(actOrderCombo_, QString::fromStdString(q4::toString(spec.actOrder)));
    const bool onlySymmetric = spec.symmetric == std::vector<bool>{true};
    const bool onlyAsymmetric = spec.symmetric == std::vector<bool>{false};
    selectData(symmetricCombo_, onlySymmetric ? "yes" : onlyAsymmetric ? "no" : "both");
    selectData(zeroFormatCombo_, QString::fromStdString(q4::toString(spec.zeroFormat)));

    const q4::TimingOptions& t = spec.timing;
    warmupSpin_->setValue(t.warmup);
    minSamplesSpin_->setValue(t.minSamples);
    setExactValue(maxNoiseSpin_, t.maxNoise, 100);  // shown in percent
    setExactValue(minTimeSpin_, t.minTimeSeconds);
    setExactValue(timeoutSpin_, t.timeoutSeconds);
    selectData(l2Combo_, t.coldL2 ? "cold" : "hot");
    cudaGraphCheck_->setChecked(t.cudaGraph);
    seedEdit_->setText(QString::number(spec.seed));
    setExactValue(toleranceSpin_, spec.tolerance);

    filling_ = false;
    setHelpToolTip(presetCombo_, presetCombo_->currentData(Qt::ToolTipRole).toString());
    updateModeAndBackendState();
    revalidate();
}

bool SweepPanel::isValid() const { return valid_; }

QString SweepPanel::validationMessage() const { return message_; }

int SweepPanel::pointCount() const { return valid_ ? points_ * kernelCount_ : 0; }

double SweepPanel::estimatedSeconds() const {
    const q4::TimingOptions& t = spec_.timing;
    const double sampling = std::min(t.timeoutSeconds, std::max(t.minTimeSeconds, kSampleFloorSeconds));
    return pointCount() * (sampling + kPrepareSeconds);
}

QString SweepPanel::summaryText() const {
    if (!valid_) return tr("No runnable sweep: fix the marked fields");
    return QStringLiteral("%1 × %2 = %3, ≈ %4")
        .arg(plural(points_, tr("point")), plural(kernelCount_, tr("kernel")), plural(pointCount(), tr("record")),
             formatDuration(estimatedSeconds()));
}

q4::SweepSpec SweepPanel::readFields(QStringList& errors) {
    q4::SweepSpec spec;
    // A list field that does not parse leaves its axis empty; in preset mode n and k are not
    // used and keep their defaults.
    const bool presetMode = presetRadio_->isChecked();
    auto readAxis = [&](QLineEdit* edit, const char* name, std::vector<std::int64_t>& axis, bool used) {
        auto values = q4::parseIntList(edit->text().toStdString(), name);
        if (values) {
            axis = *values;
        } else if (used) {
            axis.clear();
            report(edit, values.error(), errors);
        }
    };
    readAxis(mEdit_, "m", spec.m, true);
    readAxis(nEdit_, "n", spec.n, !presetMode);
    readAxis(kEdit_, "k", spec.k, !presetMode);
    if (presetMode) spec.preset = presetCombo_->currentData().toString().toStdString();

    if (auto groups = parseGroupSizes(groupEdit_->text())) {
        spec.groupSizes = *groups;
    } else {
        spec.groupSizes.clear();
        report(groupEdit_, groups.error(), errors);
    }
    spec.actOrder = q4::parseActOrder(actOrderCombo_->currentData().toString().toStdString()).value();
    const QString symmetric = symmetricCombo_->currentData().toString();
    spec.symmetric = symmetric == "yes" ? std::vector<bool>{true}
                     : symmetric == "no" ? std::vector<bool>{false}
                                         : std::vector<bool>{true, false};
    spec.zeroFormat = q4::parseZeroFormat(zeroFormatCombo_->currentData().toString().toStdString()).value();

    spec.kernels = allKernelsChecked(kernelList_) ? std::vector<std::string>{"all"} : checkedKernelIds(kernelList_);
    spec.backend = selectedBackend().backend;

    if (auto seed = parseSeed(seedEdit_->text())) spec.seed = *seed;
    else report(seedEdit_, seed.error(), errors);
    spec.tolerance = exactValue(toleranceSpin_);

    q4::TimingOptions& t = spec.timing;
    t.warmup = warmupSpin_->value();
    t.minSamples = minSamplesSpin_->value();
    t.maxNoise = exactValue(maxNoiseSpin_, 100);
    t.minTimeSeconds = exactValue(minTimeSpin_);
    t.timeoutSeconds = exactValue(timeoutSpin_);
    t.coldL2 = l2Combo_->currentData().toString() == "cold";
    t.cudaGraph = cudaGraphCheck_->isChecked();
    return spec;
}

QWidget* SweepPanel::fieldWidget(SpecField field) const {
    const bool presetMode = presetRadio_->isChecked();
    switch (field) {
        case SpecField::M: return mEdit_;
        case SpecField::N: return presetMode ? static_cast<QWidget*>(presetCombo_) : nEdit_;
        case SpecField::K: return presetMode ? static_cast<QWidget*>(presetCombo_) : kEdit_;
        case SpecField::Preset: return presetCombo_;
        case SpecField::GroupSizes: return groupEdit_;
        case SpecField::Warmup: return warmupSpin_;
        case SpecField::MinSamples: return minSamplesSpin_;
        case SpecField::MinTime: return minTimeSpin_;
        case SpecField::MaxNoise: return maxNoiseSpin_;
        case SpecField::Timeout: return timeoutSpin_;
        case SpecField::Tolerance: return toleranceSpin_;
        case SpecField::Seed: return seedEdit_;
        case SpecField::Kernels: return kernelList_;
        case SpecField::None: break;
    }
    return nullptr;
}

QLabel* SweepPanel::sectionLabel(const QWidget* field) const {
    if (field == mEdit_ || field == nEdit_ || field == kEdit_ || field == presetCombo_) return shapesError_;
    if (field == groupEdit_) return quantizationError_;
    if (field == kernelList_) return kernelsError_;
    return timingError_;
}

void SweepPanel::report(QWidget* field, const std::string& message, QStringList& errors) {
    const QString text = QString::fromStdString(message);
    errors << text;
    if (!field) return;  // not about one field: only the panel-level label shows it
    markField(field, text);
    QLabel* section = sectionLabel(field);
    section->setText(section->text().isEmpty() ? text : section->text() + '\n' + text);
    section->show();
}

void SweepPanel::checkWithEngine(QStringList& errors) {
    const std::int64_t count = countPoints(spec_);
    if (count > kMaxPoints) {
        report(nullptr,
               "the sweep has " + std::to_string(count) + " points, more than " + std::to_string(kMaxPoints) +
                   ": narrow m, n or k",
               errors);
        return;
    }
    const std::vector<std::string> known = catalogIds();
    // No memory limit: the device is not known here; the run checks sizes against it.
    auto points = q4::expandSweep(spec_, known, 0);
    if (!points) {
        report(fieldWidget(fieldOfMessage(points.error())), points.error(), errors);
        return;
    }
    points_ = int(points->size());
    kernelCount_ = int(q4::selectedKernels(spec_, known).size());
}

void SweepPanel::revalidate() {
    if (filling_) return;
    for (QWidget* field : std::initializer_list<QWidget*>{
             mEdit_, nEdit_, kEdit_, presetCombo_, groupEdit_, kernelList_, warmupSpin_, minSamplesSpin_, maxNoiseSpin_,
             minTimeSpin_, timeoutSpin_, seedEdit_, toleranceSpin_})
        markField(field, QString());
    for (QLabel* label : {shapesError_, quantizationError_, kernelsError_, timingError_}) {
        label->clear();
        label->hide();
    }

    QStringList errors;
    spec_ = readFields(errors);
    points_ = 0;
    kernelCount_ = 0;
    // The seed does not shape the sweep: the engine's checks still run when only it is bad.
    if (errors.isEmpty() || (errors.size() == 1 && isMarked(seedEdit_))) checkWithEngine(errors);

    message_ = errors.join('\n');
    errorLabel_->setText(message_);
    errorLabel_->setVisible(!message_.isEmpty());
    const bool wasValid = valid_;
    valid_ = errors.isEmpty();
    summaryLabel_->setText(summaryText());

    emit specChanged();
    if (valid_ != wasValid) emit validityChanged(valid_);
}

}  // namespace q4ui
