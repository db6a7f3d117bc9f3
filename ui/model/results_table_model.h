#pragma once
// The results table: one row per record of the RunDocument. Its columns are record fields,
// labelled, valued and formatted by the record field table; cells show formatted text and sort
// on the raw value. Rows appear as records land; a "vs baseline" column follows the fields while
// a baseline run is set.
#include <QAbstractTableModel>
#include <QModelIndexList>
#include <string_view>
#include <vector>

#include "model/record_columns.h"
#include "model/run_document.h"

namespace q4ui {

class ResultsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        SortRole = Qt::UserRole,  // the raw number (double) or text behind a cell
        StatusRole,               // int(q4::RecordStatus) of the row
        RecordIndexRole,          // the row's index in RunDocument::records()
        FieldKeyRole,             // header: the column's record field key ("time_ms_median")
    };

    explicit ResultsTableModel(RunDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The record fields shown, in column order.
    static const std::vector<RecordColumn>& fieldColumns();
    // The column of a record field key, -1 when the table does not show it.
    static int columnOf(std::string_view key);
    // The "vs baseline" column, after the fields; present while hasBaselineColumn().
    static int baselineColumn() { return int(fieldColumns().size()); }
    bool hasBaselineColumn() const { return baselineColumn_; }
    const q4::Record& record(int row) const { return document_->records()[std::size_t(row)]; }

private:
    void onReset();
    void onRecordAppended(int index);
    void onBaselineChanged();
    QVariant displayText(const q4::Record& record, int column) const;
    QVariant rawValue(const q4::Record& record, int column) const;
    QVariant background(const q4::Record& record) const;
    QVariant foreground(const q4::Record& record, int column) const;

    RunDocument* document_;
    // What the views have been told, which trails the document inside its signals.
    int rows_ = 0;
    bool baselineColumn_ = false;
};

// The status column's text: "ok", "unsupported: k=96 is not a multiple of 64", "ok (timed out)".
QString statusText(const q4::Record& record);

// Cells as tab-separated text for the clipboard: a header row naming the columns that hold a
// cell, then one line per row that holds one; cells not among the indexes stay empty.
QString indexesToTsv(const QAbstractItemModel& model, const QModelIndexList& indexes);

}  // namespace q4ui
