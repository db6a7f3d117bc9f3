#pragma once
// The Model view's table: one row per model record, one column per field of the model record
// field table (q4::modelRecordFields()), labelled, valued and formatted from it. Rows appear as
// records land. Views show defaultColumnKeys(), in that order, and hide the rest until asked.
#include <QAbstractTableModel>
#include <QStringList>
#include <string_view>

#include "model/model_record.h"
#include "model_view/model_document.h"

namespace q4ui {

class ModelTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        SortRole = Qt::UserRole,  // the raw number (double) or text behind a cell
        StatusRole,               // int(q4::RecordStatus) of the row
        FieldKeyRole,             // header: the column's field key ("tokens_per_s")
    };

    explicit ModelTableModel(ModelDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The column of a field key, -1 when the field table has none.
    static int columnOf(std::string_view key);
    // The keys shown by default, in the order shown (identity, times, memory, outcome); those the
    // field table lacks are left out.
    static QStringList defaultColumnKeys();
    const q4::ModelRecord& record(int row) const { return document_->records()[std::size_t(row)]; }

private:
    void onReset();
    void onRecordAppended(int index);

    ModelDocument* document_;
    int rows_ = 0;  // what the views have been told
};

}  // namespace q4ui
