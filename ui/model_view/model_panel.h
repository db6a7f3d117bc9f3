#pragma once
// The Model view's settings: the model (a preset with an architecture, or a GPTQ checkpoint
// directory), batch sizes, prompt and generated lengths, the random weights' quantization, the
// backend and its kernels, CUDA graphs and the stop criterion. Every field's text goes through
// the engine's one reader (q4::setModelSpecField) and the whole spec through
// q4::validateModelSpec after every edit; an error marks the field its key names and shows the
// engine's message right below it. Run is offered only for a valid spec.
#include <QStringList>
#include <QWidget>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "model/model_spec.h"
#include "panel/backend_choices.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace q4ui {

class ModelPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelPanel(QWidget* parent = nullptr);

    // Offered backends and devices; the first is selected. The kernel list follows the backend.
    void setBackends(const std::vector<BackendChoice>& choices);
    BackendChoice selectedBackend() const;

    q4::ModelSpec spec() const { return spec_; }  // what the fields say (valid or not)
    void setSpec(const q4::ModelSpec& spec);
    bool isValid() const { return valid_; }
    QString validationMessage() const { return message_; }  // every problem, one a line; empty when valid
    int recordCount() const;  // batches x kernels, 0 when invalid
    // The widget that holds a model-spec key ("batch", "timing.warmup"), null for none.
    QWidget* fieldWidget(const std::string& key) const;
    // The error shown below a field, empty when the field is fine.
    QString fieldError(const std::string& key) const;

    // While a run is in progress the fields are locked and Cancel is offered. busyReason, when
    // not empty, keeps Run off (another run holds the device) and says why.
    void setRunning(bool running);
    void setBusyReason(const QString& reason);
    QPushButton* runButton() const { return runButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }

signals:
    void specChanged();
    void validityChanged(bool valid);
    void runRequested();
    void cancelRequested();

private:
    struct Field {
        std::string key;
        QWidget* widget;
        QLabel* error;  // right below the field
    };

    QWidget* buildModel();
    QWidget* buildGeneration();
    QWidget* buildWeights();
    QWidget* buildBackend();
    QWidget* buildTiming();
    // A form row labelled, and with help, from the engine's field table, and an error row below it.
    void addField(QFormLayout* form, const char* key, QWidget* widget, QWidget* rowContent = nullptr);

    QString fieldText(const Field& field) const;  // as setModelSpecField reads it
    bool checkpointMode() const;
    void reloadKernels();
    void updateModeState();
    void updatePresetInfo();
    void browseCheckpoint();
    void inspectCheckpoint();
    void revalidate();
    void report(const std::string& key, const std::string& message, QStringList& errors);
    const Field* findField(const std::string& key) const;
    void updateButtons();

    std::vector<Field> fields_;
    std::vector<BackendChoice> backends_;
    std::vector<q4::KernelInfo> catalog_;

    QWidget* content_ = nullptr;
    QRadioButton* presetRadio_ = nullptr;
    QRadioButton* checkpointRadio_ = nullptr;
    QComboBox* presetCombo_ = nullptr;
    QLabel* presetInfo_ = nullptr;
    QLineEdit* checkpointEdit_ = nullptr;
    QPushButton* browseButton_ = nullptr;
    QPushButton* inspectButton_ = nullptr;
    QWidget* weightsBox_ = nullptr;
    QComboBox* backendCombo_ = nullptr;
    QLabel* backendNote_ = nullptr;
    QListWidget* kernelList_ = nullptr;
    QCheckBox* cudaGraphCheck_ = nullptr;
    QLabel* errorLabel_ = nullptr;
    QLabel* summaryLabel_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;

    q4::ModelSpec spec_;
    bool valid_ = false;
    QString message_;
    QString busyReason_;
    bool running_ = false;
    bool filling_ = false;  // setSpec/setBackends fill many fields: validate once at the end
};

}  // namespace q4ui
