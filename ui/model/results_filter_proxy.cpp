#include "model/results_filter_proxy.h"

#include "model/results_table_model.h"

namespace q4ui {

ResultsFilterProxy::ResultsFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(ResultsTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void ResultsFilterProxy::setFilterText(const QString& text) {
    if (text == text_) return;
    text_ = text;
    invalidateFilter();
}

void ResultsFilterProxy::setOnlyOk(bool onlyOk) {
    if (onlyOk == onlyOk_) return;
    onlyOk_ = onlyOk;
    invalidateFilter();
}

bool ResultsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QAbstractItemModel* model = sourceModel();
    if (onlyOk_) {
        const QModelIndex row = model->index(sourceRow, 0, sourceParent);
        if (row.data(ResultsTableModel::StatusRole).toInt() != int(q4::RecordStatus::Ok)) return false;
    }
    const QString needle = text_.trimmed();
    if (needle.isEmpty()) return true;
    for (const char* key : {"kernel", "layer", "status"}) {
        const int column = ResultsTableModel::columnOf(key);
        const QString text = model->index(sourceRow, column, sourceParent).data(Qt::DisplayRole).toString();
        if (text.contains(needle, Qt::CaseInsensitive)) return true;
    }
    return false;
}

}  // namespace q4ui
