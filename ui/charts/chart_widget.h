#pragma once
// The common face of the four charts: draw at any size onto any paint device, export by file
// suffix, and count the plotted points.
#include <QImage>
#include <QString>
#include <QWidget>

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
    QImage toImage(int width, int height) const;
    virtual int pointCount() const = 0;  // data points over all series, shown or hidden

protected:
    // Draws the whole chart laid out for width x height device pixels; false if painting failed.
    virtual bool paint(QPaintDevice* device, int width, int height) const = 0;
    // One PDF page of the chart, written to device.
    bool writePdf(QIODevice* device, int width, int height) const;
};

}  // namespace q4ui
