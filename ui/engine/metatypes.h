#pragma once
// Engine value types carried by queued signals between the worker thread and the GUI.
#include <QMetaType>

#include "results/record.h"
#include "results/run_info.h"
#include "sweep/sweep_spec.h"

Q_DECLARE_METATYPE(q4::Record)
Q_DECLARE_METATYPE(q4::RunInfo)
Q_DECLARE_METATYPE(q4::SweepSpec)

namespace q4ui {

// Queued connections need the types registered at run time too; safe to call more than once.
inline void registerMetaTypes() {
    qRegisterMetaType<q4::Record>("q4::Record");
    qRegisterMetaType<q4::RunInfo>("q4::RunInfo");
    qRegisterMetaType<q4::SweepSpec>("q4::SweepSpec");
}

}  // namespace q4ui
