#pragma once
// The CPU backend: real kernels on the host, so the whole workbench runs without a GPU.
// Every record it makes says backend "cpu"; its figures are CPU figures.
#include <memory>

#include "backend/backend.h"

namespace q4 {

std::unique_ptr<Backend> makeCpuBackend();

}  // namespace q4
