#pragma once
// Creates a backend by name: "cuda", "cpu", or "auto" (CUDA when a device is usable, else CPU).
#include <memory>
#include <string>

#include "backend/backend.h"

namespace q4 {

Expected<std::unique_ptr<Backend>> createBackend(const std::string& name, int device = 0);

// The kernels a backend offers ("cuda" or "cpu"), without touching a device: for front ends
// that list kernels on a thread that must not make CUDA calls.
std::vector<KernelInfo> kernelCatalog(const std::string& backend);

}  // namespace q4
