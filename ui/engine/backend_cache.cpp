#include "engine/backend_cache.h"

#include "backend/backend_registry.h"

namespace q4ui {

// Out of line: Backend is only forward-declared in the header.
BackendCache::BackendCache() = default;
BackendCache::~BackendCache() = default;

q4::Backend* BackendCache::get(const std::string& name, int device, QString* error) {
    const std::string key = name + ":" + std::to_string(device);
    if (backend_ && key_ == key) return backend_.get();
    backend_.reset();
    auto created = q4::BackendRegistry::instance().create(name, device);
    if (!created) {
        *error = QString::fromStdString(created.error());
        return nullptr;
    }
    backend_ = std::move(created).value();
    key_ = key;
    return backend_.get();
}

void BackendCache::dropIfFailed() {
    if (backend_ && !backend_->health()) backend_.reset();
}

}  // namespace q4ui
