#include "report/report_writer.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>
#include <QStringList>
#include <QTextDocument>
#include <QUrl>
#include <algorithm>
#include <functional>

#include "io/json_io.h"
#include "model/record_columns.h"
#include "model/run_provenance.h"
#include "report/chart_text_object.h"
#include "results/record.h"
#include "sweep/spec_fields.h"

namespace q4ui {

namespace {

constexpr int kChartWidth = 1200;
constexpr int kChartHeight = 675;
constexpr int kShownWidth = 960;  // fits a landscape A4 page (1032 px wide) and a laptop browser window
constexpr qreal kImageScale = 2;  // HTML charts stay sharp on high-density screens
constexpr int kSpecPairsPerRow = 4;  // the settings table stays short

QString html(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); }
QString html(const QString& text) { return text.toHtmlEscaped(); }

QString number(double value, char format, int precision) { return QString::number(value, format, precision); }

QString orDash(const QString& text) { return text.isEmpty() ? QStringLiteral("–") : text; }

QString metadataTable(const RunDocument& document) {
    const q4::RunInfo& info = document.run().info;
    const q4::DeviceInfo& device = info.device;
    QList<std::pair<QString, QString>> rows{
        {QStringLiteral("Run id"), html(info.runId)},
        {QStringLiteral("Device"), html(device.name)},
        {QStringLiteral("Compute capability"), html(device.computeCapability)},
        {QStringLiteral("SMs"), device.multiprocessors > 0 ? QString::number(device.multiprocessors) : QString()},
        {QStringLiteral("Memory"),
         device.memoryBytes > 0 ? number(double(device.memoryBytes) / double(1LL << 30), 'f', 1) + " GiB" : QString()},
        {QStringLiteral("L2 cache"),
         device.l2Bytes > 0 ? number(double(device.l2Bytes) / double(1 << 20), 'f', 1) + " MiB" : QString()},
        {QStringLiteral("Driver"), html(device.driverVersion)},
        {QStringLiteral("CUDA runtime"), html(device.runtimeVersion)},
        {QStringLiteral("cuBLAS"), html(device.cublasVersion)},
        {QStringLiteral("Copy bandwidth (measured)"),
         info.ceilings.copyBytesPerSecond ? number(*info.ceilings.copyBytesPerSecond / 1e9, 'f', 0) + " GB/s"
                                          : QString()},
        {QStringLiteral("fp16 throughput (measured)"),
         info.ceilings.fp16FlopsPerSecond ? number(*info.ceilings.fp16FlopsPerSecond / 1e12, 'f', 1) + " TFLOP/s"
                                          : QString()},
        {QStringLiteral("Started (UTC)"), html(info.startedUtc)},
        {QStringLiteral("Finished (UTC)"), html(info.finishedUtc)},
        {QStringLiteral("Host"), html(info.host)},
        {QStringLiteral("Backend"), html(info.backend)},
        {QStringLiteral("Q4Bench version"), html(info.projectVersion)},
        {QStringLiteral("Command line"), html(info.commandLine)},
        {QStringLiteral("Source file"), html(QDir::toNativeSeparators(document.sourcePath()))},
    };
    if (document.baseline())
        rows.append({QStringLiteral("Baseline run"),
                     html(document.baseline()->info.runId) + " on " + html(document.baseline()->info.device.name)});

    QString out = QStringLiteral("<table class=\"meta\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\">\n");
    for (const auto& [name, value] : rows)
        out += QStringLiteral("<tr><th align=\"left\">%1</th><td>%2</td></tr>\n").arg(name, orDash(value));
    out += QStringLiteral("</table>\n");
    return out;
}

// The sweep's settings, label and value for every field of the engine's field table, in its
// order: the same names as the panel and the CLI's help.
QString specTable(const std::string& specJson) {
    if (specJson.empty()) return {};
    const auto spec = q4::sweepSpecFromJson(specJson);
    if (!spec) return QStringLiteral("<p>Sweep specification unreadable: %1</p>\n").arg(html(spec.error()));
    QString out = QStringLiteral("<h3>Sweep specification</h3>\n"
                                 "<table class=\"spec\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\">\n");
    const auto& fields = q4::specFields();
    for (std::size_t i = 0; i < fields.size(); i += kSpecPairsPerRow) {
        out += QStringLiteral("<tr>");
        for (std::size_t j = i; j < std::min(fields.size(), i + kSpecPairsPerRow); ++j)
            out += QStringLiteral("<th align=\"left\">%1</th><td>%2</td>")
                       .arg(html(std::string(fields[j].label)),
                            orDash(html(q4::specFieldText(spec.value(), fields[j].key))));
        out += QStringLiteral("</tr>\n");
    }
    out += QStringLiteral("</table>\n");
    return out;
}

// The record fields the report's table shows, in order: fewer than the workbench's table, so
// the page fits landscape A4.
constexpr ColumnKey kReportColumns[] = {
    {"kernel"},
    {"m"},
    {"n"},
    {"k"},
    {"group_size"},
    {"act_order"},
    {"status"},
    {"time_ms_median", true},
    {"time_ms_p10", true},
    {"time_ms_p90", true},
    {"rel_error"},
    {"speedup_vs_baseline", true},
    {"fraction_of_floor", true},
    {"gbps", true},
    {"mem_peak_mb"},
    {"message"},
};

QString recordsTable(const std::vector<q4::Record>& records) {
    const std::vector<RecordColumn> columns = recordColumns(kReportColumns);
    QString out = QStringLiteral(
        "<table class=\"records\" width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"2\">\n<thead><tr>");
    for (const RecordColumn& column : columns) {
        // The unit on a second line keeps the numeric columns narrow.
        const QString label = html(column.field->label).replace(QStringLiteral(" ("), QStringLiteral("<br>("));
        out += QStringLiteral("<th style=\"white-space: nowrap\">%1</th>").arg(label);
    }
    out += QStringLiteral("</tr></thead>\n");  // repeated on every printed page
    for (const q4::Record& r : records) {
        out += r.status == q4::RecordStatus::Ok ? QStringLiteral("<tr>") : QStringLiteral("<tr class=\"failed\">");
        for (const RecordColumn& column : columns) {
            const QString text = cellText(column, r);
            const QString cell = text.isEmpty() ? QStringLiteral("–") : html(text);
            const q4::FieldType type = column.field->type;
            // Numbers and names never break inside; only the message wraps.
            if (column.field->key == "message")
                out += QStringLiteral("<td>%1</td>").arg(cell);
            else if (type != q4::FieldType::Text && type != q4::FieldType::Boolean)
                out += QStringLiteral("<td align=\"right\" style=\"white-space: nowrap\">%1</td>").arg(cell);
            else
                out += QStringLiteral("<td style=\"white-space: nowrap\">%1</td>").arg(cell);
        }
        out += QStringLiteral("</tr>\n");
    }
    out += QStringLiteral("</table>\n");
    return out;
}

// The whole page; imageSource(i) is the <img src> of chart i, or empty when it could not be drawn.
QString reportHtml(const RunDocument& document, const ChartsView& charts,
                   const std::function<QString(int)>& imageSource) {
    const auto& records = document.records();
    const auto failed = std::count_if(records.begin(), records.end(),
                                      [](const q4::Record& r) { return r.status != q4::RecordStatus::Ok; });
    const QString title = QStringLiteral("Q4Bench report %1").arg(html(document.run().info.runId));

    QString out = QStringLiteral(
                      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%1</title>\n"
                      "<style>\n"
                      "body { font-family: sans-serif; font-size: 10pt; }\n"
                      "table { border-collapse: collapse; }\n"
                      "table.records { font-size: 8pt; }\n"
                      "th, td { border: 1px solid #b0b0b0; padding: 2px 5px; }\n"
                      "th { background: #eeeeee; }\n"
                      "tr.failed td { color: #8a1f1f; }\n"
                      "p.provenance { color: #505050; }\n"
                      "img { max-width: 100%; height: auto; }\n"
                      "h2.page { page-break-before: always; }\n"
                      "</style></head><body>\n<h1>%1</h1>\n")
                      .arg(title);
    const QString provenance = provenanceText(document.run().info);
    if (!provenance.isEmpty()) out += QStringLiteral("<p class=\"provenance\">%1</p>\n").arg(html(provenance));
    out += QStringLiteral("<p>%1 records, %2 ok, %3 not ok.</p>\n")
               .arg(records.size())
               .arg(qint64(records.size()) - failed)
               .arg(failed);
    out += QStringLiteral("<h2>Run</h2>\n") + metadataTable(document) + specTable(document.run().info.specJson);

    // Printed, each chart and the results table start a page.
    const QStringList names = charts.chartNames();
    for (int i = 0; i < names.size(); ++i) {
        out += QStringLiteral("<h2 class=\"page\">%1</h2>\n").arg(html(charts.chartTitle(names[i])));
        const QString source = imageSource(i);
        out += source.isEmpty() ? QStringLiteral("<p>(this chart could not be drawn)</p>\n")
                                : QStringLiteral("<p><img src=\"%1\" width=\"%2\" alt=\"%3\"></p>\n")
                                      .arg(source)
                                      .arg(kShownWidth)
                                      .arg(html(names[i]));
    }

    out += QStringLiteral("<h2 class=\"page\">Results</h2>\n") + recordsTable(records);
    out += QStringLiteral("</body></html>\n");
    return out;
}

QString failure(const QString& path, const QString& reason) {
    return QStringLiteral("cannot write report %1: %2").arg(QDir::toNativeSeparators(path), reason);
}

QString writeHtml(const RunDocument& document, const ChartsView& charts, const QString& path) {
    const QStringList names = charts.chartNames();
    const QString page = reportHtml(document, charts, [&](int i) {
        const QImage image = charts.chartImage(names[i], kChartWidth, kChartHeight, kImageScale);
        QByteArray png;
        QBuffer buffer(&png);
        if (image.isNull() || !buffer.open(QIODevice::WriteOnly) || !image.save(&buffer, "PNG")) return QString();
        return QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png.toBase64());
    });
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return failure(path, file.errorString());
    file.write(page.toUtf8());
    if (!file.commit()) return failure(path, file.errorString());
    return {};
}

