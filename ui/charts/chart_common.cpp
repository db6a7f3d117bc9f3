#include "charts/chart_common.h"

#include <QSet>
#include <QStringList>
#include <variant>

#include "results/record_fields.h"

namespace q4ui {

QString shapeKey(const q4::Record& record) {
    return QStringLiteral("%1|%2|%3|%4|%5|%6")
        .arg(QString::fromStdString(record.layer))
        .arg(record.n)
        .arg(record.k)
        .arg(record.groupSize)
        .arg(record.symmetric ? QStringLiteral("sym") : QStringLiteral("asym"))
        .arg(QString::fromUtf8(q4::nameOf(record.zeroFormat)));
}

bool hasSeveralShapes(const RunDocument& document) {
    QSet<QString> shapes;
    for (const auto& record : document.records()) shapes.insert(shapeKey(record));
    if (document.baseline())
        for (const auto& record : document.baseline()->records) shapes.insert(shapeKey(record));
    return shapes.size() > 1;
}

QString seriesKey(const q4::Record& record, bool byShape) {
    QString key = QString::fromStdString(record.kernel) + (record.actOrder ? "|act|" : "||") +
                  QString::fromUtf8(q4::nameOf(record.sparsity));
    return byShape ? key + '|' + shapeKey(record) : key;
}

QString seriesLabel(const q4::Record& record, bool byShape) {
    QString label = QString::fromStdString(record.kernel);
    if (byShape) {
        if (!record.layer.empty()) label += ' ' + QString::fromStdString(record.layer);
        label += QStringLiteral(" %1×%2 g%3").arg(record.n).arg(record.k).arg(record.groupSize);
        const q4::QuantConfig defaults;
        if (record.symmetric != defaults.symmetric)
            label += record.symmetric ? QStringLiteral(" sym") : QStringLiteral(" asym");
        if (record.zeroFormat != defaults.zeroFormat) label += ' ' + QString::fromUtf8(q4::nameOf(record.zeroFormat));
    }
    if (record.actOrder) label += QStringLiteral(" (act-order)");
    // A sparse point is a different model: its own series, named by its pattern.
    if (record.sparsity != q4::Sparsity::None)
        label += QStringLiteral(" (%1)").arg(QString::fromUtf8(q4::nameOf(record.sparsity)));
    return label;
}

int SeriesColors::slot(const QString& key) {
    auto it = slots_.constFind(key);
    if (it != slots_.constEnd()) return *it;
    const int next = int(slots_.size());
    slots_.insert(key, next);
    return next;
}

void assignColors(SeriesColors& colors, const RunDocument& document, bool byShape) {
    colors.clear();
    for (const auto& record : document.records()) colors.slot(seriesKey(record, byShape));
    if (document.baseline())
        for (const auto& record : document.baseline()->records) colors.slot(seriesKey(record, byShape));
}

std::optional<double> fieldNumber(const q4::Record& record, std::string_view key) {
    const q4::RecordField* field = q4::findRecordField(key);
    if (!field) return std::nullopt;
    const q4::FieldValue value = field->get(record);
    if (const double* number = std::get_if<double>(&value)) return *number;
    return std::nullopt;
}

QString fieldUnit(std::string_view key) {
    const q4::RecordField* field = q4::findRecordField(key);
    if (!field) return {};
    const QString label = QString::fromStdString(field->label);
    const qsizetype open = label.lastIndexOf(QLatin1Char('('));
    if (open < 0 || !label.endsWith(QLatin1Char(')'))) return {};
    return label.mid(open + 1, label.size() - open - 2);
}

QString formatMs(double ms) { return QString::number(ms, 'g', 4) + ' ' + fieldUnit("time_ms_median"); }

QString formatMb(double bytes) { return QString::number(bytes / 1e6, 'f', 1) + ' ' + fieldUnit("mem_peak_mb"); }

QString recordTooltip(const q4::Record& record, bool fromBaseline) {
    QStringList lines;
    lines << seriesLabel(record, false) + (fromBaseline ? QStringLiteral(" — baseline run") : QString());
    QString point = QStringLiteral("m=%1  n=%2  k=%3  g=%4  %5  zeros %6")
                        .arg(record.m)
                        .arg(record.n)
                        .arg(record.k)
                        .arg(record.groupSize)
                        .arg(record.symmetric ? QStringLiteral("sym") : QStringLiteral("asym"),
                             QString::fromUtf8(q4::nameOf(record.zeroFormat)));
    if (!record.layer.empty()) point += QStringLiteral("  (%1)").arg(QString::fromStdString(record.layer));
    lines << point;
    if (record.status != q4::RecordStatus::Ok) {
        lines << QStringLiteral("status: %1").arg(QString::fromUtf8(q4::nameOf(record.status)));
        if (!record.message.empty()) lines << QString::fromStdString(record.message);
    }
    if (record.relError) lines << QStringLiteral("rel. error %1").arg(*record.relError, 0, 'g', 3);
    if (!q4::isTimed(record)) return lines.join('\n');  // rates of an untimed record measure nothing
    lines << QStringLiteral("median %1  (p10 %2 – p90 %3)")
                 .arg(formatMs(fieldNumber(record, "time_ms_median").value_or(0)),
                      formatMs(fieldNumber(record, "time_ms_p10").value_or(0)),
                      formatMs(fieldNumber(record, "time_ms_p90").value_or(0)));
    if (record.speedupVsBaseline) lines << QStringLiteral("speedup %1×").arg(*record.speedupVsBaseline, 0, 'f', 2);
    if (record.fractionOfFloor)
        lines << QStringLiteral("%1 % of floor").arg(*record.fractionOfFloor * 100.0, 0, 'f', 1);
    if (record.gbps) lines << QStringLiteral("%1 GB/s").arg(*record.gbps, 0, 'f', 1);
    return lines.join('\n');
}

}  // namespace q4ui
