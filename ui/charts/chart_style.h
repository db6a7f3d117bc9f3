#pragma once
// Colors every chart shares: a light or a dark scheme chosen from the widget palette, and one
// qualitative series palette that stays readable on both; marker shapes that tell series apart
// where colors repeat.
#include <QColor>
#include <QPalette>
#include <qcustomplot.h>

class QChart;

namespace q4ui {

struct ChartColors {
    bool dark = false;
    QColor background;
    QColor text;
    QColor axis;
    QColor grid;
    QColor subGrid;
    QColor muted;  // hidden series in the legend, reference lines
};

// Dark when the palette's window color is dark (lightness below 128).
bool isDarkPalette(const QPalette& palette);
ChartColors chartColors(const QPalette& palette);

// Ten distinct colors, cycled; mid-lightness so they read on white and on near-black.
QColor seriesColor(int index);
// Seven marker shapes, cycled: with ten colors a (color, shape) pair repeats only after 70 series.
QCPScatterStyle::ScatterShape seriesShape(int index);

// Background, axes, grids, legend and title text; series colors are left alone.
void applyColors(QCustomPlot* plot, const ChartColors& colors);
void applyColors(QChart* chart, const ChartColors& colors);

}  // namespace q4ui
