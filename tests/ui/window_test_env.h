#pragma once
// A window test's own settings and app-data folders (ctest runs tests in parallel), and a wait
// that keeps the event loop turning.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <functional>

namespace q4test {

class WindowTestEnv : public ::testing::Test {
public:
    static QSettings settings() { return QSettings(QSettings::IniFormat, QSettings::UserScope, "Q4Bench", "q4bench"); }

    static bool waitUntil(const std::function<bool()>& done, int timeoutMs = 30000) {
        QElapsedTimer clock;
        clock.start();
        while (!done()) {
            if (clock.elapsed() > timeoutMs) return false;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        }
        return true;
    }

protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        home = qgetenv("HOME");
        qputenv("HOME", QFile::encodeName(dir.path()));  // test mode puts app data under $HOME/.qttest
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.filePath("config"));
        QCoreApplication::setOrganizationName("Q4Bench");
        QCoreApplication::setApplicationName("q4bench");
    }
    void TearDown() override { qputenv("HOME", home); }

    QTemporaryDir dir;
    QByteArray home;
};

}  // namespace q4test
