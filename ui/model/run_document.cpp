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
        if (samePointAndKernel(candidate, record)) return &candidate;
    return nullptr;
}

bool samePointAndKernel(const q4::Record& a, const q4::Record& b) {
    return a.kernel == b.kernel && a.m == b.m && a.n == b.n && a.k == b.k && a.groupSize == b.groupSize &&
           a.actOrder == b.actOrder && a.symmetric == b.symmetric && a.zeroFormat == b.zeroFormat &&
           a.layer == b.layer;
}

}  // namespace q4ui
