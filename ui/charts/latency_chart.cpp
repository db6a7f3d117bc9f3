#include "charts/latency_chart.h"

#include <cmath>
#include <qcustomplot.h>

namespace q4ui {

namespace {

constexpr int kFewestTicks = 3;

// Log-10 ticks at 1, 2 and 5 of each decade (powers of ten only over wide ranges). A range too
// narrow for three of them (kernels within a factor of two) gets evenly spaced ticks instead,
// so the axis always has several labels to read.
class LatencyTicker : public QCPAxisTickerLog {
protected:
    int getSubTickCount(double) override { return 0; }
    QVector<double> createTickVector(double, const QCPRange& range) override {
        QVector<double> ticks;
        if (range.lower <= 0 || range.upper <= range.lower) return ticks;
        const int first = int(std::floor(std::log10(range.lower)));
        const int last = int(std::ceil(std::log10(range.upper)));
        const QVector<double> mantissas = last - first <= 4 ? QVector<double>{1, 2, 5} : QVector<double>{1};
        int inside = 0;
        for (int exponent = first; exponent <= last; ++exponent)
            for (double mantissa : mantissas) {
                const double tick = mantissa * std::pow(10.0, exponent);
                ticks << tick;
                inside += range.contains(tick) ? 1 : 0;
            }
        if (inside >= kFewestTicks) return ticks;
        // Too narrow a range for 1-2-5 decades: the base class's evenly spaced ticks, on purpose.
        return QCPAxisTicker::createTickVector(  // NOLINT(bugprone-parent-virtual-call)
            QCPAxisTicker::getTickStep(range), range);
    }
};

}  // namespace

LatencyChart::LatencyChart(RunDocument* document, QWidget* parent)
    : PlotChart(document, tr("Time per operation (median, p10–p90)"), parent) {
    plot()->yAxis->setNumberFormat(QStringLiteral("g"));
    plot()->yAxis->setLabel(tr("time per op (%1)").arg(fieldUnit("time_ms_median")));
    rebuild();
}

// Milliseconds, as the table and the files give them.
std::optional<double> LatencyChart::valueOf(const q4::Record& record) const {
    if (!q4::isTimed(record)) return std::nullopt;  // nothing to place on a log axis
    return fieldNumber(record, "time_ms_median");
}

std::optional<PlotChart::Spread> LatencyChart::spreadOf(const q4::Record& record) const {
    return Spread{fieldNumber(record, "time_ms_p10").value_or(0), fieldNumber(record, "time_ms_p90").value_or(0)};
}

void LatencyChart::setUpValueAxis(bool bars) {
    QCPAxis* y = plot()->yAxis;
    // A bar's length is its value, which a log axis would misstate.
    y->setScaleType(bars ? QCPAxis::stLinear : QCPAxis::stLogarithmic);
    if (bars)
        y->setTicker(QSharedPointer<QCPAxisTicker>::create());
    else
        y->setTicker(QSharedPointer<LatencyTicker>::create());
}

void LatencyChart::finishAxes(bool hasData) {
    if (!hasData) plot()->yAxis->setRange(showsBars() ? 0 : 0.001, 1);
}

}  // namespace q4ui
