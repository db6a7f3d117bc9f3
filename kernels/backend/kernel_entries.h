#pragma once
// One factory per kernel, defined in the kernel's folder; registry.cpp lists them in display order.
#include "backend/gpu_kernel.h"

namespace q4 {

KernelEntry cublasFp16Entry();
KernelEntry fp32ReferenceEntry();
KernelEntry bestInt4Entry();
KernelEntry tcInt4Entry();
KernelEntry gemvInt4Entry();
KernelEntry gptqNaiveEntry();
KernelEntry gptqHalf2Entry();
KernelEntry exllamaStyleEntry();
KernelEntry dequantCublasEntry();
KernelEntry tiledDequantMmaEntry();
KernelEntry wgmmaInt4Entry();

}  // namespace q4
