#pragma once
// The workbench window, two pages: Sweep (the sweep panel in the left dock, charts over the
// results table in the centre) and Model (whole-model runs, see model_view/model_view.h); the
// log (bottom dock) and the sweep's progress and Cancel (status bar) are shared. Sweeps go
// through the BenchmarkController; every record is journalled as it lands so a crashed run can
// be recovered on the next start. One run at a time, sweep or model, so timings stay clean.
#include <QElapsedTimer>
#include <QMainWindow>
#include <QString>
#include <memory>
#include <vector>

#include "panel/sweep_panel.h"

class QDockWidget;
class QLabel;
class QLineEdit;
class QLockFile;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;
class QTimer;

namespace q4ui {

class BenchmarkController;
class ChartsView;
class ModelView;
class ResultsFilterProxy;
class ResultsTableModel;
class RunDocument;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    SweepPanel* sweepPanel() const { return panel_; }
    ChartsView* charts() const { return charts_; }
    QTableView* resultsView() const { return table_; }
    ResultsTableModel* resultsModel() const { return model_; }
    ResultsFilterProxy* resultsProxy() const { return proxy_; }
    RunDocument* document() const { return document_; }
    ModelView* modelView() const { return modelView_; }
    QTabWidget* pages() const { return pages_; }  // "sweep" and "model"
    void showModelPage(bool model);
    BenchmarkController* controller() const { return controller_; }
    QPushButton* runButton() const { return runButton_; }
    QProgressBar* progressBar() const { return progressBar_; }
    QString progressText() const;
    QString logText() const;

    // File actions without dialogs; each returns false and sets *error (also logged) on failure.
    // .json, .csv or .jsonl as the run; a model result file (.json) opens in the Model page.
    bool openFile(const QString& path, QString* error);
    bool openBaseline(const QString& path, QString* error);   // the same formats, as the baseline
    bool saveResults(const QString& path, QString* error) const;  // .csv: CSV, else JSON
    bool exportChart(const QString& chartName, const QString& path, QString* error) const;
    bool exportReport(const QString& path, QString* error) const;  // .pdf or .html
    bool loadSweepSpec(const QString& path, QString* error);
    bool saveSweepSpec(const QString& path, QString* error) const;

    void startRun();
    void cancelRun();
    // Loads the shown run's sweep spec into the panel, to measure it again.
    bool rerunSpec(QString* error);
    QString provenance() const;  // the line above the charts: device, driver, date, spec
    // Offers the last journal when it did not finish (a crash or a kill); with askUser false
    // it is loaded without asking. Returns true when records were loaded.
    bool recoverInterruptedRun(bool askUser);

    static QString journalDirectory();

signals:
    void runEnded(bool cancelled);  // a run finished, was cancelled or failed to start

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildCentre();
    void buildDocks();
    void buildStatusBar();
    void buildMenus();
    void connectController();
    void restoreSettings();
    void saveSettings() const;

    void appendLog(const QString& line);
    void reportError(const QString& message, bool showDialog);
    void updateRunControls();
    void setRunning(bool running);
    void onPageChanged();
    void runCurrentPage();
    void cancelCurrentPage();
    void onProgress(int done, int total);
    void showProgress();  // from the window's own clock, so elapsed ticks between records
    void resetProgress(const QString& text);
    void onRunEnded(bool cancelled);
    void setTitle(const QString& subject);  // the platform adds the application's name
    void copySelection() const;

    void addRecentFile(const QString& path);
    void rebuildRecentMenu();

    // Dialog-driven versions of the file actions.
    void openDialog();
    void openBaselineDialog();
    void saveResultsDialog(const QString& filter);
    void exportChartDialog();
    void exportReportDialog();
    void loadSpecDialog();
    void saveSpecDialog();

    RunDocument* document_ = nullptr;
    ResultsTableModel* model_ = nullptr;
    ResultsFilterProxy* proxy_ = nullptr;
    BenchmarkController* controller_ = nullptr;
    SweepPanel* panel_ = nullptr;
    ChartsView* charts_ = nullptr;
    QTableView* table_ = nullptr;
    QLineEdit* filterEdit_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QLabel* progressLabel_ = nullptr;
    QLabel* provenanceLabel_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QTabWidget* pages_ = nullptr;
    ModelView* modelView_ = nullptr;
    QDockWidget* sweepDock_ = nullptr;
    bool sweepDockWanted_ = true;  // the sweep dock's visibility on the Sweep page
    bool modelPageShown_ = false;
    QMenu* recentMenu_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    bool running_ = false;

    // Progress of the run in flight, shown by showProgress().
    QTimer* progressTimer_ = nullptr;
    QElapsedTimer runClock_;
    double estimateSeconds_ = 0;     // the panel's guess, until the first record
    double lastRecordSeconds_ = 0;   // runClock_ when the last record landed
    int done_ = 0;
    int total_ = 0;
    bool cancelling_ = false;
    std::unique_ptr<QLockFile> journalLock_;  // held while the run writes its journal
};

}  // namespace q4ui
