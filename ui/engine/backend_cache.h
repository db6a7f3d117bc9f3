#pragma once
// The backend a worker keeps between runs, so device setup and measured ceilings are paid once
// per backend and device; one whose device failed is dropped rather than reused.
#include <QString>
#include <memory>
#include <string>

namespace q4 {
class Backend;
}

namespace q4ui {

class BackendCache {
public:
    BackendCache();
    ~BackendCache();

    // The backend `name` on `device`, created on first use; null, with *error set, if it cannot be.
    q4::Backend* get(const std::string& name, int device, QString* error);
    // After a run: a backend whose device failed is not reused.
    void dropIfFailed();

private:
    std::unique_ptr<q4::Backend> backend_;
    std::string key_;
};

}  // namespace q4ui
