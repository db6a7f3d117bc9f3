#pragma once
// Where the workbench journals its runs, and which journal a crash left unfinished. A run marks
// its journal active and holds its lock (<journal>.lock) while it runs; a run that ends, even
// cancelled, closes its journal. A journal whose lock a live process holds is being written, so
// recovery leaves it alone (a second window must not offer another window's live run).
#include <QString>
#include <memory>
#include <optional>

#include "io/journal.h"

class QLockFile;

namespace q4ui {

QString journalDirectory();  // AppDataLocation/journal
// A fresh journal path for a run starting now; creates the folder and keeps the newest journals only.
QString newJournalPath();
QString journalLockPath(const QString& journal);
// Locks a journal for the run that writes it; null when the lock cannot be created (the folder is
// not writable) or another process holds it, with the reason in *error.
std::unique_ptr<QLockFile> lockJournal(const QString& journal, QString* error);
// True while a live process holds the journal's lock; a stale lock (its process gone) is removed.
bool isJournalInUse(const QString& journal);
void setActiveJournal(const QString& path);  // written through at once: a crash must still find it
void clearActiveJournal();

struct InterruptedRun {
    QString path;
    q4::RecoveredJournal journal;
};
// The journal marked active when the app last stopped, else the newest one, if it did not
// finish, is not in use by a running window and was not offered before; it counts as offered from now on. A journal that cannot
// be read sets *error.
std::optional<InterruptedRun> takeInterruptedRun(QString* error);

}  // namespace q4ui
