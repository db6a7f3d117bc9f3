#include "panel/exact_spin.h"

#include <QDoubleSpinBox>
#include <QVariant>

namespace q4ui {

void setExactValue(QDoubleSpinBox* spin, double value, double scale) {
    spin->setValue(value * scale);
    spin->setProperty("exactValue", value);
    spin->setProperty("shownValue", spin->value());
}

double exactValue(const QDoubleSpinBox* spin, double scale) {
    const QVariant shown = spin->property("shownValue");
    if (shown.isValid() && shown.toDouble() == spin->value()) return spin->property("exactValue").toDouble();
    return spin->value() / scale;
}

}  // namespace q4ui
