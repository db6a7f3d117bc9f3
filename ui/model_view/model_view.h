#pragma once
// The Model view (the workbench's second page): the model panel on the left; on the right the
// run's provenance, the live charts and the results table, with file actions and the run's
// progress above them. Runs go through the ModelController, off the GUI thread; the engine's
// log lines are handed on through logMessage().
#include <QElapsedTimer>
#include <QString>
#include <QWidget>

class QLabel;
class QProgressBar;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace q4ui {

class ModelChartsView;
class ModelController;
class ModelDocument;
class ModelPanel;
class ModelTableModel;

class ModelView : public QWidget {
    Q_OBJECT
public:
    explicit ModelView(QWidget* parent = nullptr);
    ~ModelView() override;

    ModelPanel* panel() const { return panel_; }
    ModelChartsView* charts() const { return charts_; }
    QTableView* table() const { return table_; }
    ModelTableModel* tableModel() const { return model_; }
    ModelDocument* document() const { return document_; }
    ModelController* controller() const { return controller_; }
    QProgressBar* progressBar() const { return progressBar_; }
    QString progressText() const;
    QString provenance() const;  // the line above the charts

    // Starts the panel's spec; false (with *error) when it is invalid or a run is in progress.
    bool startRun(QString* error = nullptr);
    void cancelRun();
    bool isRunning() const { return running_; }
    // Cancels any run and waits for it; the run's last records land first.
    void shutdown();
    // Another run holds the device (the sweep): Run stays off and says why; empty lifts it.
    void setBusyReason(const QString& reason);

    // File actions without dialogs; each returns false and sets *error on failure.
    bool openFile(const QString& path, QString* error);
    bool saveResults(const QString& path, QString* error) const;  // .csv: CSV, else JSON
    bool exportChart(const QString& chartName, const QString& path, QString* error) const;
    // Loads the shown run's model spec into the panel, to measure it again.
    bool rerunSpec(QString* error);

    void restoreSettings();  // the last spec run
    void saveSettings() const;

    // Dialog-driven versions of the file actions.
    void openDialog();
    void saveResultsDialog(const QString& filter);
    void exportChartDialog();

signals:
    void logMessage(const QString& line);
    void runningChanged(bool running);
    void runEnded(bool cancelled);  // a run finished, was cancelled or failed

private:
    QWidget* buildResults();
    void connectController();
    void setRunning(bool running);
    void showProgress();
    void onRunEnded(bool cancelled, const QString& failure);
    void showColumnsByDefault();
    bool fail(const QString& message, QString* error);

    ModelDocument* document_;
    ModelTableModel* model_;
    QSortFilterProxyModel* proxy_;
    ModelController* controller_;
    ModelPanel* panel_ = nullptr;
    ModelChartsView* charts_ = nullptr;
    QTableView* table_ = nullptr;
    QLabel* provenanceLabel_ = nullptr;
    QLabel* progressLabel_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QTimer* progressTimer_ = nullptr;
    QElapsedTimer runClock_;
    int done_ = 0;
    int total_ = 0;
    bool running_ = false;
    bool cancelling_ = false;
};

}  // namespace q4ui
