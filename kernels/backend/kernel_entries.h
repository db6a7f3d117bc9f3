#pragma once
// One factory per kernel file; registry.cpp lists them in display order.
#include "backend/gpu_kernel.h"
#include "tc_int4/tc_int4.h"

namespace q4 {

KernelEntry cublasFp16Entry();
KernelEntry fp32ReferenceEntry();
KernelEntry bestInt4Entry();
KernelEntry gemvInt4Entry();
KernelEntry gptqNaiveEntry();
KernelEntry gptqHalf2Entry();
KernelEntry exllamaStyleEntry();
KernelEntry dequantCublasEntry();
KernelEntry tiledDequantMmaEntry();
KernelEntry wgmmaInt4Entry();
Status wgmmaInt4Supports(const SweepPoint& point, const GpuContext& context);

}  // namespace q4
