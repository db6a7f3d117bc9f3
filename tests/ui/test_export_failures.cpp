// Exports to a place that cannot be written leave no file behind and give the system's reason.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include "charts/charts_view.h"
#include "model/run_document.h"
#include "report/report_writer.h"

namespace {

q4::RunResult smallRun() {
    q4::RunResult run;
    run.info.runId = "export";
    for (std::int64_t m : {1, 2, 4}) {
        q4::Record r;
        r.kernel = "cpu_int4_fused";
        r.m = m;
        r.n = 64;
        r.k = 256;
        r.groupSize = 64;
        r.time.samples = 5;
        r.time.median = 1e-4 * double(m);
        r.time.p10 = r.time.median * 0.9;
        r.time.p90 = r.time.median * 1.1;
        run.records.push_back(r);
    }
    return run;
}

// Why a file cannot be created in folder, as the system says it; empty when it can be.
QString refusal(const QString& folder) {
    QFile probe(folder + "/probe");
    if (probe.open(QIODevice::WriteOnly)) {
        probe.remove();
        return {};
    }
    return probe.errorString();
}

TEST(ExportFailures, UnwritableFolderLeavesNoFileAndSaysWhy) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString locked = dir.filePath("locked");
    ASSERT_TRUE(QDir().mkpath(locked));
    ASSERT_TRUE(QFile::setPermissions(locked, QFile::ReadOwner | QFile::ExeOwner));  // chmod 0500
    // As root the mode does not stop writes; /proc takes no new files from anyone.
    QString folder = locked;
    QString reason = refusal(locked);
    if (reason.isEmpty()) {
        folder = QStringLiteral("/proc");
        reason = refusal(folder);
    }
    if (reason.isEmpty()) GTEST_SKIP() << "no folder here refuses new files";

    q4ui::RunDocument document;
    q4ui::ChartsView charts(&document);
    document.setRun(smallRun(), {});
    QStringList chartFiles{"latency.png", "latency.pdf"};
#ifdef QT_SVG_LIB
    chartFiles << "latency.svg";
#endif
    for (const QString& name : chartFiles) {
        const QString error = charts.exportChart("latency", folder + "/" + name);
        EXPECT_TRUE(error.contains(name)) << error.toStdString();
        EXPECT_TRUE(error.contains(reason)) << error.toStdString() << " lacks " << reason.toStdString();
        EXPECT_FALSE(QFileInfo::exists(folder + "/" + name));
    }
    for (const QString name : {"report.html", "report.pdf"}) {
        const QString error = q4ui::writeReport(document, charts, folder + "/" + name);
        EXPECT_TRUE(error.contains(name)) << error.toStdString();
        EXPECT_TRUE(error.contains(reason)) << error.toStdString() << " lacks " << reason.toStdString();
        EXPECT_FALSE(QFileInfo::exists(folder + "/" + name));
    }
    EXPECT_TRUE(QDir(locked).entryList(QDir::Files | QDir::Hidden).isEmpty());  // no temporary files either
    QFile::setPermissions(locked, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

}  // namespace
