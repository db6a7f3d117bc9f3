#pragma once
// What the charts share about records: which series a record belongs to and its label, a color
// slot per series that every chart assigns in the same order, and the hover text of a record.
#include <QHash>
#include <QString>
#include <optional>
#include <string_view>

#include "model/run_document.h"

namespace q4ui {

// Records of one shape share a series; when a run (or its baseline) holds several shapes, each
// shape gets its own series. A shape is everything of a point but m and act-order: the layer,
// n, k and the quantization (group size, symmetric, zero format).
QString shapeKey(const q4::Record& record);
bool hasSeveralShapes(const RunDocument& document);

// A series is a kernel with or without act-order, per shape when there are several. Labels read
// "kernel", "kernel (act-order)" or, per shape, "kernel q_proj 4096×4096 g128" (with "asym" and
// the zero format where they are not the defaults).
QString seriesKey(const q4::Record& record, bool byShape);
QString seriesLabel(const q4::Record& record, bool byShape);

// A series keeps its color slot for as long as the document does not reset.
class SeriesColors {
public:
    void clear() { slots_.clear(); }
    int slot(const QString& key);  // assigns the next slot to an unseen key
private:
    QHash<QString, int> slots_;
};

// Every record of the run, then every record of the baseline, in order: the order colors follow.
void assignColors(SeriesColors& colors, const RunDocument& document, bool byShape);

// A numeric record field in file units, from the record field table ("time_ms_median" in ms);
// none when the field is absent or not measured.
std::optional<double> fieldNumber(const q4::Record& record, std::string_view key);

// The unit a record field's label names, "ms" for "Median (ms)"; empty when it names none. Axes
// and tooltips take their units from here, so they read as the table does.
QString fieldUnit(std::string_view key);

// kernel, point, median and p10-p90 in ms, error, speedup; multi-line plain text.
QString recordTooltip(const q4::Record& record, bool fromBaseline);

QString formatMs(double ms);     // "0.0123 ms", four significant digits, in the table's unit
QString formatMb(double bytes);  // decimal megabytes, "12.3 MB", as the table's peak memory

}  // namespace q4ui
