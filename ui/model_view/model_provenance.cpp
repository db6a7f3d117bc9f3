#include "model_view/model_provenance.h"

#include <QFileInfo>
#include <QStringList>

#include "model/model_spec.h"
#include "model/run_provenance.h"

namespace q4ui {

namespace {

template <class T>
QString joined(const std::vector<T>& values) {
    QStringList items;
    for (const T& value : values) {
        if constexpr (std::is_same_v<T, std::string>) items << QString::fromStdString(value);
        else items << QString::number(value);
    }
    return items.join(QLatin1Char(','));
}

}  // namespace

QString modelSpecSummary(const std::string& specJson) {
    if (specJson.empty()) return {};
    auto parsed = q4::modelSpecFromJson(specJson);
    if (!parsed) return {};
    const q4::ModelSpec& spec = *parsed;
    QStringList parts;
    if (!spec.preset.empty()) parts << QString::fromStdString(spec.preset);
    else parts << QFileInfo(QString::fromStdString(spec.checkpoint)).fileName();
    parts << QStringLiteral("batch %1").arg(joined(spec.batches));
    parts << QStringLiteral("prompt %1").arg(spec.prompt);
    parts << QStringLiteral("new %1").arg(spec.newTokens);
    if (spec.checkpoint.empty()) {
        parts << QStringLiteral("g%1").arg(spec.groupSize);
        if (spec.actOrder) parts << QStringLiteral("act-order");
        parts << QStringLiteral("seed %1").arg(spec.seed);
    }
    parts << QStringLiteral("kernels %1").arg(joined(spec.kernels));
    parts << QStringLiteral("CUDA graph %1").arg(spec.cudaGraph ? QStringLiteral("yes") : QStringLiteral("no"));
    return parts.join(QStringLiteral("  "));
}

QString modelProvenanceText(const q4::RunInfo& info) {
    return provenanceLine(info, modelSpecSummary(info.specJson));
}

}  // namespace q4ui
