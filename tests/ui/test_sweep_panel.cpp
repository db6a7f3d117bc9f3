#include <gtest/gtest.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include "backend/backend_registry.h"
#include "io/json_io.h"
#include "panel/sweep_panel.h"
#include "sweep/presets.h"
#include "sweep/spec_fields.h"

namespace {

std::vector<q4ui::BackendChoice> cpuOnly() { return {{"CPU (no CUDA device)", "cpu", 0}}; }

template <class T>
T* child(const QWidget& panel, const char* name) {
    T* widget = panel.findChild<T*>(name);
    EXPECT_NE(widget, nullptr) << name;
    return widget;
}

void setText(const QWidget& panel, const char* name, const QString& text) { child<QLineEdit>(panel, name)->setText(text); }

bool marked(const QWidget* field) { return field->property("invalid").toBool() && !field->styleSheet().isEmpty(); }

// A backend's kernels as the registry lists them; none when this build lacks the backend.
std::vector<q4::KernelInfo> kernelsOf(const std::string& backend) {
    const q4::BackendFactory* factory = q4::BackendRegistry::instance().find(backend);
    return factory ? factory->kernels() : std::vector<q4::KernelInfo>{};
}

TEST(SweepPanel, DefaultIsTheOriginalComparison) {
    q4ui::SweepPanel panel;
    EXPECT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    EXPECT_TRUE(panel.validationMessage().isEmpty());

    q4::SweepSpec expected;
    expected.actOrder = q4::YesNoBoth::Both;
    EXPECT_EQ(q4::sweepSpecToJson(panel.spec()), q4::sweepSpecToJson(expected));
    EXPECT_EQ(panel.spec().m, (std::vector<std::int64_t>{1}));
    EXPECT_EQ(panel.spec().k, (std::vector<std::int64_t>{8192}));
}

TEST(SweepPanel, ParsesRangesAsTheyAreTyped) {
    q4ui::SweepPanel panel;
    QSignalSpy changed(&panel, &q4ui::SweepPanel::specChanged);
    QLineEdit* m = child<QLineEdit>(panel, "mEdit");
    m->clear();
    QTest::keyClicks(m, "1:16:x2");
    EXPECT_GE(changed.count(), 7);  // one per keystroke
    EXPECT_TRUE(panel.isValid());
    EXPECT_EQ(panel.spec().m, (std::vector<std::int64_t>{1, 2, 4, 8, 16}));
    setText(panel, "nEdit", "256:1024:+256");
    EXPECT_EQ(panel.spec().n, (std::vector<std::int64_t>{256, 512, 768, 1024}));
    EXPECT_TRUE(panel.isValid());
}

TEST(SweepPanel, BadListsAreMarkedWithTheParserMessage) {
    q4ui::SweepPanel panel;
    QLineEdit* m = child<QLineEdit>(panel, "mEdit");

    m->setText("0");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("m: '0' must be >= 1")) << panel.validationMessage().toStdString();
    EXPECT_TRUE(marked(m));
    EXPECT_EQ(m->toolTip(), panel.validationMessage());
    EXPECT_EQ(panel.pointCount(), 0);

    m->setText("abc");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("'abc'"));
    EXPECT_FALSE(child<QLabel>(panel, "errorLabel")->isHidden());

    m->setText("4");
    EXPECT_TRUE(panel.isValid());
    EXPECT_FALSE(marked(m));
    EXPECT_TRUE(child<QLabel>(panel, "errorLabel")->isHidden());
}

TEST(SweepPanel, EngineRuleMarksTheFieldItNames) {
    q4ui::SweepPanel panel;
    QSignalSpy validity(&panel, &q4ui::SweepPanel::validityChanged);
    QLineEdit* k = child<QLineEdit>(panel, "kEdit");

    k->setText("100");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("k=100"));
    EXPECT_TRUE(panel.validationMessage().contains("group size 128"));
    EXPECT_TRUE(marked(k));
    EXPECT_FALSE(marked(child<QLineEdit>(panel, "groupEdit")));
    ASSERT_EQ(validity.count(), 1);
    EXPECT_FALSE(validity.takeFirst().at(0).toBool());

    k->setText("1000");  // still invalid: no second signal
    EXPECT_EQ(validity.count(), 0);

    k->setText("1024");
    EXPECT_TRUE(panel.isValid());
    EXPECT_FALSE(marked(k));
    ASSERT_EQ(validity.count(), 1);
    EXPECT_TRUE(validity.takeFirst().at(0).toBool());
}

