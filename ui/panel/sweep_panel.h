#pragma once
// The sweep panel (dock content): shapes or a preset, quantization, kernels, backend and
// device, timing. Fields are checked with the engine's own validation; invalid fields are
// marked with its message and isValid() is false until the spec expands.
#include <QStringList>
#include <QWidget>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "sweep/sweep_spec.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QRadioButton;
class QSpinBox;

namespace q4ui {

enum class SpecField;

struct BackendChoice {
    QString label;        // "NVIDIA H100 80GB HBM3 (cuda:0)" or "CPU (no CUDA device: ...)"
    std::string backend;  // "cuda" or "cpu"
    int device = 0;
};

class SweepPanel : public QWidget {
    Q_OBJECT
public:
    explicit SweepPanel(QWidget* parent = nullptr);

    // Offered backends; the first is selected. Kernel lists come from q4::kernelCatalog(backend).
    void setBackends(const std::vector<BackendChoice>& choices);
    BackendChoice selectedBackend() const;

    q4::SweepSpec spec() const;           // what the fields say now (backend included)
    void setSpec(const q4::SweepSpec& spec);
    bool isValid() const;
    QString validationMessage() const;    // empty when valid
    int pointCount() const;               // points x kernels, 0 when invalid
    double estimatedSeconds() const;      // rough, from the timing settings

signals:
    void specChanged();                   // any field edited
    void validityChanged(bool valid);

private:
    QWidget* buildShapes();
    QWidget* buildQuantization();
    QWidget* buildBackend();
    QWidget* buildKernels();
    QWidget* buildTiming();
    QLabel* makeErrorLabel(const QString& name);

    // Reads the fields into a spec; fields that do not parse are marked, listed in errors and
    // leave their value empty (a list) or at its default.
    q4::SweepSpec readFields(QStringList& errors);
    void reloadKernels(const std::vector<std::string>& keepUnknown = {});
    void updateModeAndBackendState();
    void checkWithEngine(QStringList& errors);  // expands spec_, counts points and kernels
    void revalidate();  // after every edit: marks fields, updates labels, emits the signals
    // Marks field (null: not about one field) and shows message in its section.
    void report(QWidget* field, const std::string& message, QStringList& errors);
    QWidget* fieldWidget(SpecField field) const;
    QLabel* sectionLabel(const QWidget* field) const;
    std::vector<std::string> catalogIds() const;
    QString summaryText() const;

    std::vector<BackendChoice> backends_;
    std::vector<q4::KernelInfo> catalog_;
    std::string fallbackBackend_ = "cuda";  // used until setBackends offers choices

    QRadioButton* sizesRadio_ = nullptr;
    QRadioButton* presetRadio_ = nullptr;
    QLineEdit* mEdit_ = nullptr;
    QLineEdit* nEdit_ = nullptr;
    QLineEdit* kEdit_ = nullptr;
    QComboBox* presetCombo_ = nullptr;
    QLineEdit* groupEdit_ = nullptr;
    QComboBox* actOrderCombo_ = nullptr;
    QComboBox* symmetricCombo_ = nullptr;
    QComboBox* zeroFormatCombo_ = nullptr;
    QComboBox* backendCombo_ = nullptr;
    QLabel* noGpuLabel_ = nullptr;
    QListWidget* kernelList_ = nullptr;
    QSpinBox* warmupSpin_ = nullptr;
    QSpinBox* minSamplesSpin_ = nullptr;
    QDoubleSpinBox* maxNoiseSpin_ = nullptr;
    QDoubleSpinBox* minTimeSpin_ = nullptr;
    QDoubleSpinBox* timeoutSpin_ = nullptr;
    QComboBox* l2Combo_ = nullptr;
    QCheckBox* cudaGraphCheck_ = nullptr;
    QLineEdit* seedEdit_ = nullptr;
    QDoubleSpinBox* toleranceSpin_ = nullptr;
    QLabel* shapesError_ = nullptr;
    QLabel* quantizationError_ = nullptr;
    QLabel* kernelsError_ = nullptr;
    QLabel* timingError_ = nullptr;
    QLabel* errorLabel_ = nullptr;    // every problem, always in view below the scroll area
    QLabel* summaryLabel_ = nullptr;  // "N points x K kernels = R records, ≈ T"

    // The outcome of the last revalidate().
    q4::SweepSpec spec_;
    bool valid_ = false;
    QString message_;
    int points_ = 0;
    int kernelCount_ = 0;
    bool filling_ = false;  // setSpec/setBackends fill many fields: validate once at the end
};

}  // namespace q4ui
