#include <gtest/gtest.h>

#include <QSignalSpy>

#include "model/run_document.h"

namespace {

q4::Record record(const std::string& kernel, std::int64_t m) {
    q4::Record r;
    r.kernel = kernel;
    r.m = m;
    r.n = 4096;
    r.k = 4096;
    r.time.median = 1e-5 * double(m);
    return r;
}

TEST(RunDocument, AppendsRecordsAndFindsTheirBaseline) {
    q4ui::RunDocument document;
    QSignalSpy appended(&document, &q4ui::RunDocument::recordAppended);
    document.beginRun(q4::RunInfo{});
    document.appendRecord(record("a", 1));
    document.appendRecord(record("a", 2));
    EXPECT_EQ(appended.count(), 2);
    EXPECT_EQ(document.records().size(), 2u);

    q4::RunResult baseline;
    baseline.records = {record("a", 2), record("b", 1)};
    document.setBaseline(baseline);
    EXPECT_EQ(document.baselineFor(document.records()[0]), nullptr);
    ASSERT_NE(document.baselineFor(document.records()[1]), nullptr);
    EXPECT_EQ(document.baselineFor(document.records()[1])->m, 2);
}

}  // namespace
