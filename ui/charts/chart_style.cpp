#include "charts/chart_style.h"

#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <array>
#include <qcustomplot.h>

namespace q4ui {

bool isDarkPalette(const QPalette& palette) { return palette.color(QPalette::Window).lightness() < 128; }

ChartColors chartColors(const QPalette& palette) {
    ChartColors c;
    c.dark = isDarkPalette(palette);
    if (c.dark) {
        c.background = QColor(0x1f, 0x20, 0x23);
        c.text = QColor(0xe6, 0xe6, 0xe6);
        c.axis = QColor(0xa8, 0xa8, 0xa8);
        c.grid = QColor(0x3c, 0x3e, 0x42);
        c.subGrid = QColor(0x2b, 0x2d, 0x30);
        c.muted = QColor(0x78, 0x78, 0x78);
    } else {
        c.background = Qt::white;
        c.text = QColor(0x20, 0x20, 0x20);
        c.axis = QColor(0x50, 0x50, 0x50);
        c.grid = QColor(0xd6, 0xd6, 0xd6);
        c.subGrid = QColor(0xee, 0xee, 0xee);
        c.muted = QColor(0xa0, 0xa0, 0xa0);
    }
    return c;
}

QColor seriesColor(int index) {
    // Tableau 10: distinct hues at similar lightness, legible on both backgrounds.
    static const std::array<QColor, 10> colors{
        QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0xe1, 0x57, 0x59), QColor(0x76, 0xb7, 0xb2),
        QColor(0x59, 0xa1, 0x4f), QColor(0xed, 0xc9, 0x48), QColor(0xb0, 0x7a, 0xa1), QColor(0xff, 0x9d, 0xa7),
        QColor(0x9c, 0x75, 0x5f), QColor(0xba, 0xb0, 0xac),
    };
    const int size = int(colors.size());
    return colors[std::size_t(((index % size) + size) % size)];
}

QCPScatterStyle::ScatterShape seriesShape(int index) {
    // Filled-looking shapes first; seven is prime to the ten colors.
    static const std::array<QCPScatterStyle::ScatterShape, 7> shapes{
        QCPScatterStyle::ssCircle,   QCPScatterStyle::ssSquare,           QCPScatterStyle::ssDiamond,
        QCPScatterStyle::ssTriangle, QCPScatterStyle::ssTriangleInverted, QCPScatterStyle::ssStar,
        QCPScatterStyle::ssCross,
    };
    const int size = int(shapes.size());
    return shapes[std::size_t(((index % size) + size) % size)];
}

void applyColors(QCustomPlot* plot, const ChartColors& colors) {
    plot->setBackground(colors.background);
    for (QCPAxisRect* rect : plot->axisRects()) {
        rect->setBackground(colors.background);
        for (QCPAxis* axis : rect->axes()) {
            axis->setBasePen(QPen(colors.axis));
            axis->setTickPen(QPen(colors.axis));
            axis->setSubTickPen(QPen(colors.axis));
            axis->setTickLabelColor(colors.text);
            axis->setLabelColor(colors.text);
            axis->grid()->setPen(QPen(colors.grid, 0, Qt::DotLine));
            axis->grid()->setSubGridPen(QPen(colors.subGrid, 0, Qt::DotLine));
            axis->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    plot->legend->setBrush(colors.background);
    plot->legend->setBorderPen(QPen(colors.grid));
    plot->legend->setTextColor(colors.text);
    // A legend wrapped into columns has empty cells.
    for (int i = 0; i < plot->legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = plot->legend->item(i)) item->setTextColor(colors.text);
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
        if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(i)))
            title->setTextColor(colors.text);
}

void applyColors(QChart* chart, const ChartColors& colors) {
    chart->setBackgroundBrush(colors.background);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setBackgroundRoundness(0);
    chart->setTitleBrush(colors.text);
    chart->legend()->setLabelColor(colors.text);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsColor(colors.text);
        axis->setTitleBrush(colors.text);
        axis->setLinePenColor(colors.axis);
        axis->setGridLineColor(colors.grid);
        axis->setMinorGridLineColor(colors.subGrid);
    }
}

}  // namespace q4ui
