#pragma once
// Model-record fields as the Model view reads them: numbers in file units from the model record
// field table (q4::modelRecordFields()), units from the fields' labels, cells formatted by each
// field's hint, and the per-component columns of the profiled decode step.
#include <QString>
#include <QVariant>
#include <optional>
#include <string_view>
#include <vector>

#include "model/model_record.h"

namespace q4ui {

// A numeric model-record field in file units ("per_token_ms_mean" in ms); none when the field is
// absent from the table or not measured.
std::optional<double> modelFieldNumber(const q4::ModelRecord& record, std::string_view key);
// The unit a field's label names, "ms" for "TTFT (ms)"; empty when it names none or the key is unknown.
QString modelFieldUnit(std::string_view key);
// The field's label, or fallback when the table has no such key.
QString modelFieldLabel(std::string_view key, const QString& fallback);

// A measurement that means nothing for a record that did not run (its zeros are not times).
bool isMeasurement(const q4::ModelRecordField& field);
// A cell's value in file units: a double for numbers and flags, text otherwise; invalid when not
// measured (or a measurement of an untimed record). Tables sort on it.
QVariant modelCellValue(const q4::ModelRecordField& field, const q4::ModelRecord& record);
// The cell as shown, formatted by the field's hint.
QString modelCellText(const q4::ModelRecordField& field, const q4::ModelRecord& record);
// "ok", "ok (timed out)", "unsupported: needs 140.2 GB, the device has 79.6 GB".
QString modelStatusText(const q4::ModelRecord& record);

// One component of the profiled decode step: its name (q4::stepComponentNames()) and its
// "<name>_ms" field, when the table has one.
struct ComponentColumn {
    QString name;
    const q4::ModelRecordField* field = nullptr;
};
// The components in the engine's order; names without a field are left out.
const std::vector<ComponentColumn>& componentColumns();
// The component's time in ms for the record; none when the step was not profiled.
std::optional<double> componentMs(const q4::ModelRecord& record, const ComponentColumn& column);

}  // namespace q4ui
