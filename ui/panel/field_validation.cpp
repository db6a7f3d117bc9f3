#include "panel/field_validation.h"

#include <QStringList>
#include <QVariant>
#include <QWidget>
#include <utility>

namespace q4ui {

namespace {

constexpr char kHelpProperty[] = "helpToolTip";
constexpr char kInvalidProperty[] = "invalid";

// "timing.min_time=0.5 must be ..." -> the timing field named before '='.
SpecField timingField(std::string_view name) {
    static const std::pair<std::string_view, SpecField> fields[] = {
        {"warmup", SpecField::Warmup},     {"min_samples", SpecField::MinSamples}, {"min_time", SpecField::MinTime},
        {"max_noise", SpecField::MaxNoise}, {"timeout", SpecField::Timeout},
    };
    for (const auto& [prefix, field] : fields) {
        if (name.starts_with(prefix)) {
            const std::string_view rest = name.substr(prefix.size());
            if (rest.empty() || rest.front() == '=' || rest.front() == ' ') return field;
        }
    }
    return SpecField::None;
}

// True when message names the axis as "m=", "m:", "m " (e.g. "m list is empty").
bool namesAxis(std::string_view message, char axis) {
    return message.size() >= 2 && message[0] == axis && (message[1] == '=' || message[1] == ':' || message[1] == ' ');
}

}  // namespace

SpecField fieldOfMessage(std::string_view message) {
    if (message.starts_with("--")) message.remove_prefix(2);
    if (message.starts_with("the ")) message.remove_prefix(4);  // "the k list is empty"
    if (message.starts_with("timing.")) return timingField(message.substr(7));
    if (namesAxis(message, 'm')) return SpecField::M;
    if (namesAxis(message, 'n')) return SpecField::N;
    if (namesAxis(message, 'k')) return SpecField::K;
    if (message.starts_with("group size")) return SpecField::GroupSizes;
    if (message.starts_with("tolerance")) return SpecField::Tolerance;
    if (message.starts_with("seed")) return SpecField::Seed;
    if (message.starts_with("preset") || message.starts_with("unknown preset")) return SpecField::Preset;
    if (message.starts_with("kernel") || message.starts_with("unknown kernel")) return SpecField::Kernels;
    return SpecField::None;
}

q4::Expected<std::vector<int>> parseGroupSizes(const QString& text) {
    const QString help = QStringLiteral("(use 128 or 32,64,128,-1)");
    if (text.trimmed().isEmpty()) return q4::Error{("group size: empty list " + help).toStdString()};
    std::vector<int> sizes;
    for (const QString& item : text.split(',')) {
        bool ok = false;
        const int value = item.trimmed().toInt(&ok);
        if (!ok) return q4::Error{("group size: '" + item.trimmed() + "' is not an integer " + help).toStdString()};
        sizes.push_back(value);
    }
    return sizes;
}

q4::Expected<std::uint64_t> parseSeed(const QString& text) {
    bool ok = false;
    const qulonglong value = text.trimmed().toULongLong(&ok, 10);
    if (!ok) return q4::Error{("seed: '" + text.trimmed() + "' is not an unsigned 64-bit integer").toStdString()};
    return std::uint64_t(value);
}

void markField(QWidget* field, const QString& message) {
    if (!field->property(kHelpProperty).isValid()) field->setProperty(kHelpProperty, field->toolTip());
    const bool invalid = !message.isEmpty();
    if (invalid == isMarked(field) && (!invalid || field->toolTip() == message)) return;
    field->setProperty(kInvalidProperty, invalid);
    // Scoped to the widget's own class so child widgets (a spin box's line edit) keep their look.
    field->setStyleSheet(invalid ? QStringLiteral("%1 { border: 1px solid #d32f2f; }")
                                       .arg(QString::fromLatin1(field->metaObject()->className()))
                                 : QString());
    field->setToolTip(invalid ? message : field->property(kHelpProperty).toString());
}

bool isMarked(const QWidget* field) { return field->property(kInvalidProperty).toBool(); }

void setHelpToolTip(QWidget* field, const QString& help) {
    field->setProperty(kHelpProperty, help);
    if (!isMarked(field)) field->setToolTip(help);
}

}  // namespace q4ui
