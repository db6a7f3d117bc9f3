#include "panel/wheel_guard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QObject>
#include <QWidget>

namespace q4ui {
namespace {

class WheelGuard : public QObject {
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::Wheel) return false;
        auto* widget = qobject_cast<QWidget*>(watched);
        if (!widget || widget->hasFocus()) return false;
        // Handled here but not accepted: QApplication passes it on to the parents.
        event->ignore();
        return true;
    }
};

}  // namespace

void guardWheel(QWidget* field) {
    field->setFocusPolicy(Qt::StrongFocus);
    field->installEventFilter(new WheelGuard(field));
}

void guardWheelInChildren(QWidget* root) {
    for (QAbstractSpinBox* spin : root->findChildren<QAbstractSpinBox*>()) guardWheel(spin);
    for (QComboBox* combo : root->findChildren<QComboBox*>()) guardWheel(combo);
}

}  // namespace q4ui
