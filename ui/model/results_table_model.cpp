#include "model/results_table_model.h"

#include <QGuiApplication>
#include <QPalette>
#include <map>
#include <set>

namespace q4ui {
namespace {

// The record fields the table shows, in order.
constexpr ColumnKey kColumnKeys[] = {
    {"kernel"},
    {"path"},
    {"layer"},
    {"m"},
    {"n"},
    {"k"},
    {"group_size"},
    {"act_order"},
    {"symmetric"},
    {"zero_format"},
    {"sparsity"},
    {"status"},
    {"time_ms_median", true},
    {"time_ms_p10", true},
    {"time_ms_p90", true},
    {"samples", true},
    {"time_cv", true},
    {"rel_error"},
    {"pruning_error"},
    {"speedup_vs_baseline", true},
    {"fraction_of_floor", true},
    {"gbps", true},
    {"tflops", true},
    {"mem_peak_mb"},
    {"prepare_ms"},
};

bool failed(const q4::Record& r) {
    return r.status == q4::RecordStatus::Incorrect || r.status == q4::RecordStatus::Error;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

bool isStatus(int column) {
    static const int status = ResultsTableModel::columnOf("status");
    return column == status;
}

bool isNumeric(int column) {
    if (column == ResultsTableModel::baselineColumn()) return true;
    const q4::FieldType type = ResultsTableModel::fieldColumns()[std::size_t(column)].field->type;
    return type != q4::FieldType::Text && type != q4::FieldType::Boolean;
}

}  // namespace

const std::vector<RecordColumn>& ResultsTableModel::fieldColumns() {
    static const std::vector<RecordColumn> columns = recordColumns(kColumnKeys);
    return columns;
}

int ResultsTableModel::columnOf(std::string_view key) {
    const auto& columns = fieldColumns();
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].field->key == key) return int(i);
    return -1;
}

ResultsTableModel::ResultsTableModel(RunDocument* document, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
    rows_ = int(document_->records().size());
    baselineColumn_ = document_->baseline().has_value();
    connect(document_, &RunDocument::reset, this, &ResultsTableModel::onReset);
    connect(document_, &RunDocument::recordAppended, this, &ResultsTableModel::onRecordAppended);
    connect(document_, &RunDocument::baselineChanged, this, &ResultsTableModel::onBaselineChanged);
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_; }

int ResultsTableModel::columnCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return baselineColumn() + (baselineColumn_ ? 1 : 0);
}

void ResultsTableModel::onReset() {
    beginResetModel();
    rows_ = int(document_->records().size());
    baselineColumn_ = document_->baseline().has_value();
    endResetModel();
}

void ResultsTableModel::onRecordAppended(int index) {
    const int size = int(document_->records().size());
    if (index != rows_ || size != rows_ + 1) {
        onReset();  // out of step with the document: start over rather than guess
        return;
    }
    beginInsertRows({}, rows_, rows_);
    rows_ = size;
    endInsertRows();
}

void ResultsTableModel::onBaselineChanged() {
    const bool want = document_->baseline().has_value();
    if (want && !baselineColumn_) {
        beginInsertColumns({}, baselineColumn(), baselineColumn());
        baselineColumn_ = true;
        endInsertColumns();
    } else if (!want && baselineColumn_) {
        beginRemoveColumns({}, baselineColumn(), baselineColumn());
        baselineColumn_ = false;
        endRemoveColumns();
    } else if (want && rows_ > 0) {
        emit dataChanged(index(0, baselineColumn()), index(rows_ - 1, baselineColumn()));
    }
}

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const q4::Record& record = document_->records()[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole: return displayText(record, column);
    case SortRole: return rawValue(record, column);
    case StatusRole: return int(record.status);
    case RecordIndexRole: return index.row();
    case Qt::ToolTipRole:
        if (!record.message.empty()) return QString::fromStdString(record.message);
        return {};
    case Qt::TextAlignmentRole:
        return int(isNumeric(column) ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::BackgroundRole: return background(record);
    case Qt::ForegroundRole: return foreground(record, column);
    default: return {};
    }
}

QVariant ResultsTableModel::displayText(const q4::Record& r, int column) const {
    if (column == baselineColumn()) {
        const QVariant ratio = rawValue(r, column);
        return ratio.isValid() ? QString::number(ratio.toDouble(), 'f', 2) + QLatin1Char('x') : QVariant();
    }
    if (isStatus(column)) return statusText(r);
    return cellText(fieldColumns()[std::size_t(column)], r);
}

QVariant ResultsTableModel::rawValue(const q4::Record& r, int column) const {
    if (column == baselineColumn()) {
        const q4::Record* base = document_->baselineFor(r);
        if (!base || !q4::isTimed(*base) || !q4::isTimed(r)) return {};
        return base->time.median / r.time.median;
    }
    if (isStatus(column)) return statusText(r);
    return cellValue(fieldColumns()[std::size_t(column)], r);
}

QVariant ResultsTableModel::background(const q4::Record& r) const {
    if (r.status == q4::RecordStatus::Ok) return {};
    // A tint over the palette's base keeps text readable in light and dark themes alike.
    const QPalette palette = QGuiApplication::palette();
    const QColor tint = failed(r) ? QColor(220, 50, 47) : QColor(181, 137, 0);
    return mix(palette.color(QPalette::Base), tint, 0.18);
}

QVariant ResultsTableModel::foreground(const q4::Record& r, int column) const {
    if (r.status == q4::RecordStatus::Ok || !isStatus(column)) return {};
    const QPalette palette = QGuiApplication::palette();
    const QColor accent = failed(r) ? QColor(220, 50, 47) : QColor(181, 137, 0);
    return mix(palette.color(QPalette::Text), accent, 0.6);
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (section < 0 || section >= columnCount()) return {};
    if (section == baselineColumn()) {
        if (role == Qt::DisplayRole) return QStringLiteral("vs baseline");
        if (role == Qt::ToolTipRole)
            return tr("Baseline run's median / this median: above 1 is faster than the baseline");
        return {};
    }
    const q4::RecordField& field = *fieldColumns()[std::size_t(section)].field;
    if (role == Qt::DisplayRole) return QString::fromStdString(field.label);
    if (role == Qt::ToolTipRole) return tr("%1 in CSV and JSON files").arg(QString::fromStdString(field.key));
    if (role == FieldKeyRole) return QString::fromStdString(field.key);
    return {};
}

QString statusText(const q4::Record& r) {
    QString text = QString::fromUtf8(q4::nameOf(r.status));
    if (r.timedOut) text += QStringLiteral(" (timed out)");
    if (r.status != q4::RecordStatus::Ok && !r.message.empty())
        text += QStringLiteral(": ") + QString::fromStdString(r.message);
    return text;
}

QString indexesToTsv(const QAbstractItemModel& model, const QModelIndexList& indexes) {
    std::set<int> columns;
    std::map<int, std::map<int, QString>> rows;  // row -> column -> text
    auto clean = [](QString text) {
        text.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
        return text;
    };
    for (const QModelIndex& index : indexes) {
        if (!index.isValid() || index.model() != &model) continue;
        columns.insert(index.column());
        rows[index.row()][index.column()] = clean(index.data(Qt::DisplayRole).toString());
    }
    if (rows.empty()) return {};
    QStringList lines;
    QStringList header;
    for (int c : columns) header << clean(model.headerData(c, Qt::Horizontal).toString());
    lines << header.join(QLatin1Char('\t'));
    for (const auto& [row, cells] : rows) {
        QStringList fields;
        for (int c : columns) fields << (cells.count(c) ? cells.at(c) : QString());
        lines << fields.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

}  // namespace q4ui
