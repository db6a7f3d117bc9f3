#include "panel/checkpoint_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace q4ui {
namespace {

QString architectureText(const q4::ModelArchitecture& a) {
    return QObject::tr("%1: hidden %2, %3 layers, %4 heads (%5 KV, head dim %6), intermediate %7, vocabulary %8, "
                       "RMSNorm eps %9, RoPE theta %10 (scaling %11), %12 embeddings")
        .arg(QString::fromStdString(a.modelType))
        .arg(a.hiddenSize)
        .arg(a.layers)
        .arg(a.heads)
        .arg(a.kvHeads)
        .arg(a.headDim)
        .arg(a.intermediateSize)
        .arg(a.vocabSize)
        .arg(a.rmsNormEps)
        .arg(a.ropeTheta)
        .arg(QString::fromStdString(a.ropeScaling.type))
        .arg(a.tiedEmbeddings ? QObject::tr("tied") : QObject::tr("separate"));
}

}  // namespace

CheckpointDialog::CheckpointDialog(const q4::CheckpointSummary& summary, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Checkpoint %1").arg(QString::fromStdString(summary.name)));
    const QStringList headers{tr("Layer"),     tr("n"),         tr("k"),         tr("Group"),
                              tr("Act-order"), tr("Zero format"), tr("Symmetric"), tr("‖W‖F (dequantized)")};
    table_ = new QTableWidget(int(summary.layers.size()), int(headers.size()));
    table_->setObjectName("checkpointLayers");
    table_->setHorizontalHeaderLabels(headers);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    auto yesNo = [](bool value) { return value ? tr("yes") : tr("no"); };
    for (int row = 0; row < int(summary.layers.size()); ++row) {
        const q4::LayerSummary& s = summary.layers[std::size_t(row)];
        const QStringList cells{QString::fromStdString(s.layer.name),
                                QString::number(s.layer.n),
                                QString::number(s.layer.k),
                                QString::number(s.layer.groupSize),
                                yesNo(s.layer.actOrder),
                                QString::fromUtf8(q4::nameOf(s.layer.zeroFormat)),
                                yesNo(s.layer.symmetric),
                                QString::number(s.dequantFroNorm, 'g', 7)};
        for (int column = 0; column < cells.size(); ++column)
            table_->setItem(row, column, new QTableWidgetItem(cells[column]));
    }
    table_->resizeColumnsToContents();

    auto* architecture = new QLabel(architectureText(summary.architecture));
    architecture->setObjectName("checkpointArchitecture");
    architecture->setWordWrap(true);
    architecture->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table_, 1);
    layout->addWidget(architecture);
    layout->addWidget(buttons);
    resize(900, 520);
}

}  // namespace q4ui
