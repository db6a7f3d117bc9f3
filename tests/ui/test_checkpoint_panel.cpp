// The sweep panel's Checkpoint mode and the inspect dialog, on checkpoints the test writer makes.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QRadioButton>
#include <QTableWidget>

#include "../support/test_checkpoint.h"
#include "checkpoint/checkpoint_summary.h"
#include "panel/checkpoint_dialog.h"
#include "panel/sweep_panel.h"

namespace {

std::vector<q4ui::BackendChoice> cpuOnly() { return {{"CPU (no CUDA device)", "cpu", 0}}; }

template <class T>
T* panelChild(const QWidget& parent, const char* name) {
    T* widget = parent.findChild<T*>(name);
    EXPECT_NE(widget, nullptr) << name;
    return widget;
}

TEST(CheckpointPanel, ChoosingACheckpointListsItsLayersAndTakesItsQuantization) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("panel", "--act-order --group 32");
    ASSERT_FALSE(dir.empty());
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    panelChild<QRadioButton>(panel, "checkpointRadio")->setChecked(true);
    EXPECT_FALSE(panel.isValid());  // no directory yet
    EXPECT_EQ(panel.fieldWidget("checkpoint"), panelChild<QLineEdit>(panel, "checkpointEdit"));

    panelChild<QLineEdit>(panel, "checkpointEdit")->setText(QString::fromStdString(dir.string()));
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    auto* layers = panelChild<QListWidget>(panel, "checkpointLayers");
    EXPECT_EQ(layers->count(), 14);
    EXPECT_TRUE(layers->item(0)->text().startsWith("model.layers.0.self_attn.q_proj"));
    EXPECT_TRUE(layers->item(0)->text().contains("act-order"));
    EXPECT_EQ(panel.spec().checkpoint, dir.string());
    EXPECT_EQ(panel.spec().groupSizes, (std::vector<int>{128}));  // the spec's axis stays at its default
    EXPECT_FALSE(panelChild<QLineEdit>(panel, "groupEdit")->isEnabled());
    EXPECT_FALSE(panelChild<QLineEdit>(panel, "nEdit")->isEnabled());

    panelChild<QLineEdit>(panel, "layersEdit")->setText("mlp\\.down");
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    EXPECT_EQ(layers->count(), 2);
    panelChild<QLineEdit>(panel, "layersEdit")->setText("(");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("not a valid regular expression"));
    EXPECT_EQ(layers->count(), 0);
    panelChild<QLineEdit>(panel, "layersEdit")->clear();
    panelChild<QCheckBox>(panel, "uniqueShapesCheck")->setChecked(true);
    ASSERT_TRUE(panel.isValid());
    EXPECT_EQ(layers->count(), 4);  // q, k (v shares it), gate (up), down; o shares q's shape

    // Back to sizes: the checkpoint no longer counts.
    panelChild<QRadioButton>(panel, "sizesRadio")->setChecked(true);
    EXPECT_TRUE(panel.spec().checkpoint.empty());
    EXPECT_FALSE(panel.spec().uniqueShapes);
    std::filesystem::remove_all(dir);
}

TEST(CheckpointPanel, AMissingDirectoryMarksTheCheckpointField) {
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    panelChild<QRadioButton>(panel, "checkpointRadio")->setChecked(true);
    panelChild<QLineEdit>(panel, "checkpointEdit")->setText("/no/such/checkpoint");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("/no/such/checkpoint")) << panel.validationMessage().toStdString();
    EXPECT_TRUE(panelChild<QLineEdit>(panel, "checkpointEdit")->property("invalid").toBool());
}

TEST(CheckpointPanel, ASpecWithACheckpointLoadsInCheckpointMode) {
    q4::SweepSpec spec;
    spec.checkpoint = "/models/llama";
    spec.layers = "q_proj";
    spec.uniqueShapes = true;
    q4ui::SweepPanel panel;
    panel.setBackends(cpuOnly());
    panel.setSpec(spec);
    EXPECT_TRUE(panelChild<QRadioButton>(panel, "checkpointRadio")->isChecked());
    EXPECT_EQ(panelChild<QLineEdit>(panel, "checkpointEdit")->text(), "/models/llama");
    EXPECT_EQ(panelChild<QLineEdit>(panel, "layersEdit")->text(), "q_proj");
    EXPECT_TRUE(panelChild<QCheckBox>(panel, "uniqueShapesCheck")->isChecked());
}

TEST(CheckpointDialog, ShowsEveryLayerAndTheArchitecture) {
    if (!q4test::havePython()) GTEST_SKIP() << "python3 is needed to write test checkpoints";
    const auto dir = q4test::writeTestCheckpoint("dialog", "--fused --format v2");
    ASSERT_FALSE(dir.empty());
    auto checkpoint = q4::Checkpoint::open(dir.string());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.error();
    auto summary = q4::summarizeCheckpoint(*checkpoint);
    ASSERT_TRUE(summary.ok()) << summary.error();
    q4ui::CheckpointDialog dialog(*summary);
    const QTableWidget* table = dialog.table();
    ASSERT_EQ(table->rowCount(), 8);  // 2 layers x (qkv, o, gate_up, down)
    EXPECT_EQ(table->item(0, 0)->text(), "model.layers.0.self_attn.qkv_proj");
    EXPECT_EQ(table->item(0, 5)->text(), "v2");
    EXPECT_GT(table->item(0, 7)->text().toDouble(), 0.0);
    EXPECT_TRUE(panelChild<QLabel>(dialog, "checkpointArchitecture")->text().contains("hidden 256"));
    std::filesystem::remove_all(dir);
}

}  // namespace
