#include "model_view/model_chart.h"

#include <QEvent>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/chart_style.h"

namespace q4ui {

ModelChart::ModelChart(ModelDocument* document, const QString& title, QWidget* parent)
    : ChartWidget(parent), document_(document), plot_(new QCustomPlot) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_, 1);

    // Title across the whole width; below it the axis rect and, right of it, the legend at the
    // top of a column of its own, so entries never cover data.
    QFont titleFont = font();
    titleFont.setBold(true);
    QCPAxisRect* rect = plot_->axisRect();
    QCPLayoutGrid* top = plot_->plotLayout();
    top->take(rect);
    top->simplify();
    title_ = new QCPTextElement(plot_, title, titleFont);
    top->addElement(0, 0, title_);
    auto* body = new QCPLayoutGrid;
    top->addElement(1, 0, body);
    body->addElement(0, 0, rect);
    auto* legendColumn = new QCPLayoutGrid;
    body->addElement(0, 1, legendColumn);
    body->setColumnStretchFactor(1, 0.001);
    rect->insetLayout()->take(plot_->legend);
    legendColumn->addElement(0, 0, plot_->legend);
    legendColumn->addElement(1, 0, new QCPLayoutElement(plot_));  // takes the height the legend leaves
    legendColumn->setRowStretchFactor(0, 0.001);
    plot_->legend->setVisible(true);
    plot_->legend->setSelectableParts(QCPLegend::spNone);
    plot_->setInteraction(QCP::iSelectPlottables, false);

    connect(plot_, &QCustomPlot::legendClick, this,
            [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
                if (item) toggleLegendItem(item);
            });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) { showTooltip(event); });
}

QString ModelChart::title() const { return title_->text(); }

void ModelChart::setTitle(const QString& title) { title_->setText(title); }

void ModelChart::applyStyle() {
    const ChartColors colors = chartColors(palette());
    applyColors(plot_, colors);
}

void ModelChart::changeEvent(QEvent* event) {
    ChartWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyStyle();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

bool ModelChart::draw(QCPPainter* painter, int width, int height) const {
    plot_->toPainter(painter, width, height);
    // Drawing at another size moved the layout; the widget lays itself out again.
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

}  // namespace q4ui
