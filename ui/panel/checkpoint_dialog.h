#pragma once
// The workbench's `q4bench-cli inspect`: a checkpoint's linear layers (shape, quantization, the
// Frobenius norm of the dequantized weight) and its architecture, from the engine's summary.
#include <QDialog>

#include "checkpoint/checkpoint_summary.h"

class QTableWidget;

namespace q4ui {

class CheckpointDialog : public QDialog {
    Q_OBJECT
public:
    CheckpointDialog(const q4::CheckpointSummary& summary, QWidget* parent = nullptr);
    const QTableWidget* table() const { return table_; }

private:
    QTableWidget* table_;
};

}  // namespace q4ui
