#include "model_view/model_document.h"

namespace q4ui {

ModelDocument::ModelDocument(QObject* parent) : QObject(parent) {}

void ModelDocument::beginRun(const q4::RunInfo& info) {
    run_ = q4::ModelRunResult{info, {}};
    sourcePath_.clear();
    emit reset();
}

void ModelDocument::appendRecord(const q4::ModelRecord& record) {
    run_.records.push_back(record);
    emit recordAppended(int(run_.records.size()) - 1);
}

void ModelDocument::finishRun(const q4::RunInfo& info) {
    run_.info = info;
    emit runFinished();
}

void ModelDocument::setRun(const q4::ModelRunResult& run, const QString& sourcePath) {
    run_ = run;
    sourcePath_ = sourcePath;
    emit reset();
}

}  // namespace q4ui
