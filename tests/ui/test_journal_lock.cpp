// A journal that a running window writes is not "interrupted": its lock, held by a live process,
// hides it from recovery in a second window; a lock left by a process that is gone does not.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QProcess>
#include <QSignalSpy>

#include "engine/run_journals.h"
#include "io/journal.h"
#include "main_window.h"
#include "model/run_document.h"
#include "tiny_sweep.h"
#include "window_test_env.h"

namespace {

class JournalLock : public q4test::WindowTestEnv {
protected:
    // An unfinished journal of three records, marked active as a running window marks it.
    QString writeUnfinishedJournal() {
        const QString path = q4ui::journalDirectory() + "/run-20200101-000000-000.jsonl";
        EXPECT_TRUE(QDir().mkpath(q4ui::journalDirectory()));
        q4::RunInfo info;
        info.runId = "live";
        auto writer = q4::JournalWriter::open(path.toStdString(), info);
        EXPECT_TRUE(writer.ok()) << writer.error();
        for (int i = 0; i < 3; ++i) {
            q4::Record record;
            record.runId = "live";
            record.kernel = QStringLiteral("k%1").arg(i).toStdString();
            record.m = 1;
            record.n = 64;
            record.k = 256;
            EXPECT_TRUE(writer.value()->append(record).ok());
        }
        settings().setValue("activeJournal", path);
        return path;
    }
};

TEST_F(JournalLock, AHeldLockHidesTheJournalFromRecovery) {
    const QString path = writeUnfinishedJournal();
    QString error;
    std::unique_ptr<QLockFile> lock = q4ui::lockJournal(path, &error);
    ASSERT_TRUE(lock) << error.toStdString();
    EXPECT_TRUE(q4ui::isJournalInUse(path));

    q4ui::MainWindow second;
    EXPECT_FALSE(second.recoverInterruptedRun(false));
    EXPECT_TRUE(second.document()->records().empty());
    EXPECT_EQ(settings().value("activeJournal").toString(), path);  // the running window's mark stays

    // Once the run stops holding it (a crash releases it too), the journal is offered.
    lock.reset();
    EXPECT_FALSE(q4ui::isJournalInUse(path));
    EXPECT_TRUE(second.recoverInterruptedRun(false));
    EXPECT_EQ(second.document()->records().size(), 3u);
}

TEST_F(JournalLock, AStaleLockDoesNotHideTheJournal) {
    const QString path = writeUnfinishedJournal();
    // A lock in QLockFile's own format, but owned by a process that has exited.
    QProcess gone;
    gone.start("true", QStringList{});
    ASSERT_TRUE(gone.waitForStarted());
    const qint64 deadPid = gone.processId();
    ASSERT_TRUE(gone.waitForFinished());
    {
        QLockFile model(dir.filePath("model.lock"));
        ASSERT_TRUE(model.tryLock(0));
        QFile held(dir.filePath("model.lock"));
        ASSERT_TRUE(held.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = held.readAll().split('\n');
        lines[0] = QByteArray::number(deadPid);
        QFile stale(q4ui::journalLockPath(path));
        ASSERT_TRUE(stale.open(QIODevice::WriteOnly));
        stale.write(lines.join('\n'));
    }
    EXPECT_FALSE(q4ui::isJournalInUse(path));
    q4ui::MainWindow window;
    EXPECT_TRUE(window.recoverInterruptedRun(false));
    EXPECT_EQ(window.document()->records().size(), 3u);
}

TEST_F(JournalLock, ARunHoldsItsJournalsLockUntilItEnds) {
    q4ui::MainWindow window;
    q4::SweepSpec spec = q4test::tinyCpuSweep();
    spec.m = {1};
    spec.timing.minTimeSeconds = 0.5;  // long enough to look at the lock mid-run
    window.sweepPanel()->setSpec(spec);
    ASSERT_TRUE(window.sweepPanel()->isValid());
    QSignalSpy ended(&window, &q4ui::MainWindow::runEnded);
    window.startRun();
    const QString journal = settings().value("activeJournal").toString();
    ASSERT_FALSE(journal.isEmpty());
    EXPECT_TRUE(q4ui::isJournalInUse(journal));
    ASSERT_TRUE(ended.wait(30000));
    EXPECT_FALSE(q4ui::isJournalInUse(journal));
    EXPECT_FALSE(QFile::exists(q4ui::journalLockPath(journal)));
}

}  // namespace
