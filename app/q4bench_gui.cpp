// q4bench: the Qt workbench. Also headless-friendly for README screenshots:
//   QT_QPA_PLATFORM=offscreen q4bench --run --screenshot shot.png
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>
#include <cstdio>

#include "engine/benchmark_worker.h"
#include "main_window.h"

namespace {

bool saveScreenshot(QWidget& window, const QString& path) {
    QApplication::processEvents();  // let charts and the table finish laying out and painting
    if (window.grab().save(path)) return true;
    std::fprintf(stderr, "q4bench: cannot write the screenshot %s\n", qPrintable(path));
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Q4Bench"));
    QApplication::setApplicationName(QStringLiteral("q4bench"));
    QApplication::setApplicationDisplayName(QStringLiteral("Q4Bench"));
    QApplication::setApplicationVersion(QStringLiteral(Q4BENCH_VERSION));
    Q_INIT_RESOURCE(resources);  // the resources live in the static q4ui library
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/q4bench.png")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Workbench for int4-weight x fp16-activation GPTQ GEMM kernels"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a PNG of the window and exit (with --run: once the run ends)."),
                                        QStringLiteral("file.png"));
    const QCommandLineOption sweep(QStringLiteral("sweep"),
                                   QStringLiteral("Load a sweep spec (the format q4bench-cli --sweep reads)."),
                                   QStringLiteral("spec.json"));
    const QCommandLineOption run(QStringLiteral("run"),
                                 QStringLiteral("Start the sweep (--sweep's, else the last one) at startup."));
    const QCommandLineOption noRecovery(QStringLiteral("no-recovery-prompt"),
                                        QStringLiteral("Load an interrupted run's records without asking first."));
    parser.addOption(screenshot);
    parser.addOption(sweep);
    parser.addOption(run);
    parser.addOption(noRecovery);
    parser.addPositionalArgument(QStringLiteral("files"),
                                 QStringLiteral("Results to open (.json, .csv, .jsonl); a second file is the baseline."),
                                 QStringLiteral("[run [baseline]]"));
    parser.process(app);

    q4ui::MainWindow window;
    window.show();

    const QStringList files = parser.positionalArguments();
    const QString shotPath = parser.value(screenshot);
    const bool prompt = !parser.isSet(noRecovery) && shotPath.isEmpty() &&
                        qEnvironmentVariable("Q4BENCH_NO_RECOVERY_PROMPT") != QLatin1String("1");

    // After the event loop starts, so the window is on screen behind any prompt.
    QTimer::singleShot(0, &window, [&] {
        if (files.isEmpty()) window.recoverInterruptedRun(prompt);
        QString error;
        if (!files.isEmpty() && !window.openFile(files[0], &error)) std::fprintf(stderr, "q4bench: %s\n", qPrintable(error));
        if (files.size() > 1 && !window.openBaseline(files[1], &error)) std::fprintf(stderr, "q4bench: %s\n", qPrintable(error));
        if (parser.isSet(sweep) && !window.loadSweepSpec(parser.value(sweep), &error))
            std::fprintf(stderr, "q4bench: %s\n", qPrintable(error));
        if (parser.isSet(run)) window.startRun();
        if (shotPath.isEmpty()) return;
        // Closed like a normal exit, so settings are saved; the exit code says whether the file was written.
        auto shootAndQuit = [&] {
            const bool saved = saveScreenshot(window, shotPath);
            window.close();
            QApplication::exit(saved ? 0 : 1);
        };
        if (window.controller()->isRunning()) QObject::connect(&window, &q4ui::MainWindow::runEnded, &window, shootAndQuit);
        else shootAndQuit();
    });
    return app.exec();
}
