#pragma once
// The backends this build has, by name. Front ends choose a backend, list its devices and its
// kernels through here only, so they include no backend's headers. The CPU backend is always
// present; others (CUDA) add themselves when they are built in (see kernels/backend/).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace q4 {

struct BackendFactory {
    std::string name;         // "cuda", "cpu"
    std::string description;  // one line for listings
    int preference = 0;       // auto takes the usable backend with the highest preference
    // The devices it can run on; an error says why none is usable ("no CUDA driver").
    std::function<Expected<std::vector<DeviceInfo>>()> devices;
    // The kernels it offers, without touching a device.
    std::function<std::vector<KernelInfo>()> kernels;
    std::function<Expected<std::unique_ptr<Backend>>(int device)> create;
};

class BackendRegistry {
public:
    static BackendRegistry& instance();

    void add(BackendFactory factory);  // a later factory of the same name replaces the earlier
    const std::vector<BackendFactory>& all() const { return factories_; }
    const BackendFactory* find(const std::string& name) const;
    std::string namesForMessage() const;  // "cuda, cpu or auto"

    // The backend "auto" stands for: the most preferred one with a usable device.
    std::string resolveAuto() const;
    // Creates a backend by name (or auto) on a device; errors name the field and the rule.
    Expected<std::unique_ptr<Backend>> create(const std::string& name, int device) const;

private:
    BackendRegistry();
    std::vector<BackendFactory> factories_;
};

}  // namespace q4
