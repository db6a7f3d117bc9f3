#pragma once
// The results the workbench shows: one current run (live or loaded) and an optional baseline
// run to compare against. Charts, table and exports observe it; nothing here measures.
#include <QObject>
#include <QString>
#include <functional>
#include <optional>
#include <vector>

#include "results/run_result.h"

namespace q4ui {

// Which records a view shows (the table's filter, passed on to the charts); empty shows all.
using RecordPredicate = std::function<bool(const q4::Record&)>;

class RunDocument : public QObject {
    Q_OBJECT
public:
    explicit RunDocument(QObject* parent = nullptr);

    const q4::RunResult& run() const { return run_; }
    const std::vector<q4::Record>& records() const { return run_.records; }
    const std::optional<q4::RunResult>& baseline() const { return baseline_; }
    QString sourcePath() const { return sourcePath_; }  // empty for a live run

    // A live run starts: clears the records, keeps the info.
    void beginRun(const q4::RunInfo& info);
    void appendRecord(const q4::Record& record);
    void finishRun(const q4::RunInfo& info);
    // A whole run loaded from a file (JSON, CSV or a recovered journal).
    void setRun(const q4::RunResult& run, const QString& sourcePath);
    void setBaseline(const q4::RunResult& baseline);
    void clearBaseline();
    // The baseline record of the same point and kernel (q4::samePointAndKernel), if any.
    const q4::Record* baselineFor(const q4::Record& record) const;

signals:
    void reset();                      // everything changed
    void recordAppended(int index);    // one record landed (live run)
    void runFinished();
    void baselineChanged();

private:
    q4::RunResult run_;
    std::optional<q4::RunResult> baseline_;
    QString sourcePath_;
};

}  // namespace q4ui
