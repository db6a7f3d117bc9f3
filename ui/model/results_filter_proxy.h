#pragma once
// Sorting and filtering over the results table: sorts on the raw values (ResultsTableModel::SortRole),
// keeps rows whose kernel, layer or status contains the filter text, and optionally only ok rows.
// The same rule is offered as a record predicate, so the charts show what the table shows.
#include <QSortFilterProxyModel>

#include "model/run_document.h"

namespace q4ui {

class ResultsFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ResultsFilterProxy(QObject* parent = nullptr);

    void setFilterText(const QString& text);  // case-insensitive substring
    QString filterText() const { return text_; }
    void setOnlyOk(bool onlyOk);
    bool onlyOk() const { return onlyOk_; }

    // The current filter as a predicate over records (a copy: later changes do not alter it);
    // empty when nothing is filtered.
    RecordPredicate recordPredicate() const;

signals:
    void filterChanged();  // the text or "only ok" changed

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString text_;
    bool onlyOk_ = false;
};

}  // namespace q4ui
