#include "charts/chart_widget.h"

#include <QDir>
#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <algorithm>
#include <qcustomplot.h>
#ifdef QT_SVG_LIB
#include <QSvgGenerator>
#endif

#include "charts/chart_style.h"

namespace q4ui {

namespace {

QString failure(const QString& path, const QString& reason) {
    return QStringLiteral("cannot export chart to %1: %2").arg(QDir::toNativeSeparators(path), reason);
}

}  // namespace

void ChartWidget::setRecordFilter(RecordPredicate filter) {
    filter_ = std::move(filter);
    rebuild();
}

QImage ChartWidget::toImage(int width, int height, qreal scale) const {
    QImage image(qRound(width * scale), qRound(height * scale), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) return image;
    image.setDevicePixelRatio(scale);
    image.fill(Qt::transparent);
    if (!render(&image, width, height)) return {};
    return image;
}

QPicture ChartWidget::toPicture(int width, int height) const {
    QPicture picture;
    if (!render(&picture, width, height)) return QPicture();
    picture.setBoundingRect(QRect(0, 0, width, height));
    return picture;
}

bool ChartWidget::render(QPaintDevice* device, int width, int height) const {
    QCPPainter painter(device);
    if (!painter.isActive()) return false;
    // PDF, SVG and pictures: lines as vectors, not cached pixmaps.
    if (device->devType() != QInternal::Image && device->devType() != QInternal::Pixmap)
        painter.setModes(QCPPainter::pmVectorized | QCPPainter::pmNoCaching);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    const ChartColors colors = chartColors(palette());
    painter.fillRect(QRect(0, 0, width, height), colors.background);

    // The footer takes the lines its text wraps to; the chart gets the rest.
    constexpr int margin = 6;
    QRect footerBox;
    int chartHeight = height;
    if (!footer_.isEmpty()) {
        QFont small = font();
        if (small.pointSizeF() > 0) small.setPointSizeF(small.pointSizeF() * 0.85);
        painter.setFont(small);
        footerBox = painter.boundingRect(QRect(margin, 0, std::max(1, width - 2 * margin), height),
                                         Qt::TextWordWrap, footer_);
        chartHeight = std::max(1, height - footerBox.height() - 2 * margin);
        footerBox.moveTop(chartHeight + margin);
    }
    painter.save();
    const bool drawn = draw(&painter, width, chartHeight);
    painter.restore();
    if (!footerBox.isNull()) {
        painter.setPen(colors.axis);
        painter.drawText(footerBox, Qt::TextWordWrap, footer_);
    }
    return drawn;
}

bool ChartWidget::writePdf(QIODevice* device, int width, int height) const {
    // One page exactly the chart's size, at screen resolution so fonts keep their proportions.
    constexpr int dpi = 96;
    QPdfWriter writer(device);
    writer.setResolution(dpi);
    writer.setPageSize(QPageSize(QSizeF(width * 72.0 / dpi, height * 72.0 / dpi), QPageSize::Point));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setCreator(QStringLiteral("Q4Bench"));
    return render(&writer, width, height);
}

QString ChartWidget::exportTo(const QString& path, int width, int height) const {
    if (width <= 0 || height <= 0) return failure(path, QStringLiteral("invalid size %1×%2").arg(width).arg(height));
    const QFileInfo info(path);
    if (!info.absoluteDir().exists())
        return failure(path, QStringLiteral("folder %1 does not exist").arg(info.absolutePath()));
    if (info.isDir()) return failure(path, QStringLiteral("it is a folder"));

    const QString suffix = info.suffix().toLower();
    if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf") && suffix != QLatin1String("svg"))
        return failure(path, QStringLiteral("unknown format '%1' (use .png, .pdf or .svg)").arg(info.suffix()));
#ifndef QT_SVG_LIB
    if (suffix == QLatin1String("svg"))
        return failure(path, QStringLiteral("SVG export needs Qt SVG (package qt6-svg-dev); use .png or .pdf"));
#endif

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return failure(path, file.errorString());
    bool drawn = false;
    if (suffix == QLatin1String("png")) {
        const QImage image = toImage(width, height);
        if (image.isNull()) return failure(path, QStringLiteral("image of %1×%2 is too large").arg(width).arg(height));
        drawn = image.save(&file, "PNG");
    } else if (suffix == QLatin1String("pdf")) {
        drawn = writePdf(&file, width, height);
    } else {
#ifdef QT_SVG_LIB
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(QSize(width, height));
        svg.setViewBox(QRect(0, 0, width, height));
        svg.setTitle(QStringLiteral("Q4Bench chart"));
        drawn = render(&svg, width, height);
#endif
    }
    // A write error is the file's; a drawing that failed has no system reason.
    if (file.error() != QFileDevice::NoError) return failure(path, file.errorString());
    if (!drawn) return failure(path, QStringLiteral("the chart could not be drawn"));
    if (!file.commit()) return failure(path, file.errorString());
    return {};
}

}  // namespace q4ui
