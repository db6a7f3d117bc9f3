#include "panel/backend_choices.h"

#include "backend/backend_registry.h"

namespace q4ui {

std::vector<BackendChoice> availableBackends() {
    std::vector<BackendChoice> choices;
    for (const q4::BackendFactory& factory : q4::BackendRegistry::instance().all()) {
        const auto devices = factory.devices();
        if (!devices) continue;
        const QString backend = QString::fromStdString(factory.name);
        for (int i = 0; i < int(devices->size()); ++i) {
            const q4::DeviceInfo& info = (*devices)[std::size_t(i)];
            choices.push_back({QStringLiteral("%1 (%2:%3)").arg(QString::fromStdString(info.name), backend).arg(i),
                               factory.name, i, info.memoryBytes});
        }
    }
    return choices;
}

std::int64_t deviceMemoryBytes(const std::string& backend, int device) {
    const q4::BackendRegistry& registry = q4::BackendRegistry::instance();
    const q4::BackendFactory* factory = registry.find(backend == "auto" ? registry.resolveAuto() : backend);
    if (!factory) return 0;
    const auto devices = factory->devices();
    if (!devices || device < 0 || device >= int(devices->size())) return 0;
    return (*devices)[std::size_t(device)].memoryBytes;
}

QStringList unavailableBackends() {
    QStringList reasons;
    for (const q4::BackendFactory& factory : q4::BackendRegistry::instance().all()) {
        const auto devices = factory.devices();
        const QString name = QString::fromStdString(factory.name);
        if (!devices) reasons << QStringLiteral("%1: %2").arg(name, QString::fromStdString(devices.error()));
        else if (devices->empty()) reasons << QStringLiteral("%1: no device").arg(name);
    }
    return reasons;
}

std::vector<q4::KernelInfo> backendKernels(const std::string& backend) {
    const q4::BackendRegistry& registry = q4::BackendRegistry::instance();
    const q4::BackendFactory* factory = registry.find(backend == "auto" ? registry.resolveAuto() : backend);
    return factory ? factory->kernels() : std::vector<q4::KernelInfo>{};
}

}  // namespace q4ui
