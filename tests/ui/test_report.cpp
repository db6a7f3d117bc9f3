// Reports: the HTML page opens with the run's provenance and carries the metadata, the sweep's
// settings as a table, four sharp embedded charts and escaped records; the PDF is a real document
// whose charts are vector drawings; other suffixes and unwritable paths are refused with a reason.
#include <gtest/gtest.h>

#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>

#include "charts/charts_view.h"
#include "io/json_io.h"
#include "model/run_document.h"
#include "model/run_provenance.h"
#include "report/report_writer.h"
#include "results/record_fields.h"
#include "sweep/spec_fields.h"

namespace {

q4::Record record(const std::string& kernel, std::int64_t m, bool actOrder) {
    q4::Record r;
    r.kernel = kernel;
    r.m = m;
    r.n = 4096;
    r.k = 4096;
    r.actOrder = actOrder;
    r.time.samples = 50;
    r.time.median = (kernel == "cublas_fp16" ? 40e-6 : 15e-6) * (1.0 + double(m) / 16.0);
    r.time.p10 = r.time.median * 0.97;
    r.time.p90 = r.time.median * 1.06;
    r.relError = 1.5e-3;
    r.gbps = 1800.0;
    r.fractionOfFloor = 0.6;
    r.speedupVsBaseline = kernel == "cublas_fp16" ? 1.0 : 2.5;
    r.mem.weights = 4096 * 4096 / 2;
    r.mem.scales = 4096 * 32 * 2;
    r.mem.activations = m * 4096 * 2;
    r.mem.output = m * 4096 * 2;
    r.memPeakBytes = r.mem.total();
    return r;
}

q4::RunResult reportRun() {
    q4::RunResult run;
    q4::RunInfo& info = run.info;
    info.runId = "20250102T030405Z-ab12";
    info.startedUtc = "2025-01-02T03:04:05Z";
    info.finishedUtc = "2025-01-02T03:10:00Z";
    info.host = "bench-host";
    info.backend = "cuda";
    info.device.name = "NVIDIA H100 80GB HBM3";
    info.device.computeCapability = "9.0";
    info.device.multiprocessors = 132;
    info.device.memoryBytes = 85'000'000'000;
    info.device.l2Bytes = 50 << 20;
    info.device.driverVersion = "580.65";
    info.device.runtimeVersion = "13.0";
    info.device.cublasVersion = "13.1.0";
    info.ceilings.copyBytesPerSecond = 2.9e12;
    info.ceilings.fp16FlopsPerSecond = 7.1e14;
    info.specJson = R"({"kernels": ["cublas_fp16", "exllama_style"], "m": [1, 2, 4]})";
    for (std::int64_t m : {1, 2, 4, 8, 16}) {
        run.records.push_back(record("cublas_fp16", m, false));
        run.records.push_back(record("exllama_style", m, false));
        run.records.push_back(record("exllama_style", m, true));
    }
    q4::Record unsupported;
    unsupported.kernel = "tc_int4";
    unsupported.m = 1;
    unsupported.n = 4096;
    unsupported.k = 96;
    unsupported.status = q4::RecordStatus::Unsupported;
    unsupported.message = "k=96 is not a multiple of 64 <needs padding> & more";
    run.records.push_back(unsupported);
    return run;
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

TEST(Report, HtmlHoldsMetadataChartsAndEscapedRecords) {
    q4ui::RunDocument document;
    q4ui::ChartsView charts(&document);
    document.setRun(reportRun(), "run.json");
    QTemporaryDir dir;
    const QString path = dir.filePath("report.html");

    ASSERT_EQ(q4ui::writeReport(document, charts, path), "");
    const QString page = QString::fromUtf8(readAll(path));
    EXPECT_TRUE(page.contains("NVIDIA H100 80GB HBM3"));
    EXPECT_TRUE(page.contains("20250102T030405Z-ab12"));
    EXPECT_TRUE(page.contains("2900 GB/s"));
    EXPECT_TRUE(page.contains("132"));
    EXPECT_TRUE(page.contains("cublas_fp16"));
    EXPECT_TRUE(page.contains("exllama_style"));
    EXPECT_TRUE(page.contains("tc_int4"));
    EXPECT_EQ(page.count("data:image/png;base64,"), 4);
    EXPECT_TRUE(page.contains("&lt;needs padding&gt; &amp; more"));
    EXPECT_FALSE(page.contains("<needs padding>"));
    // The spec as label and value for every field of the engine's table, not raw JSON.
    EXPECT_FALSE(page.contains("&quot;kernels&quot;"));
    EXPECT_FALSE(page.contains("<pre>"));
    const auto spec = q4::sweepSpecFromJson(reportRun().info.specJson);
    ASSERT_TRUE(spec);
    for (const q4::SpecFieldInfo& field : q4::specFields()) {
        QString value = QString::fromStdString(q4::specFieldText(spec.value(), field.key)).toHtmlEscaped();
        if (value.isEmpty()) value = "–";
        const QString row = QString("<th align=\"left\">%1</th><td>%2</td>").arg(field.label, value);
        EXPECT_TRUE(page.contains(row)) << row.toStdString();
    }
    // The table's headers and units are the record field table's.
    const QString median = QString::fromStdString(q4::findRecordField("time_ms_median")->label);
    EXPECT_TRUE(page.contains(QString(median).replace(" (", "<br>("))) << median.toStdString();  // unit on its own line
    EXPECT_TRUE(page.contains(QString::fromStdString(q4::findRecordField("speedup_vs_baseline")->label)));
    EXPECT_TRUE(page.contains("60.0 %"));  // fraction_of_floor 0.6, by its hint
}

TEST(Report, OpensWithTheProvenanceAndEmbedsSharpCharts) {
    q4ui::RunDocument document;
    q4ui::ChartsView charts(&document);
    document.setRun(reportRun(), "run.json");
    QTemporaryDir dir;
    const QString path = dir.filePath("report.html");
    ASSERT_EQ(q4ui::writeReport(document, charts, path), "");
    const QString page = QString::fromUtf8(readAll(path));

    const QString provenance = q4ui::provenanceText(reportRun().info).toHtmlEscaped();
    ASSERT_TRUE(provenance.contains("driver 580.65"));
    const qsizetype at = page.indexOf(provenance);
    ASSERT_GE(at, 0);
    EXPECT_LT(at, page.indexOf("<h2"));  // before any section

    // Twice the shown width in pixels.
    const QRegularExpression image("data:image/png;base64,([A-Za-z0-9+/=]+)\"[^>]*width=\"(\\d+)\"");
    int charts_seen = 0;
    for (auto it = image.globalMatch(page); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        const QImage png = QImage::fromData(QByteArray::fromBase64(match.captured(1).toLatin1()), "PNG");
        ASSERT_FALSE(png.isNull());
        EXPECT_GE(png.width(), 2 * match.captured(2).toInt());
        ++charts_seen;
    }
    EXPECT_EQ(charts_seen, 4);
}

TEST(Report, PdfIsADocumentWithTheCharts) {
    q4ui::RunDocument document;
    q4ui::ChartsView charts(&document);
    document.setRun(reportRun(), "run.json");
    QTemporaryDir dir;
    const QString path = dir.filePath("report.pdf");

    ASSERT_EQ(q4ui::writeReport(document, charts, path), "");
    const QByteArray pdf = readAll(path);
    EXPECT_TRUE(pdf.startsWith("%PDF"));
    EXPECT_GT(pdf.size(), 10 * 1024);
    // Charts drawn as vectors, sharp at any zoom: no raster image in the file.
    EXPECT_FALSE(pdf.contains("/Subtype /Image"));
}

TEST(Report, RefusesOtherSuffixesAndUnwritablePaths) {
    q4ui::RunDocument document;
    q4ui::ChartsView charts(&document);
    document.setRun(reportRun(), {});
    QTemporaryDir dir;

    const QString text = q4ui::writeReport(document, charts, dir.filePath("report.txt"));
    EXPECT_TRUE(text.contains("report must be .html or .pdf")) << text.toStdString();
    EXPECT_TRUE(text.contains("report.txt")) << text.toStdString();
    EXPECT_FALSE(QFileInfo::exists(dir.filePath("report.txt")));

    const QString missing = dir.filePath("missing/folder/report.html");
    const QString error = q4ui::writeReport(document, charts, missing);
    EXPECT_TRUE(error.contains("report.html")) << error.toStdString();
    EXPECT_NE(q4ui::writeReport(document, charts, dir.filePath("missing/report.pdf")), "");
}

}  // namespace
