#include "model/results_filter_proxy.h"

#include "model/results_table_model.h"

namespace q4ui {

namespace {

// The one filter rule; needle is trimmed. Matches the text the table shows for kernel, layer
// and status (statusText carries a failure's reason).
bool matches(const q4::Record& record, const QString& needle, bool onlyOk) {
    if (onlyOk && record.status != q4::RecordStatus::Ok) return false;
    if (needle.isEmpty()) return true;
    return QString::fromStdString(record.kernel).contains(needle, Qt::CaseInsensitive) ||
           QString::fromStdString(record.layer).contains(needle, Qt::CaseInsensitive) ||
           statusText(record).contains(needle, Qt::CaseInsensitive);
}

}  // namespace

ResultsFilterProxy::ResultsFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(ResultsTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void ResultsFilterProxy::setFilterText(const QString& text) {
    if (text == text_) return;
    text_ = text;
    invalidateFilter();
    emit filterChanged();
}

void ResultsFilterProxy::setOnlyOk(bool onlyOk) {
    if (onlyOk == onlyOk_) return;
    onlyOk_ = onlyOk;
    invalidateFilter();
    emit filterChanged();
}

RecordPredicate ResultsFilterProxy::recordPredicate() const {
    const QString needle = text_.trimmed();
    if (needle.isEmpty() && !onlyOk_) return {};
    return [needle, onlyOk = onlyOk_](const q4::Record& record) { return matches(record, needle, onlyOk); };
}

bool ResultsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const auto* model = qobject_cast<const ResultsTableModel*>(sourceModel());
    if (!model || sourceParent.isValid()) return true;
    return matches(model->record(sourceRow), text_.trimmed(), onlyOk_);
}

}  // namespace q4ui
