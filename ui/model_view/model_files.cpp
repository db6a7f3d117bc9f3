#include "model_view/model_files.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace q4ui {

namespace {

constexpr qint64 kMaxPeekBytes = qint64(1) << 30;  // a result file larger than this is not parsed to peek

std::string nativePath(const QString& path) { return QFile::encodeName(path).toStdString(); }

}  // namespace

q4::Expected<q4::ModelRunResult> loadModelFile(const QString& path) {
    if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        return q4::Error{QStringLiteral("%1: model results open from JSON (CSV keeps no run information)")
                             .arg(path)
                             .toStdString()};
    return q4::readModelResultFile(nativePath(path));
}

q4::Status saveModelFile(const QString& path, const q4::ModelRunResult& run) {
    if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) return q4::writeModelCsvFile(nativePath(path), run.records);
    return q4::writeModelResultFile(nativePath(path), run);
}

bool isModelResultFile(const QString& path) {
    if (!path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) return false;
    QFile file(path);
    if (QFileInfo(path).size() > kMaxPeekBytes || !file.open(QIODevice::ReadOnly)) return false;
    const QJsonDocument json = QJsonDocument::fromJson(file.readAll());
    return json.isObject() && json.object().value(QLatin1String("kind")).toString() == QLatin1String("model");
}

}  // namespace q4ui
