#pragma once
// Marking a field invalid with the engine's message, and the help it shows while valid.
#include <QString>

class QWidget;

namespace q4ui {

// Red border, property "invalid" and the message as tooltip; an empty message restores the
// field's help tooltip (taken from the tooltip it had the first time it was marked).
void markField(QWidget* field, const QString& message);
bool isMarked(const QWidget* field);
// Sets the tooltip a field shows while it is valid.
void setHelpToolTip(QWidget* field, const QString& help);

}  // namespace q4ui
