#pragma once
// What the panel offers to run on: every device of every backend in the registry, and the
// kernels each backend has. The workbench reaches backends through the registry only.
#include <QString>
#include <QStringList>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace q4ui {

struct BackendChoice {
    QString label;        // "NVIDIA H100 80GB HBM3 (cuda:0)"
    std::string backend;  // a registered backend's name, or "auto"
    int device = 0;
    std::int64_t memoryBytes = 0;  // the device's memory; 0 when unknown (no size check)
};

// Every device of every registered backend, the backend auto prefers first.
std::vector<BackendChoice> availableBackends();
// The memory of a backend's device ("auto": the backend auto picks), 0 when unknown.
std::int64_t deviceMemoryBytes(const std::string& backend, int device);
// Why a registered backend offers no device: "cuda: no CUDA driver", one line each.
QStringList unavailableBackends();
// The kernels a backend offers ("auto": those of the backend auto picks); none for an unknown name.
std::vector<q4::KernelInfo> backendKernels(const std::string& backend);

}  // namespace q4ui
