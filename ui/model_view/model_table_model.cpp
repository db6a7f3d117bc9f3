#include "model_view/model_table_model.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include "model_view/model_fields.h"

namespace q4ui {

namespace {

// What a model run is read for first; everything else is a column away (the header's menu).
constexpr const char* kDefaultKeys[] = {
    "model",          "kernel",           "batch",           "load_s",       "ttft_ms",
    "per_token_ms_mean", "per_token_ms_p10", "per_token_ms_p90", "tokens_per_s", "mem_peak_mb",
    "fraction_of_floor", "cuda_graph",     "status",          "message",
};

const std::vector<q4::ModelRecordField>& fields() { return q4::modelRecordFields(); }

bool failed(const q4::ModelRecord& r) {
    return r.status == q4::RecordStatus::Incorrect || r.status == q4::RecordStatus::Error;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

bool isNumeric(const q4::ModelRecordField& field) {
    return field.type != q4::FieldType::Text && field.type != q4::FieldType::Boolean;
}

}  // namespace

int ModelTableModel::columnOf(std::string_view key) {
    const auto& all = fields();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].key == key) return int(i);
    return -1;
}

QStringList ModelTableModel::defaultColumnKeys() {
    QStringList keys;
    for (const char* key : kDefaultKeys)
        if (columnOf(key) >= 0) keys << QString::fromLatin1(key);
    return keys;
}

ModelTableModel::ModelTableModel(ModelDocument* document, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
    rows_ = int(document_->records().size());
    connect(document_, &ModelDocument::reset, this, &ModelTableModel::onReset);
    connect(document_, &ModelDocument::recordAppended, this, &ModelTableModel::onRecordAppended);
}

int ModelTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_; }

int ModelTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(fields().size()); }

void ModelTableModel::onReset() {
    beginResetModel();
    rows_ = int(document_->records().size());
    endResetModel();
}

void ModelTableModel::onRecordAppended(int index) {
    const int size = int(document_->records().size());
    if (index != rows_ || size != rows_ + 1) {
        onReset();  // out of step with the document: start over rather than guess
        return;
    }
    beginInsertRows({}, rows_, rows_);
    rows_ = size;
    endInsertRows();
}

QVariant ModelTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const q4::ModelRecord& r = record(index.row());
    const q4::ModelRecordField& field = fields()[std::size_t(index.column())];
    const bool ok = r.status == q4::RecordStatus::Ok;
    switch (role) {
        case Qt::DisplayRole:
            // Without a message column the status cell says why a record did not run.
            if (field.key == "status" && columnOf("message") < 0) return modelStatusText(r);
            return modelCellText(field, r);
        case SortRole: return modelCellValue(field, r);
        case StatusRole: return int(r.status);
        case Qt::ToolTipRole:
            if (!r.message.empty()) return QString::fromStdString(r.message);
            return {};
        case Qt::TextAlignmentRole:
            return int(isNumeric(field) ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter);
        case Qt::BackgroundRole: {
            if (ok) return {};
            // A tint over the palette's base keeps text readable in light and dark themes alike.
            const QColor tint = failed(r) ? QColor(220, 50, 47) : QColor(181, 137, 0);
            return mix(QGuiApplication::palette().color(QPalette::Base), tint, 0.18);
        }
        case Qt::ForegroundRole: {
            if (ok || (field.key != "status" && field.key != "message")) return {};
            const QColor accent = failed(r) ? QColor(220, 50, 47) : QColor(181, 137, 0);
            return mix(QGuiApplication::palette().color(QPalette::Text), accent, 0.6);
        }
        default: return {};
    }
}

QVariant ModelTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (section < 0 || section >= columnCount()) return {};
    const q4::ModelRecordField& field = fields()[std::size_t(section)];
    if (role == Qt::DisplayRole) return QString::fromStdString(field.label);
    if (role == Qt::ToolTipRole) return tr("%1 in CSV and JSON files").arg(QString::fromStdString(field.key));
    if (role == FieldKeyRole) return QString::fromStdString(field.key);
    return {};
}

}  // namespace q4ui
