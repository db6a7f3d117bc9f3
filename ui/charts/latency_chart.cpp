#include "charts/latency_chart.h"

#include <cmath>
#include <qcustomplot.h>

namespace q4ui {

namespace {

// Log-10 ticks at 1, 2 and 5 of each decade (powers of ten only over wide ranges), so a run
// spanning less than two decades still gets readable labels.
class DecadeTicker : public QCPAxisTickerLog {
protected:
    int getSubTickCount(double) override { return 0; }
    QVector<double> createTickVector(double, const QCPRange& range) override {
        QVector<double> ticks;
        if (range.lower <= 0 || range.upper <= range.lower) return ticks;
        const int first = int(std::floor(std::log10(range.lower)));
        const int last = int(std::ceil(std::log10(range.upper)));
        const QVector<double> mantissas = last - first <= 4 ? QVector<double>{1, 2, 5} : QVector<double>{1};
        for (int exponent = first; exponent <= last; ++exponent)
            for (double mantissa : mantissas) ticks << mantissa * std::pow(10.0, exponent);
        return ticks;
    }
};

}  // namespace

LatencyChart::LatencyChart(RunDocument* document, QWidget* parent)
    : PlotChart(document, tr("Time per operation (median, p10–p90)"), parent) {
    plot()->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot()->yAxis->setTicker(QSharedPointer<DecadeTicker>::create());
    plot()->yAxis->setNumberFormat(QStringLiteral("g"));
    plot()->yAxis->setLabel(tr("time per op (ms)"));
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

void LatencyChart::finishAxes(bool hasData) {
    if (!hasData) plot()->yAxis->setRange(0.001, 1);
}

}  // namespace q4ui
