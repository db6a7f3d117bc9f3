#pragma once
// A QDoubleSpinBox rounds to its decimals and may show a scaled value (0.5 % for a noise of
// 0.005). These keep the exact value a spec set until the user edits the box, so a loaded
// spec saves back unchanged.
class QDoubleSpinBox;

namespace q4ui {

void setExactValue(QDoubleSpinBox* spin, double value, double scale = 1.0);
double exactValue(const QDoubleSpinBox* spin, double scale = 1.0);

}  // namespace q4ui
