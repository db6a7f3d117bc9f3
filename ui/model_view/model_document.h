#pragma once
// The model run the Model view shows: one run, live or loaded from a file. The table and the
// charts observe it; nothing here measures.
#include <QObject>
#include <QString>
#include <vector>

#include "model/model_runner.h"

namespace q4ui {

class ModelDocument : public QObject {
    Q_OBJECT
public:
    explicit ModelDocument(QObject* parent = nullptr);

    const q4::ModelRunResult& run() const { return run_; }
    const std::vector<q4::ModelRecord>& records() const { return run_.records; }
    QString sourcePath() const { return sourcePath_; }  // empty for a live run

    // A live run starts: clears the records, keeps the info.
    void beginRun(const q4::RunInfo& info);
    void appendRecord(const q4::ModelRecord& record);
    void finishRun(const q4::RunInfo& info);
    // A whole run loaded from a file.
    void setRun(const q4::ModelRunResult& run, const QString& sourcePath);

signals:
    void reset();                    // everything changed
    void recordAppended(int index);  // one record landed (live run)
    void runFinished();

private:
    q4::ModelRunResult run_;
    QString sourcePath_;
};

}  // namespace q4ui
