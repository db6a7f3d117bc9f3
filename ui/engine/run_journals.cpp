#include "engine/run_journals.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLockFile>
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
    for (int i = kJournalsKept - 1; i < old.size(); ++i) {
        const QString path = old[i].absoluteFilePath();
        if (!isJournalInUse(path)) QFile::remove(path);
    }
    return journalDirectory() + QStringLiteral("/run-") +
           QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")) + QStringLiteral(".jsonl");
}

QString journalLockPath(const QString& journal) { return journal + QStringLiteral(".lock"); }

std::unique_ptr<QLockFile> lockJournal(const QString& journal, QString* error) {
    auto lock = std::make_unique<QLockFile>(journalLockPath(journal));
    lock->setStaleLockTime(0);  // a run may last for days; only a dead owner makes a lock stale
    if (lock->tryLock(0)) return lock;
    if (error) {
        *error = lock->error() == QLockFile::LockFailedError
                     ? QStringLiteral("%1 is in use by another process").arg(journal)
                     : QStringLiteral("cannot create %1").arg(journalLockPath(journal));
    }
    return nullptr;
}

bool isJournalInUse(const QString& journal) {
    if (!QFile::exists(journalLockPath(journal))) return false;
    QLockFile probe(journalLockPath(journal));
    probe.setStaleLockTime(0);
    // tryLock removes a lock whose process is gone; the probe's own lock goes when it is destroyed.
    return !probe.tryLock(0) && probe.error() == QLockFile::LockFailedError;
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
    if (!path.isEmpty() && isJournalInUse(path)) {
        path.clear();  // another window's live run: its mark stays
    } else {
        settings.remove(kActiveKey);
    }
    if (path.isEmpty() || !QFile::exists(path)) {
        path.clear();
        for (const QFileInfo& journal : journalsNewestFirst()) {
            if (isJournalInUse(journal.absoluteFilePath())) continue;
            path = journal.absoluteFilePath();
            break;
        }
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