TEST(SweepPanel, GroupSizesAndTimingRulesComeFromTheEngine) {
    q4ui::SweepPanel panel;
    setText(panel, "groupEdit", "32,64,128,-1");
    EXPECT_TRUE(panel.isValid());
    EXPECT_EQ(panel.spec().groupSizes, (std::vector<int>{32, 64, 128, -1}));

    setText(panel, "groupEdit", "100");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(marked(child<QLineEdit>(panel, "groupEdit")));
    setText(panel, "groupEdit", "128");

    auto* minTime = child<QDoubleSpinBox>(panel, "minTimeSpin");
    auto* timeout = child<QDoubleSpinBox>(panel, "timeoutSpin");
    minTime->setValue(5);
    timeout->setValue(2);
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().startsWith("timing.timeout_s=")) << panel.validationMessage().toStdString();
    EXPECT_TRUE(marked(timeout));
    timeout->setValue(20);
    EXPECT_TRUE(panel.isValid());

    auto* noise = child<QDoubleSpinBox>(panel, "maxNoiseSpin");
    noise->setValue(2);  // percent
    EXPECT_DOUBLE_EQ(panel.spec().timing.maxNoise, 0.02);

    setText(panel, "seedEdit", "-1");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(marked(child<QLineEdit>(panel, "seedEdit")));
    setText(panel, "kEdit", "100");  // a bad seed does not hide the engine's shape rules
    EXPECT_TRUE(panel.validationMessage().contains("k=100"));
    EXPECT_TRUE(marked(child<QLineEdit>(panel, "kEdit")));
    setText(panel, "kEdit", "8192");
    setText(panel, "seedEdit", "18446744073709551615");
    EXPECT_TRUE(panel.isValid());
    EXPECT_EQ(panel.spec().seed, 18446744073709551615ull);
}

TEST(SweepPanel, PresetGivesThePresetsLayers) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    q4::SweepSpec spec = panel.spec();
    spec.preset = "llama2-7b";
    spec.m = {1, 2};
    spec.actOrder = q4::YesNoBoth::No;
    panel.setSpec(spec);

    auto* presetCombo = child<QComboBox>(panel, "presetCombo");
    EXPECT_EQ(presetCombo->currentText(), "llama2-7b");
    EXPECT_TRUE(presetCombo->isEnabled());
    EXPECT_FALSE(child<QLineEdit>(panel, "nEdit")->isEnabled());
    EXPECT_TRUE(presetCombo->toolTip().contains("gate_proj"));
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();

    const auto preset = q4::findPreset("llama2-7b");
    ASSERT_TRUE(preset.ok());
    EXPECT_EQ(panel.spec().preset, "llama2-7b");
    EXPECT_EQ(panel.pointCount(), int(preset->layers.size()) * 2 * 2);  // layers x m x cpu kernels

    // A bad k in the disabled sizes fields does not matter in preset mode.
    setText(panel, "kEdit", "100");
    EXPECT_TRUE(panel.isValid());
}

TEST(SweepPanel, KernelChecklistFollowsTheBackend) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    auto* list = child<QListWidget>(panel, "kernelList");
    const auto catalog = kernelsOf("cpu");
    ASSERT_EQ(list->count(), int(catalog.size()));
    EXPECT_EQ(panel.spec().kernels, (std::vector<std::string>{"all"}));
    for (int row = 0; row < list->count(); ++row) {
        EXPECT_TRUE(list->item(row)->toolTip().contains("Constraints: "));
        EXPECT_TRUE(list->item(row)->toolTip().contains(QString::fromStdString(catalog[std::size_t(row)].constraints)));
    }

    list->item(0)->setCheckState(Qt::Unchecked);
    EXPECT_TRUE(panel.isValid());
    std::vector<std::string> rest;
    for (std::size_t i = 1; i < catalog.size(); ++i) rest.push_back(catalog[i].id);
    EXPECT_EQ(panel.spec().kernels, rest);

    for (int row = 1; row < list->count(); ++row) list->item(row)->setCheckState(Qt::Unchecked);
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("kernel list is empty"));
    EXPECT_TRUE(marked(list));
}

TEST(SweepPanel, UnknownKernelsFromASpecAreShownAndRejected) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    q4::SweepSpec spec = panel.spec();
    spec.kernels = {"cpu_int4_fused", "gptq_naive"};
    panel.setSpec(spec);
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("unknown kernel 'gptq_naive'"));
    EXPECT_TRUE(marked(child<QListWidget>(panel, "kernelList")));
    EXPECT_EQ(panel.spec().kernels, spec.kernels);
}

