#pragma once
// One factory per kernel file; registry.cpp lists them in display order.
#include "gpu_kernel.h"

namespace q4 {

KernelEntry cublasFp16Entry();
KernelEntry fp32ReferenceEntry();
KernelEntry gptqNaiveEntry();
KernelEntry gptqHalf2Entry();
KernelEntry exllamaStyleEntry();
KernelEntry dequantCublasEntry();
KernelEntry tiledDequantMmaEntry();

}  // namespace q4
