#pragma once
// Model-run value types carried by queued signals between the model worker and the GUI.
#include <QMetaType>

#include "engine/metatypes.h"
#include "model/model_record.h"
#include "model/model_spec.h"

Q_DECLARE_METATYPE(q4::ModelRecord)
Q_DECLARE_METATYPE(q4::ModelSpec)

namespace q4ui {

// Queued connections need the types registered at run time too; safe to call more than once.
inline void registerModelMetaTypes() {
    registerMetaTypes();  // RunInfo
    qRegisterMetaType<q4::ModelRecord>("q4::ModelRecord");
    qRegisterMetaType<q4::ModelSpec>("q4::ModelSpec");
}

}  // namespace q4ui