TEST(SweepPanel, CpuOnlyShowsTheNoGpuNoteAndDisablesGraphs) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    auto* note = child<QLabel>(panel, "noGpuLabel");
    EXPECT_FALSE(note->isHidden());
    EXPECT_TRUE(note->text().contains("No GPU found"));
    EXPECT_FALSE(child<QWidget>(panel, "cudaGraphCheck")->isEnabled());
    EXPECT_EQ(panel.selectedBackend().backend, "cpu");
    EXPECT_EQ(panel.spec().backend, "cpu");

    panel.setBackends({{"GPU (cuda:0)", "cuda", 0}, {"CPU", "cpu", 0}});
    EXPECT_TRUE(note->isHidden());
    EXPECT_TRUE(child<QWidget>(panel, "cudaGraphCheck")->isEnabled());
    auto* list = child<QListWidget>(panel, "kernelList");
    const auto cudaCatalog = kernelsOf("cuda");
    ASSERT_EQ(list->count(), int(cudaCatalog.size()));
    for (int row = 0; row < list->count(); ++row) {
        const bool ranked = cudaCatalog[std::size_t(row)].ranked;
        EXPECT_EQ(list->item(row)->toolTip().contains("Reference: not ranked"), !ranked);
    }
    // A backend this build lacks is the backend field's error.
    const bool cudaBuilt = q4::BackendRegistry::instance().find("cuda") != nullptr;
    EXPECT_EQ(marked(child<QComboBox>(panel, "backendCombo")), !cudaBuilt) << panel.validationMessage().toStdString();

    child<QComboBox>(panel, "backendCombo")->setCurrentIndex(1);
    EXPECT_EQ(panel.spec().backend, "cpu");
    EXPECT_EQ(list->count(), int(kernelsOf("cpu").size()));
}

TEST(SweepPanel, SetSpecRoundTrips) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    q4::SweepSpec spec;
    spec.m = {1, 3, 7};
    spec.n = {4096, 11008};
    spec.k = {4096};
    spec.groupSizes = {64, -1};
    spec.actOrder = q4::YesNoBoth::Yes;
    spec.symmetric = {false};
    spec.zeroFormat = q4::ZeroFormat::V2;
    spec.sparsity = {q4::Sparsity::Sparse16of32, q4::Sparsity::None};
    spec.kernels = {"cpu_int4_fused"};
    spec.backend = "cpu";
    spec.seed = 987654321;
    spec.tolerance = 0.0123456789;  // more digits than the box shows
    spec.timing.warmup = 7;
    spec.timing.minSamples = 25;
    spec.timing.minTimeSeconds = 0.25;
    spec.timing.maxNoise = 0.00321;
    spec.timing.timeoutSeconds = 30;
    spec.timing.l2 = q4::L2Mode::Hot;
    spec.timing.cudaGraph = true;

    panel.setSpec(spec);
    EXPECT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    EXPECT_EQ(q4::sweepSpecToJson(panel.spec()), q4::sweepSpecToJson(spec));

    spec.preset = "llama2-13b";
    panel.setSpec(spec);
    EXPECT_EQ(q4::sweepSpecToJson(panel.spec()), q4::sweepSpecToJson(spec));
}

TEST(SweepPanel, SparsityIsAnAxisAndAllFollowsIt) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    setText(panel, "mEdit", "1");
    setText(panel, "kEdit", "4096");
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    EXPECT_EQ(panel.pointCount(), 4);  // act-order both x the 2 dense cpu kernels: the sparse one has no point
    setText(panel, "sparsityEdit", "none,2:4");
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    EXPECT_EQ(panel.spec().sparsity, (std::vector<q4::Sparsity>{q4::Sparsity::None, q4::Sparsity::Sparse2of4}));
    EXPECT_EQ(panel.pointCount(), 12);  // 4 points x 3 cpu kernels
    setText(panel, "sparsityEdit", "2:4,1:2");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(marked(child<QLineEdit>(panel, "sparsityEdit")));
    EXPECT_TRUE(panel.validationMessage().contains("'1:2'")) << panel.validationMessage().toStdString();
    setText(panel, "sparsityEdit", "16:32");
    setText(panel, "groupEdit", "-1");
    setText(panel, "kEdit", "4104");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("not a multiple of 32")) << panel.validationMessage().toStdString();
}

TEST(SweepPanel, CountsPointsTimesKernels) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    setText(panel, "mEdit", "1,2");
    ASSERT_TRUE(panel.isValid());
    EXPECT_EQ(panel.pointCount(), 8);  // m {1,2} x act-order both x 2 cpu kernels
    EXPECT_GT(panel.estimatedSeconds(), 0);
    const QString summary = child<QLabel>(panel, "summaryLabel")->text();
    EXPECT_TRUE(summary.contains("4 points")) << summary.toStdString();
    EXPECT_TRUE(summary.contains("8 records"));
    EXPECT_TRUE(summary.contains(QStringLiteral("≈")));
}

