#include "backend/backend_registry.h"

#include <algorithm>

#include "backend/cpu_backend.h"

namespace q4 {

BackendRegistry::BackendRegistry() {
    add({"cpu", "reference kernels on the host, so everything runs without a GPU (figures are CPU figures)", 0,
         []() -> Expected<std::vector<DeviceInfo>> { return std::vector<DeviceInfo>{makeCpuBackend()->deviceInfo()}; },
         [] { return makeCpuBackend()->kernels(); },
         [](int device) -> Expected<std::unique_ptr<Backend>> {
             if (device != 0) return Error{"device: the cpu backend has one device, 0 (got " + std::to_string(device) + ")", "device"};
             return makeCpuBackend();
         }});
}

BackendRegistry& BackendRegistry::instance() {
    static BackendRegistry registry;
    return registry;
}

void BackendRegistry::add(BackendFactory factory) {
    auto same = [&](const BackendFactory& f) { return f.name == factory.name; };
    std::erase_if(factories_, same);
    factories_.push_back(std::move(factory));
    std::stable_sort(factories_.begin(), factories_.end(),
                     [](const BackendFactory& a, const BackendFactory& b) { return a.preference > b.preference; });
}

const BackendFactory* BackendRegistry::find(const std::string& name) const {
    for (const BackendFactory& f : factories_)
        if (f.name == name) return &f;
    return nullptr;
}

std::string BackendRegistry::namesForMessage() const {
    std::string names;
    for (const BackendFactory& f : factories_) names += f.name + ", ";
    return names + "or auto";
}

std::string BackendRegistry::resolveAuto() const {
    for (const BackendFactory& f : factories_) {
        auto devices = f.devices();
        if (devices && !devices->empty()) return f.name;
    }
    return "cpu";
}

Expected<std::unique_ptr<Backend>> BackendRegistry::create(const std::string& name, int device) const {
    const std::string resolved = name == "auto" ? resolveAuto() : name;
    const BackendFactory* factory = find(resolved);
    if (!factory) return Error{"backend: '" + name + "' is not a backend of this build: use " + namesForMessage(), "backend"};
    auto devices = factory->devices();
    if (!devices)
        return Error{"backend " + resolved + ": " + devices.error() + ". Use --backend cpu to run on the CPU.", "backend"};
    if (device < 0 || device >= int(devices->size()))
        return Error{"device: " + std::to_string(device) + " does not exist: the " + resolved + " backend has " +
                         std::to_string(devices->size()) + " device(s), 0 to " + std::to_string(devices->size() - 1),
                     "device"};
    return factory->create(device);
}

}  // namespace q4
