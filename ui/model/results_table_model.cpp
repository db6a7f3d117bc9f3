#include "model/results_table_model.h"

#include <QGuiApplication>
#include <QPalette>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace q4ui {
namespace {

using Col = ResultsTableModel::Column;

struct ColumnInfo {
    const char* title;
    const char* tip;
};

const ColumnInfo kColumns[] = {
    {"kernel", "Kernel id"},
    {"path", "Code path a dispatching kernel chose"},
    {"layer", "Preset layer name"},
    {"m", "Rows of A (batch size)"},
    {"n", "Output features"},
    {"k", "Input features"},
    {"group", "Quantization group size (-1: one group over k)"},
    {"act_order", "Activation-order (desc_act) quantization"},
    {"sym", "Symmetric zero points"},
    {"status", "ok, incorrect, unsupported, error or cancelled, with the reason"},
    {"time_ms", "Median time per operation, ms"},
    {"p10_ms", "10th percentile time, ms"},
    {"p90_ms", "90th percentile time, ms"},
    {"rel_error", "Relative error against the reference, |C - ref| / |ref|"},
    {"speedup", "Speedup against the backend's baseline kernel in this run"},
    {"% floor", "Share of the roofline floor reached (floor time / measured time), %"},
    {"GB/s", "Achieved bandwidth for the fewest bytes the operation must move"},
    {"TFLOP/s", "Achieved rate, 2 m n k flops"},
    {"mem MB", "Peak device memory held by the kernel, MB"},
    {"vs baseline", "Baseline run's median / this median: above 1 is faster than the baseline"},
};

// Fixed notation with about `digits` significant figures: times span 1e-3..1e3 ms.
QString significant(double value, int digits = 4) {
    if (value == 0 || !std::isfinite(value)) return QString::number(value);
    const int magnitude = int(std::floor(std::log10(std::abs(value))));
    return QString::number(value, 'f', std::clamp(digits - 1 - magnitude, 0, 9));
}

bool timed(const q4::Record& r) { return r.status == q4::RecordStatus::Ok && r.time.median > 0; }

QString statusText(const q4::Record& r) {
    QString text = QString::fromUtf8(q4::toString(r.status));
    if (r.timedOut) text += QStringLiteral(" (timed out)");
    if (r.status != q4::RecordStatus::Ok && !r.message.empty()) text += QStringLiteral(": ") + QString::fromStdString(r.message);
    return text;
}

bool failed(const q4::Record& r) {
    return r.status == q4::RecordStatus::Incorrect || r.status == q4::RecordStatus::Error;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

bool isNumeric(int column) { return column >= Col::M && column != Col::ActOrder && column != Col::Symmetric && column != Col::Status; }

}  // namespace

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
    return baselineColumn_ ? Col::VsBaseline + 1 : Col::VsBaseline;
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
        beginInsertColumns({}, Col::VsBaseline, Col::VsBaseline);
        baselineColumn_ = true;
        endInsertColumns();
    } else if (!want && baselineColumn_) {
        beginRemoveColumns({}, Col::VsBaseline, Col::VsBaseline);
        baselineColumn_ = false;
        endRemoveColumns();
    } else if (want && rows_ > 0) {
        emit dataChanged(index(0, Col::VsBaseline), index(rows_ - 1, Col::VsBaseline));
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
    const QVariant raw = rawValue(r, column);
    switch (column) {
    case Col::Kernel:
    case Col::Path:
    case Col::Layer:
    case Col::Status:
    case Col::M:
    case Col::N:
    case Col::K:
    case Col::Group: return raw.toString();
    case Col::ActOrder: return r.actOrder ? QStringLiteral("yes") : QStringLiteral("no");
    case Col::Symmetric: return r.symmetric ? QStringLiteral("yes") : QStringLiteral("no");
    default: break;
    }
    if (!raw.isValid()) return {};
    const double v = raw.toDouble();
    switch (column) {
    case Col::RelError: return QString::number(v, 'e', 2);
    case Col::Speedup:
    case Col::VsBaseline: return QString::number(v, 'f', 2) + QLatin1Char('x');
    case Col::FloorPercent:
    case Col::MemMb: return QString::number(v, 'f', 1);
    default: return significant(v);
    }
}

QVariant ResultsTableModel::rawValue(const q4::Record& r, int column) const {
    auto optional = [](const std::optional<double>& v) { return v ? QVariant(*v) : QVariant(); };
    switch (column) {
    case Col::Kernel: return QString::fromStdString(r.kernel);
    case Col::Path: return QString::fromStdString(r.path);
    case Col::Layer: return QString::fromStdString(r.layer);
    case Col::M: return double(r.m);
    case Col::N: return double(r.n);
    case Col::K: return double(r.k);
    case Col::Group: return double(r.groupSize);
    case Col::ActOrder: return r.actOrder ? 1.0 : 0.0;
    case Col::Symmetric: return r.symmetric ? 1.0 : 0.0;
    case Col::Status: return statusText(r);
    case Col::TimeMs: return timed(r) ? QVariant(r.time.median * 1e3) : QVariant();
    case Col::P10Ms: return timed(r) ? QVariant(r.time.p10 * 1e3) : QVariant();
    case Col::P90Ms: return timed(r) ? QVariant(r.time.p90 * 1e3) : QVariant();
    case Col::RelError: return optional(r.relError);
    case Col::Speedup: return optional(r.speedupVsBaseline);
    case Col::FloorPercent: return r.fractionOfFloor ? QVariant(*r.fractionOfFloor * 100) : QVariant();
    case Col::Gbps: return optional(r.gbps);
    case Col::Tflops: return optional(r.tflops);
    case Col::MemMb: return r.memPeakBytes > 0 ? QVariant(double(r.memPeakBytes) / 1e6) : QVariant();
    case Col::VsBaseline: {
        const q4::Record* base = document_->baselineFor(r);
        if (!base || !timed(*base) || !timed(r)) return {};
        return base->time.median / r.time.median;
    }
    default: return {};
    }
}

QVariant ResultsTableModel::background(const q4::Record& r) const {
    if (r.status == q4::RecordStatus::Ok) return {};
    // A tint over the palette's base keeps text readable in light and dark themes alike.
    const QPalette palette = QGuiApplication::palette();
    const QColor tint = failed(r) ? QColor(220, 50, 47) : QColor(181, 137, 0);
    return mix(palette.color(QPalette::Base), tint, 0.18);
}

QVariant ResultsTableModel::foreground(const q4::Record& r, int column) const {
    if (r.status == q4::RecordStatus::Ok || column != Col::Status) return {};
    const QPalette palette = QGuiApplication::palette();
    const QColor accent = failed(r) ? QColor(220, 50, 47) : QColor(181, 137, 0);
    return mix(palette.color(QPalette::Text), accent, 0.6);
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (section < 0 || section >= columnCount()) return {};
    if (role == Qt::DisplayRole) return QString::fromUtf8(kColumns[section].title);
    if (role == Qt::ToolTipRole) return QString::fromUtf8(kColumns[section].tip);
    return {};
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
