#pragma once
// The workbench's settings, by explicit names so they are found whatever the application object
// is called (tests, the app); the format follows QSettings::setDefaultFormat.
#include <QSettings>

namespace q4ui {

struct AppSettings : QSettings {
    AppSettings() : QSettings(QSettings::defaultFormat(), QSettings::UserScope, "Q4Bench", "q4bench") {}
};

}  // namespace q4ui
