#include "model_view/model_fields.h"

#include <variant>

#include "model/record_columns.h"

namespace q4ui {

namespace {

std::optional<double> asNumber(const q4::FieldValue& value) {
    if (const double* number = std::get_if<double>(&value)) return *number;
    if (const std::int64_t* integer = std::get_if<std::int64_t>(&value)) return double(*integer);
    if (const std::uint64_t* count = std::get_if<std::uint64_t>(&value)) return double(*count);
    return std::nullopt;
}

bool blank(const q4::ModelRecordField& field, const q4::ModelRecord& record) {
    return isMeasurement(field) && !q4::isTimed(record);
}

}  // namespace

std::optional<double> modelFieldNumber(const q4::ModelRecord& record, std::string_view key) {
    const q4::ModelRecordField* field = q4::findModelRecordField(key);
    if (!field) return std::nullopt;
    return asNumber(field->get(record));
}

QString modelFieldUnit(std::string_view key) {
    const q4::ModelRecordField* field = q4::findModelRecordField(key);
    if (!field) return {};
    const QString label = QString::fromStdString(field->label);
    const qsizetype open = label.lastIndexOf(QLatin1Char('('));
    if (open < 0 || !label.endsWith(QLatin1Char(')'))) return {};
    return label.mid(open + 1, label.size() - open - 2);
}

QString modelFieldLabel(std::string_view key, const QString& fallback) {
    const q4::ModelRecordField* field = q4::findModelRecordField(key);
    return field ? QString::fromStdString(field->label) : fallback;
}

bool isMeasurement(const q4::ModelRecordField& field) {
    switch (field.hint) {
        case q4::FieldHint::Duration:
        case q4::FieldHint::Rate:
        case q4::FieldHint::Ratio:
        case q4::FieldHint::Percent:
        case q4::FieldHint::Bytes:
            return true;
        case q4::FieldHint::Text:
        case q4::FieldHint::Flag:
        case q4::FieldHint::Count:
            break;
    }
    return false;
}

QVariant modelCellValue(const q4::ModelRecordField& field, const q4::ModelRecord& record) {
    return blank(field, record) ? QVariant() : fieldVariant(field.get(record));
}

QString modelCellText(const q4::ModelRecordField& field, const q4::ModelRecord& record) {
    return blank(field, record) ? QString() : fieldText(field.hint, field.get(record));
}

QString modelStatusText(const q4::ModelRecord& record) {
    QString text = QString::fromUtf8(q4::nameOf(record.status));
    if (record.timedOut) text += QStringLiteral(" (timed out)");
    if (record.status != q4::RecordStatus::Ok && !record.message.empty())
        text += QStringLiteral(": ") + QString::fromStdString(record.message);
    return text;
}

const std::vector<ComponentColumn>& componentColumns() {
    static const std::vector<ComponentColumn> columns = [] {
        std::vector<ComponentColumn> out;
        for (const std::string& name : q4::stepComponentNames())
            if (const q4::ModelRecordField* field = q4::findModelRecordField(name + "_ms"))
                out.push_back({QString::fromStdString(name), field});
        return out;
    }();
    return columns;
}

std::optional<double> componentMs(const q4::ModelRecord& record, const ComponentColumn& column) {
    if (!column.field || record.components.empty()) return std::nullopt;
    return asNumber(column.field->get(record));
}

}  // namespace q4ui
