#pragma once
// The sweep panel (dock content): shapes or a preset, quantization, kernels, backend and
// device, timing. Fields are checked with the engine's own validation; invalid fields are
// marked with its message and isValid() is false until the spec expands.
#include <QWidget>
#include <vector>

#include "backend/backend.h"
#include "sweep/sweep_spec.h"

namespace q4ui {

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
};

}  // namespace q4ui