QString writePdf(const RunDocument& document, const ChartsView& charts, const QString& path) {
    // The page names each chart as an image; each is then swapped for its vector drawing.
    const QStringList names = charts.chartNames();
    std::vector<QPicture> pictures;
    for (const QString& name : names) pictures.push_back(charts.chartPicture(name, kChartWidth, kChartHeight));
    const auto imageName = [&](int i) { return QStringLiteral("chart-%1").arg(names[i]); };
    QTextDocument text;
    text.setHtml(reportHtml(document, charts, [&](int i) {
        return pictures[std::size_t(i)].isNull() ? QString() : imageName(i);
    }));
    ChartTextObject::install(&text);
    for (int i = 0; i < names.size(); ++i)
        if (!pictures[std::size_t(i)].isNull()) ChartTextObject::replaceImage(&text, imageName(i), pictures[std::size_t(i)]);

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return failure(path, file.errorString());
    {
        QPdfWriter writer(&file);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageOrientation(QPageLayout::Landscape);
        writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter);
        writer.setTitle(QStringLiteral("Q4Bench report %1").arg(QString::fromStdString(document.run().info.runId)));
        writer.setCreator(QStringLiteral("Q4Bench"));
        // Lay the page out in screen pixels (96 per inch), as the HTML was written for; print()
        // then scales it to the writer's resolution.
        text.setPageSize(writer.pageLayout().paintRect(QPageLayout::Point).size() * (96.0 / 72.0));
        text.print(&writer);
    }
    if (file.size() == 0) return failure(path, QStringLiteral("nothing was printed"));
    if (!file.commit()) return failure(path, file.errorString());
    return {};
}

}  // namespace

QString writeReport(const RunDocument& document, const ChartsView& charts, const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm")) return writeHtml(document, charts, path);
    if (suffix == QLatin1String("pdf")) return writePdf(document, charts, path);
    return failure(path, QStringLiteral("report must be .html or .pdf"));
}

}  // namespace q4ui
