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
            const QString device = QString::fromStdString((*devices)[std::size_t(i)].name);
            choices.push_back({QStringLiteral("%1 (%2:%3)").arg(device, backend).arg(i), factory.name, i});
        }
    }
    return choices;
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
