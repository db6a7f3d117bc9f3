#pragma once
// The CUDA backend: kernels from the registry, timed with CUDA events on one stream.
#include <memory>

#include "backend/backend.h"

namespace q4 {

Expected<std::unique_ptr<Backend>> makeCudaBackend(int device);

}  // namespace q4
