#include "panel/typed_ranges.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace q4ui {

bool keepsTypedText(const std::string& key) {
    return key == "m" || key == "n" || key == "k" || key == "group_sizes";
}

TypedRanges typedRangesIn(const std::string& specJson) {
    TypedRanges ranges;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(specJson));
    const QJsonObject object = document.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string key = it.key().toStdString();
        if (keepsTypedText(key) && it.value().isString()) ranges[key] = it.value().toString();
    }
    return ranges;
}

std::string withTypedRanges(const std::string& specJson, const TypedRanges& ranges) {
    QString json = QString::fromStdString(specJson);
    for (const auto& [key, text] : ranges) {
        if (!keepsTypedText(key)) continue;
        // A JSON string literal of the text, escaped by Qt.
        const QString literal =
            QString::fromUtf8(QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
        // Arrays of numbers hold no ']', so the first one closes the key's list.
        const QRegularExpression list(
            QStringLiteral("(\"%1\"\\s*:\\s*)\\[[^\\]]*\\]").arg(QString::fromStdString(key)));
        const QRegularExpressionMatch match = list.match(json);
        if (match.hasMatch()) json.replace(match.capturedStart(), match.capturedLength(), match.captured(1) + literal);
    }
    return json.toStdString();
}

}  // namespace q4ui
