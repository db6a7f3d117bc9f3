#pragma once
// The results table: one row per record of the RunDocument, formatted for reading, with the raw
// value behind every cell for sorting. Rows appear as records land; a "vs baseline" column
// appears while a baseline run is set.
#include <QAbstractTableModel>
#include <QModelIndexList>

#include "model/run_document.h"

namespace q4ui {

class ResultsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Kernel, Path, Layer, M, N, K, Group, ActOrder, Symmetric, Status,
        TimeMs, P10Ms, P90Ms, RelError, Speedup, FloorPercent, Gbps, Tflops, MemMb,
        VsBaseline,  // only while a baseline is set
    };
    enum Role {
        SortRole = Qt::UserRole,  // the raw number (double) or text behind a cell
        StatusRole,               // int(q4::RecordStatus) of the row
        RecordIndexRole,          // the row's index in RunDocument::records()
    };

    explicit ResultsTableModel(RunDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    bool hasBaselineColumn() const { return baselineColumn_; }

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

// Cells as tab-separated text for the clipboard: a header row naming the columns that hold a
// cell, then one line per row that holds one; cells not among the indexes stay empty.
QString indexesToTsv(const QAbstractItemModel& model, const QModelIndexList& indexes);

}  // namespace q4ui
