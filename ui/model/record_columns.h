#pragma once
// Record fields as the workbench's tables show them. Which fields, in which order, is a short
// list of keys; each column's label, value and unit hint come from the record field table
// (q4::recordFields()), so the table, the report and the files cannot disagree.
#include <QString>
#include <QVariant>
#include <span>
#include <vector>

#include "results/record_fields.h"

namespace q4ui {

struct ColumnKey {
    const char* key;  // a q4::recordFields() key
    // Blank unless the record is timed (q4::isTimed): an untimed record's statistics are zeros,
    // not measurements.
    bool timedOnly = false;
};

struct RecordColumn {
    const q4::RecordField* field = nullptr;
    bool timedOnly = false;
};

// The table's columns for keys, in order; a key the field table lacks is left out.
std::vector<RecordColumn> recordColumns(std::span<const ColumnKey> keys);

// A cell's value in file units (ms for durations, 0.6 for 60 % of the floor): a double for
// numbers and flags, text otherwise; invalid when not measured. Tables sort on it.
QVariant cellValue(const RecordColumn& column, const q4::Record& record);
// The cell as shown, formatted by the field's hint: "1.234" (ms), "60.0 %", "yes", "1.50e-04".
QString cellText(const RecordColumn& column, const q4::Record& record);
// A number as a hint shows it.
QString formatHinted(q4::FieldHint hint, double value);
// Any record table's field value as the views show it: a number (flags as 0/1) or text for
// sorting and charts, and text in the hint's format.
QVariant fieldVariant(const q4::FieldValue& value);
QString fieldText(q4::FieldHint hint, const q4::FieldValue& value);

}  // namespace q4ui
