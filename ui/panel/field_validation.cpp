#include "panel/field_validation.h"

#include <QVariant>
#include <QWidget>

namespace q4ui {

namespace {

constexpr char kHelpProperty[] = "helpToolTip";
constexpr char kInvalidProperty[] = "invalid";

}  // namespace

void markField(QWidget* field, const QString& message) {
    if (!field->property(kHelpProperty).isValid()) field->setProperty(kHelpProperty, field->toolTip());
    const bool invalid = !message.isEmpty();
    if (invalid == isMarked(field) && (!invalid || field->toolTip() == message)) return;
    field->setProperty(kInvalidProperty, invalid);
    // Scoped to the widget's own class so child widgets (a spin box's line edit) keep their look.
    field->setStyleSheet(invalid ? QStringLiteral("%1 { border: 1px solid #d32f2f; }")
                                       .arg(QString::fromLatin1(field->metaObject()->className()))
                                 : QString());
    field->setToolTip(invalid ? message : field->property(kHelpProperty).toString());
}

bool isMarked(const QWidget* field) { return field->property(kInvalidProperty).toBool(); }

void setHelpToolTip(QWidget* field, const QString& help) {
    field->setProperty(kHelpProperty, help);
    if (!isMarked(field)) field->setToolTip(help);
}

}  // namespace q4ui
