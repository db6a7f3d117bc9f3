#pragma once
// A QDoubleSpinBox rounds to its decimals and may show a scaled value (0.5 % for a noise of
// 0.005). These keep the exact value a spec set until the user edits the box, so a loaded
// spec saves back unchanged.
class QDoubleSpinBox;

namespace q4ui {

// The box shows value * scale; set once, when the box is made.
void setDisplayScale(QDoubleSpinBox* spin, double scale);
void setExactValue(QDoubleSpinBox* spin, double value);
double exactValue(const QDoubleSpinBox* spin);

}  // namespace q4ui
