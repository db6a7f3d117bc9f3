#include "model/record_columns.h"

#include <algorithm>
#include <cmath>
#include <variant>

namespace q4ui {
namespace {

// Fixed notation with about `digits` significant figures: times span 1e-3..1e3 ms.
QString significant(double value, int digits) {
    if (value == 0) return QStringLiteral("0");
    const int magnitude = int(std::floor(std::log10(std::abs(value))));
    return QString::number(value, 'f', std::clamp(digits - 1 - magnitude, 0, 9));
}

bool blank(const RecordColumn& column, const q4::Record& record) {
    return column.timedOnly && !q4::isTimed(record);
}

}  // namespace

std::vector<RecordColumn> recordColumns(std::span<const ColumnKey> keys) {
    std::vector<RecordColumn> columns;
    for (const ColumnKey& key : keys)
        if (const q4::RecordField* field = q4::findRecordField(key.key)) columns.push_back({field, key.timedOnly});
    return columns;
}

QString formatHinted(q4::FieldHint hint, double value) {
    if (!std::isfinite(value)) return QString::fromStdString(q4::formatNumber(value));  // nan, inf
    switch (hint) {
        case q4::FieldHint::Percent:
            return QString::number(value * 100, 'f', 1) + QStringLiteral(" %");
        case q4::FieldHint::Ratio:
            // Speedups read as 2.50; relative errors and noise as 1.50e-04.
            return value != 0 && std::abs(value) < 1e-2 ? QString::number(value, 'e', 2)
                                                        : QString::number(value, 'f', 2);
        case q4::FieldHint::Bytes:
            return QString::number(value, 'f', 1);
        case q4::FieldHint::Duration:
        case q4::FieldHint::Rate:
        case q4::FieldHint::Count:
        case q4::FieldHint::Text:
        case q4::FieldHint::Flag:
            break;
    }
    return significant(value, 4);
}

QVariant fieldVariant(const q4::FieldValue& value) {
    return std::visit(
        [](const auto& v) -> QVariant {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return {};
            else if constexpr (std::is_same_v<T, std::string>)
                return QString::fromStdString(v);
            else if constexpr (std::is_same_v<T, bool>)
                return v ? 1.0 : 0.0;
            else
                return double(v);
        },
        value);
}

QString fieldText(q4::FieldHint hint, const q4::FieldValue& value) {
    if (const bool* flag = std::get_if<bool>(&value)) return *flag ? QStringLiteral("yes") : QStringLiteral("no");
    if (const double* number = std::get_if<double>(&value)) return formatHinted(hint, *number);
    return QString::fromStdString(q4::formatFieldValue(value));  // text and integers as they are
}

QVariant cellValue(const RecordColumn& column, const q4::Record& record) {
    return blank(column, record) ? QVariant() : fieldVariant(column.field->get(record));
}

QString cellText(const RecordColumn& column, const q4::Record& record) {
    return blank(column, record) ? QString() : fieldText(column.field->hint, column.field->get(record));
}

}  // namespace q4ui
