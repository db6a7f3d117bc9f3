#include "model/run_provenance.h"

#include <QStringList>

#include "io/json_io.h"
#include "sweep/spec_fields.h"

namespace q4ui {

QString specSummary(const std::string& specJson) {
    if (specJson.empty()) return {};
    auto spec = q4::sweepSpecFromJson(specJson);
    if (!spec) return {};
    const bool preset = !spec->preset.empty();
    QStringList parts;
    for (const char* key : {"preset", "m", "n", "k", "group_sizes", "act_order", "kernels"}) {
        if (preset ? (key == std::string_view("n") || key == std::string_view("k")) : key == std::string_view("preset"))
            continue;
        const q4::SpecFieldInfo* field = q4::findSpecField(key);
        if (!field) continue;
        parts << QStringLiteral("%1 %2").arg(QString::fromUtf8(field->label),
                                             QString::fromStdString(q4::specFieldText(*spec, key)));
    }
    return parts.join(QStringLiteral("  "));
}

QString provenanceText(const q4::RunInfo& info) { return provenanceLine(info, specSummary(info.specJson)); }

QString provenanceLine(const q4::RunInfo& info, const QString& settings) {
    if (info.device.name.empty()) return {};
    QStringList parts{QString::fromStdString(info.device.name)};
    if (!info.device.driverVersion.empty())
        parts << QStringLiteral("driver %1").arg(QString::fromStdString(info.device.driverVersion));
    if (!info.backend.empty()) parts << QString::fromStdString(info.backend);
    if (!info.startedUtc.empty()) parts << QString::fromStdString(info.startedUtc);
    if (!settings.isEmpty()) parts << settings;
    return parts.join(QStringLiteral(" · "));
}

}  // namespace q4ui
