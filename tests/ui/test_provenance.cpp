// An opened run says what it measured (device, driver, date, spec) above the charts, and its spec
// can be loaded back into the panel to measure it again.
#include <gtest/gtest.h>

#include <QLabel>

#include "io/json_io.h"
#include "main_window.h"
#include "model/run_document.h"
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

}  // namespace
