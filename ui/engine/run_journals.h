#pragma once
// Where the workbench journals its runs, and which journal a crash left unfinished. A run marks
// its journal active while it runs; a run that ends, even cancelled, closes its journal.
#include <QString>
#include <optional>

#include "io/journal.h"

namespace q4ui {

QString journalDirectory();  // AppDataLocation/journal
// A fresh journal path for a run starting now; creates the folder and keeps the newest journals only.
QString newJournalPath();
void setActiveJournal(const QString& path);  // written through at once: a crash must still find it
void clearActiveJournal();

struct InterruptedRun {
    QString path;
    q4::RecoveredJournal journal;
};
// The journal marked active when the app last stopped, else the newest one, if it did not
// finish and was not offered before; it counts as offered from now on. A journal that cannot
// be read sets *error.
std::optional<InterruptedRun> takeInterruptedRun(QString* error);

}  // namespace q4ui
