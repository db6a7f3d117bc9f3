#include "engine/run_journals.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QStandardPaths>

#include "app_settings.h"

namespace q4ui {
namespace {

constexpr int kJournalsKept = 20;
const QString kActiveKey = QStringLiteral("activeJournal");
const QString kOfferedKey = QStringLiteral("recoveryOffered");

QFileInfoList journalsNewestFirst() {
    return QDir(journalDirectory()).entryInfoList({QStringLiteral("run-*.jsonl")}, QDir::Files, QDir::Time);
}

}  // namespace

QString journalDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/journal");
}

QString newJournalPath() {
    QDir().mkpath(journalDirectory());
    const QFileInfoList old = journalsNewestFirst();
    for (int i = kJournalsKept - 1; i < old.size(); ++i) QFile::remove(old[i].absoluteFilePath());
    return journalDirectory() + QStringLiteral("/run-") +
           QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")) + QStringLiteral(".jsonl");
}

void setActiveJournal(const QString& path) {
    AppSettings settings;
    settings.setValue(kActiveKey, path);
    settings.sync();
}

void clearActiveJournal() { AppSettings().remove(kActiveKey); }

std::optional<InterruptedRun> takeInterruptedRun(QString* error) {
    AppSettings settings;
    QString path = settings.value(kActiveKey).toString();
    settings.remove(kActiveKey);
    if (path.isEmpty() || !QFile::exists(path)) {
        const QFileInfoList journals = journalsNewestFirst();
        path = journals.isEmpty() ? QString() : journals.front().absoluteFilePath();
    }
    if (path.isEmpty() || path == settings.value(kOfferedKey).toString()) return std::nullopt;
    auto journal = q4::recoverJournal(QFile::encodeName(path).toStdString());
    if (!journal) {
        settings.setValue(kOfferedKey, path);
        if (error) *error = QString::fromStdString(journal.error());
        return std::nullopt;
    }
    if (journal->complete) return std::nullopt;
    settings.setValue(kOfferedKey, path);
    return InterruptedRun{path, std::move(journal).value()};
}

}  // namespace q4ui
