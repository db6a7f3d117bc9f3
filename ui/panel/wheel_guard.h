#pragma once
// Wheel input only for the field that has focus: scrolling the panel must not change a spin box
// or combo box that happens to pass under the cursor. An unfocused field ignores the wheel, so
// the event goes on to the scroll area, which scrolls.
class QWidget;

namespace q4ui {

// Gives field Qt::StrongFocus (a wheel no longer focuses it) and filters its wheel events.
void guardWheel(QWidget* field);
// guardWheel for every spin box and combo box under root.
void guardWheelInChildren(QWidget* root);

}  // namespace q4ui
