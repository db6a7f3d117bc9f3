// The sweep panel takes only what the user means: the wheel changes a field only when it has
// focus, the engine's full rules (device memory included) decide validity, ranges stay as typed.
#include <QtTest/qtestspontaneevent.h>
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QTest>
#include <QWheelEvent>

#include "io/json_io.h"
#include "panel/sweep_panel.h"

namespace {

// A wheel notch over the widget's centre, delivered as the platform would: spontaneous, to the
// widget under the cursor, and passed on to its parents while ignored (as QTest sends keys).
void wheel(QWidget* widget, int notches) {
    const QPointF local = QRectF(widget->rect()).center();
    QWheelEvent event(local, widget->mapToGlobal(local), QPoint(), QPoint(0, 120 * notches), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QSpontaneKeyEvent::setSpontaneous(&event);
    qApp->notify(widget, &event);
}

TEST(PanelInput, WheelOverAnUnfocusedFieldScrollsThePanel) {
    q4ui::SweepPanel panel;
    panel.resize(420, 260);  // far shorter than its fields: the scroll area scrolls
    panel.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
    auto* warmup = panel.findChild<QSpinBox*>("warmupSpin");
    auto* l2 = panel.findChild<QComboBox*>("l2Combo");
    auto* scroll = panel.findChild<QScrollArea*>();
    ASSERT_TRUE(warmup && l2 && scroll);
    scroll->ensureWidgetVisible(warmup);
    QScrollBar* bar = scroll->verticalScrollBar();
    ASSERT_GT(bar->maximum(), 0);
    const int before = bar->value();
    const int l2Index = l2->currentIndex();
    ASSERT_EQ(warmup->value(), 3);

    wheel(warmup, -1);
    EXPECT_EQ(warmup->value(), 3);
    EXPECT_NE(bar->value(), before);  // the panel scrolled instead
    scroll->ensureWidgetVisible(l2);
    wheel(l2, -1);
    EXPECT_EQ(l2->currentIndex(), l2Index);
    EXPECT_EQ(warmup->focusPolicy(), Qt::StrongFocus);  // a wheel does not focus it either
    EXPECT_EQ(l2->focusPolicy(), Qt::StrongFocus);

    // Focused, the field takes the wheel.
    panel.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&panel));
    warmup->setFocus();
    ASSERT_TRUE(warmup->hasFocus());
    scroll->ensureWidgetVisible(warmup);
    wheel(warmup, 1);
    EXPECT_EQ(warmup->value(), 4);
    EXPECT_EQ(panel.spec().timing.warmup, 4);
}

TEST(PanelInput, SizesTheDeviceCannotHoldAreRejectedBeforeRunning) {
    q4ui::SweepPanel panel;
    panel.setBackends({{"CPU with 16 GiB", "cpu", 0, std::int64_t(16) << 30}});
    ASSERT_TRUE(panel.isValid()) << panel.validationMessage().toStdString();
    panel.findChild<QLineEdit*>("mEdit")->setText("1000000000000");
    EXPECT_FALSE(panel.isValid());
    EXPECT_TRUE(panel.validationMessage().contains("needs")) << panel.validationMessage().toStdString();
    EXPECT_EQ(panel.pointCount(), 0);

    // The registry's own CPU device: its memory is this host's, far below what m = 10^12 needs.
    q4ui::SweepPanel standalone;
    standalone.findChild<QLineEdit*>("mEdit")->setText("1000000000000");
    EXPECT_FALSE(standalone.isValid());
    EXPECT_TRUE(standalone.validationMessage().contains("needs")) << standalone.validationMessage().toStdString();
}

TEST(PanelInput, RangesComeBackAsTyped) {
    q4::SweepSpec base;
    base.backend = "cpu";
    base.m = {1, 2, 4, 8, 16, 32, 64};
    base.n = {512};
    base.k = {512};
    // A sweep file with the m range as a string, as the engine's reader accepts it.
    std::string json = q4::sweepSpecToJson(base);
    QJsonObject object = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
    object["m"] = "1:64:x2";
    json = QJsonDocument(object).toJson().toStdString();
    auto spec = q4::sweepSpecFromJson(json);
    ASSERT_TRUE(spec.ok()) << spec.error();

    q4ui::SweepPanel panel;
    panel.setSpec(spec.value(), q4ui::typedRangesIn(json));
    EXPECT_EQ(panel.findChild<QLineEdit*>("mEdit")->text(), "1:64:x2");
    EXPECT_EQ(panel.findChild<QLineEdit*>("nEdit")->text(), "512");
    EXPECT_EQ(panel.spec().m, base.m);

    // Saved, the range stays a range, and reads back to the same points.
    const std::string saved = panel.specJson();
    EXPECT_EQ(QJsonDocument::fromJson(QByteArray::fromStdString(saved)).object()["m"].toString(), "1:64:x2") << saved;
    auto reread = q4::sweepSpecFromJson(saved);
    ASSERT_TRUE(reread.ok()) << reread.error();
    EXPECT_EQ(reread->m, base.m);
    EXPECT_EQ(reread->seed, panel.spec().seed);
}

TEST(PanelInput, ActOrderReadsNoYesBoth) {
    q4ui::SweepPanel panel;
    auto* combo = panel.findChild<QComboBox*>("actOrderCombo");
    ASSERT_NE(combo, nullptr);
    QStringList items;
    for (int i = 0; i < combo->count(); ++i) items << combo->itemText(i);
    EXPECT_EQ(items, (QStringList{"no", "yes", "both"}));
}

}  // namespace
