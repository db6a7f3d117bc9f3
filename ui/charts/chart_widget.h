#pragma once
// The common face of the four charts: draw at any size onto any paint device, with the run's
// provenance as a footer line, export by file suffix, plot only the records a predicate accepts,
// and count the plotted points.
#include <QImage>
#include <QPicture>
#include <QString>
#include <QWidget>

#include "model/run_document.h"

class QCPPainter;
class QIODevice;
class QPaintDevice;

namespace q4ui {

class ChartWidget : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;

    // PNG, PDF or SVG by the path's suffix, through a temporary file renamed into place once
    // complete (a failed export leaves no partial file); returns an error naming the path and
    // the system's reason, or empty.
    QString exportTo(const QString& path, int width, int height) const;
    // Drawn at width x height device-independent pixels; scale device pixels each (2 and more
    // stay sharp on high-density screens).
    QImage toImage(int width, int height, qreal scale = 1) const;
    // The same drawing as vector commands, for documents that place and scale it (reports).
    QPicture toPicture(int width, int height) const;
    virtual int pointCount() const = 0;  // data points over all series, shown or hidden

    // A line printed under every drawing (the run's provenance), word-wrapped; empty for none.
    void setFooter(const QString& text) { footer_ = text; }
    QString footer() const { return footer_; }
    // Plots only records the predicate accepts (baseline records too); empty plots all.
    void setRecordFilter(RecordPredicate filter);

protected:
    bool shows(const q4::Record& record) const { return !filter_ || filter_(record); }
    // Fills the chart from its document again.
    virtual void rebuild() = 0;
    // Draws the whole chart laid out for width x height at the painter's origin; false if
    // drawing failed. QCustomPlot draws only with a QCPPainter, which Qt Charts takes as a QPainter.
    virtual bool draw(QCPPainter* painter, int width, int height) const = 0;

private:
    // The chart above the footer on one painter, so PDF and SVG get a single page.
    bool render(QPaintDevice* device, int width, int height) const;
    // One PDF page of the chart, written to device.
    bool writePdf(QIODevice* device, int width, int height) const;

    QString footer_;
    RecordPredicate filter_;
};

}  // namespace q4ui
