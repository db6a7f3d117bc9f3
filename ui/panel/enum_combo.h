#pragma once
// A combo box over an enum's name table: one item per value, shown and stored by its canonical
// name (the name the CLI and sweep files use), so a value added to the table appears here.
#include <QComboBox>
#include <QString>

#include "common/enum_names.h"

namespace q4ui {

template <class E>
QComboBox* makeEnumCombo(const QString& objectName) {
    auto* combo = new QComboBox;
    combo->setObjectName(objectName);
    for (const q4::NamedValue<E>& entry : namesOf(E{})) {
        const QString name = QString::fromUtf8(q4::nameOf(entry.value));
        if (combo->findData(name) < 0) combo->addItem(name, name);  // later entries are other spellings
    }
    return combo;
}

}  // namespace q4ui
