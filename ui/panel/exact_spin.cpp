#include "panel/exact_spin.h"

#include <QDoubleSpinBox>
#include <QVariant>

namespace q4ui {
namespace {

double displayScale(const QDoubleSpinBox* spin) {
    const QVariant scale = spin->property("displayScale");
    return scale.isValid() ? scale.toDouble() : 1.0;
}

}  // namespace

void setDisplayScale(QDoubleSpinBox* spin, double scale) { spin->setProperty("displayScale", scale); }

void setExactValue(QDoubleSpinBox* spin, double value) {
    spin->setValue(value * displayScale(spin));
    spin->setProperty("exactValue", value);
    spin->setProperty("shownValue", spin->value());
}

double exactValue(const QDoubleSpinBox* spin) {
    const QVariant shown = spin->property("shownValue");
    if (shown.isValid() && shown.toDouble() == spin->value()) return spin->property("exactValue").toDouble();
    return spin->value() / displayScale(spin);
}

}  // namespace q4ui
