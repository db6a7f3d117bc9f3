#pragma once
// The base of the Model view's charts: a QCustomPlot with a title row, the axis rect and a legend
// column beside it (in the widget and in drawings alike), fed from a ModelDocument as records
// land. A click on a legend entry hides or shows what it names. Drawings carry the run's
// provenance as a footer (ChartWidget).
#include <QString>
#include <QStringList>

#include "charts/chart_widget.h"
#include "model_view/model_document.h"

class QCPAbstractLegendItem;
class QCPLegend;
class QCPTextElement;
class QCustomPlot;
class QMouseEvent;

namespace q4ui {

class ModelChart : public ChartWidget {
    Q_OBJECT
public:
    // The kernels the chart shows, in the order it shows them.
    virtual QStringList seriesNames() const = 0;
    QString title() const;

protected:
    ModelChart(ModelDocument* document, const QString& title, QWidget* parent);

    ModelDocument* document() const { return document_; }
    QCustomPlot* plot() const { return plot_; }
    void setTitle(const QString& title);
    // Background, axes, legend and title in the palette's scheme; subclasses add their own.
    virtual void applyStyle();
    // A legend entry was clicked: hide or show what it stands for.
    virtual void toggleLegendItem(QCPAbstractLegendItem* item) = 0;
    virtual void showTooltip(QMouseEvent* event) = 0;
    void changeEvent(QEvent* event) override;
    bool draw(QCPPainter* painter, int width, int height) const override;

private:
    ModelDocument* document_;
    QCustomPlot* plot_;
    QCPTextElement* title_ = nullptr;
};

}  // namespace q4ui
