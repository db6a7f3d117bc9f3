#include "model/run_document.h"

namespace q4ui {

RunDocument::RunDocument(QObject* parent) : QObject(parent) {}

void RunDocument::beginRun(const q4::RunInfo& info) {
    run_ = q4::RunResult{info, {}};
    sourcePath_.clear();
    emit reset();
}

void RunDocument::appendRecord(const q4::Record& record) {
    run_.records.push_back(record);
    emit recordAppended(int(run_.records.size()) - 1);
}

void RunDocument::finishRun(const q4::RunInfo& info) {
    run_.info = info;
    emit runFinished();
}

void RunDocument::setRun(const q4::RunResult& run, const QString& sourcePath) {
    run_ = run;
    sourcePath_ = sourcePath;
    emit reset();
}

void RunDocument::setBaseline(const q4::RunResult& baseline) {
    baseline_ = baseline;
    emit baselineChanged();
}

void RunDocument::clearBaseline() {
    baseline_.reset();
    emit baselineChanged();
}

const q4::Record* RunDocument::baselineFor(const q4::Record& record) const {
    if (!baseline_) return nullptr;
    for (const auto& candidate : baseline_->records)
        if (q4::samePointAndKernel(candidate, record)) return &candidate;
    return nullptr;
}

}  // namespace q4ui
