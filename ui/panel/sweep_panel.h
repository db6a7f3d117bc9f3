#pragma once
// The sweep panel (dock content): shapes, a preset or a checkpoint's layers, quantization,
// kernels, backend and device, timing. Each field's text goes through the engine's one reader (setSpecField) and the
// spec is then expanded by the engine; an error marks the field its key names, with the
// engine's message, and isValid() is false until the spec expands.
#include <QStringList>
#include <QWidget>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "panel/backend_choices.h"
#include "panel/typed_ranges.h"
#include "sweep/sweep_spec.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace q4ui {

class SweepPanel : public QWidget {
    Q_OBJECT
public:
    explicit SweepPanel(QWidget* parent = nullptr);

    // Offered backends and devices; the first is selected. The kernel list follows the backend.
    void setBackends(const std::vector<BackendChoice>& choices);
    BackendChoice selectedBackend() const;

    q4::SweepSpec spec() const;           // what the fields say now (backend included)
    // typed: the text to show for shape fields the spec's file held as ranges ("1:64:x2").
    void setSpec(const q4::SweepSpec& spec, const TypedRanges& typed = {});
    // The spec as a sweep file, with the shape fields' ranges as typed rather than expanded.
    std::string specJson() const;
    bool isValid() const;
    QString validationMessage() const;    // empty when valid
    int pointCount() const;               // points x kernels, 0 when invalid
    // From the stop criterion and a guessed launch time per point (see run_estimate.h); 0 when invalid.
    double estimatedSeconds() const;
    // The widget that holds a sweep-spec key ("k", "timing.warmup"), null for none.
    QWidget* fieldWidget(const std::string& key) const;

signals:
    void specChanged();                   // any field edited
    void validityChanged(bool valid);

private:
    struct Field {
        std::string key;  // the sweep-spec key setSpecField reads
        QWidget* widget;
        QLabel* section;  // where its errors are listed
    };

    QWidget* buildShapes();
    QWidget* buildQuantization();
    QWidget* buildBackend();
    QWidget* buildKernels();
    QWidget* buildTiming();
    QLabel* makeErrorLabel(const QString& name);
    // A form row labelled, and with help, from the engine's field table.
    void addField(QFormLayout* form, const char* key, QWidget* widget, QLabel* section);
    void bindField(const char* key, QWidget* widget, QLabel* section);

    QString fieldText(const QWidget* widget) const;  // as setSpecField reads it
    // What a field contributes in the current shape mode: fields the mode does not use read as
    // their defaults (a checkpoint brings its own quantization).
    QString modeFieldText(const Field& field) const;
    bool checkpointMode() const;
    void browseCheckpoint();
    void refreshCheckpointLayers();  // the layers the valid spec selects, or none
    void inspectCheckpoint();
    // Reads every field into a spec; sets expandable to false when a field that shapes the
    // points did not read (its default would stand in for what the user typed).
    q4::SweepSpec readFields(QStringList& errors, bool& expandable);
    void reloadKernels(const std::vector<std::string>& keepUnknown = {});
    void updateModeAndBackendState();
    void checkWithEngine(QStringList& errors);  // expands spec_, counts points and kernels
    void revalidate();  // after every edit: marks fields, updates labels, emits the signals
    // Lists the message and marks the field its key names; an unknown or empty key marks nothing.
    void report(const std::string& key, const std::string& message, QStringList& errors);
    const Field* findField(const std::string& key) const;
    std::vector<std::string> catalogIds() const;
    QString summaryText() const;

    std::vector<Field> fields_;
    std::vector<BackendChoice> backends_;
    std::vector<q4::KernelInfo> catalog_;
    std::string fallbackBackend_ = "auto";  // used until setBackends offers choices
    std::int64_t fallbackMemory_ = deviceMemoryBytes("auto", 0);

    QRadioButton* sizesRadio_ = nullptr;
    QRadioButton* presetRadio_ = nullptr;
    QRadioButton* checkpointRadio_ = nullptr;
    QLineEdit* checkpointEdit_ = nullptr;
    QPushButton* browseButton_ = nullptr;
    QLineEdit* layersEdit_ = nullptr;
    QCheckBox* uniqueShapesCheck_ = nullptr;
    QListWidget* checkpointLayers_ = nullptr;  // the selected layers: name, shape, quantization
    QPushButton* inspectButton_ = nullptr;
    QWidget* quantizationBox_ = nullptr;
    QLineEdit* mEdit_ = nullptr;
    QLineEdit* nEdit_ = nullptr;
    QLineEdit* kEdit_ = nullptr;
    QComboBox* presetCombo_ = nullptr;
    QLineEdit* groupEdit_ = nullptr;
    QComboBox* backendCombo_ = nullptr;
    QLabel* noGpuLabel_ = nullptr;
    QListWidget* kernelList_ = nullptr;
    QSpinBox* warmupSpin_ = nullptr;
    QSpinBox* minSamplesSpin_ = nullptr;
    QDoubleSpinBox* maxNoiseSpin_ = nullptr;
    QDoubleSpinBox* minTimeSpin_ = nullptr;
    QDoubleSpinBox* timeoutSpin_ = nullptr;
    QCheckBox* cudaGraphCheck_ = nullptr;
    QDoubleSpinBox* toleranceSpin_ = nullptr;
    std::vector<QLabel*> sectionErrors_;
    QLabel* errorLabel_ = nullptr;    // every problem, always in view below the scroll area
    QLabel* summaryLabel_ = nullptr;  // "N points x K kernels = R records, ≈ T"

    // The outcome of the last revalidate().
    q4::SweepSpec spec_;
    bool valid_ = false;
    QString message_;
    int points_ = 0;
    int kernelCount_ = 0;
    double estimate_ = 0;  // seconds
    bool filling_ = false;  // setSpec/setBackends fill many fields: validate once at the end
};

}  // namespace q4ui