TEST(SweepPanel, RefusesSweepsTooLargeToExpand) {
    q4ui::SweepPanel panel;
    setText(panel, "mEdit", "1:10000:+1");
    setText(panel, "nEdit", "8:80000:+8");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("points, more than"));
}

TEST(SweepPanel, EveryEngineFieldHasAWidgetWithTheEnginesHelp) {
    q4ui::SweepPanel panel;
    for (const q4::SpecFieldInfo& info : q4::specFields()) {
        QWidget* widget = panel.fieldWidget(info.key);
        ASSERT_NE(widget, nullptr) << info.key;
        EXPECT_FALSE(widget->toolTip().isEmpty()) << info.key;
    }
    EXPECT_EQ(panel.fieldWidget("m")->toolTip(), QString::fromUtf8(q4::findSpecField("m")->help));
    EXPECT_EQ(panel.fieldWidget("timing.warmup")->toolTip(), QString::fromUtf8(q4::findSpecField("timing.warmup")->help));
    EXPECT_EQ(panel.fieldWidget("no_such_field"), nullptr);
}

TEST(SweepPanel, EngineErrorKeysMarkTheirFields) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    auto onlyMarked = [&](const std::string& key) {
        for (const q4::SpecFieldInfo& info : q4::specFields())
            if (marked(panel.fieldWidget(info.key)) != (info.key == key)) return false;
        return true;
    };

    // The expansion's rule: its error carries "k", whatever the message says.
    q4::SweepSpec spec = panel.spec();
    spec.k = {100};
    spec.groupSizes = {128};
    panel.setSpec(spec);
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(onlyMarked("k")) << panel.validationMessage().toStdString();
    EXPECT_EQ(panel.fieldWidget("k")->toolTip(), panel.validationMessage());

    // A spin box's value through the field reader: out of its rule, its box is marked.
    spec.k = {1024};
    panel.setSpec(spec);
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    auto* samples = child<QSpinBox>(panel, "minSamplesSpin");
    samples->setValue(0);
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().startsWith("timing.min_samples")) << panel.validationMessage().toStdString();
    EXPECT_TRUE(onlyMarked("timing.min_samples"));
    EXPECT_EQ(panel.fieldWidget("timing.min_samples"), samples);
    samples->setValue(10);
    EXPECT_TRUE(panel.isValid());

    auto* timeout = child<QDoubleSpinBox>(panel, "timeoutSpin");
    timeout->setValue(7200);  // above the engine's limit on sampling time
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(onlyMarked("timing.timeout_s")) << panel.validationMessage().toStdString();
    timeout->setValue(15);

    child<QDoubleSpinBox>(panel, "toleranceSpin")->setValue(0);
    EXPECT_TRUE(onlyMarked("tolerance")) << panel.validationMessage().toStdString();
    child<QDoubleSpinBox>(panel, "toleranceSpin")->setValue(0.01);
    EXPECT_TRUE(panel.isValid());
    EXPECT_TRUE(onlyMarked(""));
}

TEST(SweepPanel, ChoicesAreTheEnginesNames) {
    q4ui::SweepPanel panel;
    auto* actOrder = child<QComboBox>(panel, "actOrderCombo");
    QStringList names;
    for (int i = 0; i < actOrder->count(); ++i) names << actOrder->itemText(i);
    EXPECT_EQ(names, (QStringList{"no", "yes", "both"}));  // as the CLI says them
    actOrder->setCurrentIndex(actOrder->findData("yes"));
    EXPECT_EQ(panel.spec().actOrder, q4::YesNoBoth::Yes);

    // The L2 modes come from their name table: each item reads back as a mode, every mode is offered.
    auto* l2 = child<QComboBox>(panel, "l2Combo");
    for (int i = 0; i < l2->count(); ++i) {
        const auto mode = q4::valueOf<q4::L2Mode>(l2->itemData(i).toString().toStdString());
        ASSERT_TRUE(mode.has_value()) << l2->itemData(i).toString().toStdString();
        l2->setCurrentIndex(i);
        EXPECT_EQ(panel.spec().timing.l2, *mode);
    }
    EXPECT_GE(l2->findData(QString::fromUtf8(q4::nameOf(q4::L2Mode::Cold))), 0);
    EXPECT_GE(l2->findData(QString::fromUtf8(q4::nameOf(q4::L2Mode::Hot))), 0);
}

}  // namespace
