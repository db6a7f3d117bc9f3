// An opened run says what it measured (device, driver, date, spec) above the charts and under
// every exported chart, and its spec can be loaded back into the panel to measure it again.
#include <gtest/gtest.h>

#include <QFile>
#include <QImage>
#include <QLabel>

#include "chart_test_util.h"
#include "charts/charts_view.h"
#include "io/json_io.h"
#include "main_window.h"
#include "model/run_document.h"
#include "model/run_provenance.h"
#include "tiny_sweep.h"
#include "window_test_env.h"

namespace {

class Provenance : public q4test::WindowTestEnv {};

TEST_F(Provenance, AnOpenedRunShowsItsOriginAndCanBeRunAgain) {
    q4::SweepSpec spec = q4test::tinyCpuSweep();
    spec.m = {1, 2, 4, 8};
    q4::RunResult run;
    run.info.runId = "opened";
    run.info.backend = "cuda";
    run.info.device.name = "NVIDIA H100 80GB HBM3";
    run.info.device.driverVersion = "580.65";
    run.info.startedUtc = "2025-01-02T03:04:05Z";
    run.info.specJson = q4::sweepSpecToJson(spec);
    const QString path = dir.filePath("opened.json");
    ASSERT_TRUE(q4::writeResultFile(path.toStdString(), run).ok());

    q4ui::MainWindow window;
    EXPECT_TRUE(window.provenance().isEmpty());
    QString error;
    ASSERT_TRUE(window.openFile(path, &error)) << error.toStdString();
    const QString shown = window.provenance();
    for (const char* part : {"NVIDIA H100 80GB HBM3", "driver 580.65", "2025-01-02T03:04:05Z", "1,2,4,8", "both"})
        EXPECT_TRUE(shown.contains(part)) << part << " not in " << shown.toStdString();

    window.sweepPanel()->setSpec(q4::SweepSpec{});
    ASSERT_TRUE(window.rerunSpec(&error)) << error.toStdString();
    EXPECT_EQ(window.sweepPanel()->spec().m, spec.m);
    EXPECT_EQ(window.sweepPanel()->spec().timing.minSamples, spec.timing.minSamples);

    window.document()->setRun(q4::RunResult{}, {});
    EXPECT_FALSE(window.rerunSpec(&error));
    EXPECT_FALSE(error.isEmpty());
}

// Whether the bottom left corner of an image, where the footer starts and no chart draws, holds
// anything but background.
bool inkAtTheBottom(const QImage& image, int rows) {
    const QRgb background = image.pixel(1, 1);
    for (int y = image.height() - rows; y < image.height(); ++y)
        for (int x = 0; x < 120; ++x)
            if (image.pixel(x, y) != background) return true;
    return false;
}

TEST_F(Provenance, ExportedChartsCarryItAsAFooter) {
    q4::SweepSpec spec = q4test::tinyCpuSweep();
    spec.m = {1, 2, 4, 8};
    q4::RunResult run;
    run.info.runId = "exported";
    run.info.backend = "cuda";
    run.info.device.name = "NVIDIA H100 80GB HBM3";
    run.info.device.driverVersion = "580.65";
    run.info.startedUtc = "2025-01-02T03:04:05Z";
    run.info.specJson = q4::sweepSpecToJson(spec);
    for (std::int64_t m : spec.m) run.records.push_back(q4test::timedRecord("exllama_style", m, 2e-5));

    q4ui::RunDocument document;
    q4ui::ChartsView charts(&document);
    document.setRun(run, {});
    const QString provenance = q4ui::provenanceText(run.info);
    ASSERT_TRUE(provenance.contains("driver 580.65"));
#ifdef QT_SVG_LIB
    // SVG keeps text as text: the footer can be read back.
    for (const QString& name : charts.chartNames()) {
        const QString path = dir.filePath(name + ".svg");
        ASSERT_EQ(charts.exportChart(name, path), "") << name.toStdString();
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        const QString svg = QString::fromUtf8(file.readAll());
        for (const char* part : {"NVIDIA H100 80GB HBM3", "driver 580.65", "2025-01-02T03:04:05Z"})
            EXPECT_TRUE(svg.contains(part)) << name.toStdString() << " lacks " << part;
    }
#endif
    // In images, the footer's line sits under the chart; a run with no device has none.
    for (const QString& name : charts.chartNames())
        EXPECT_TRUE(inkAtTheBottom(charts.chartImage(name, 900, 500), 12)) << name.toStdString();
    run.info = {};
    document.setRun(run, {});
    for (const QString& name : charts.chartNames())
        EXPECT_FALSE(inkAtTheBottom(charts.chartImage(name, 900, 500), 12)) << name.toStdString();
}

}  // namespace
