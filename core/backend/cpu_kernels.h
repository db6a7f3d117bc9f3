#pragma once
// CPU kernels behind the CPU backend. Both produce fp32 output and accumulate in fp32.
#include <memory>

#include "backend/backend.h"

namespace q4 {

// fp32 product over weights dequantized once at prepare: the CPU baseline.
std::unique_ptr<KernelInstance> makeCpuFp32Reference(const Problem& problem);
// Reads the packed int4 qweight directly, dequantizing 8 rows at a time into a small tile.
std::unique_ptr<KernelInstance> makeCpuInt4Fused(const Problem& problem);
// Reads a sparse layer's compressed form (kept nibbles and metadata): needs problem.sparse.
std::unique_ptr<KernelInstance> makeCpuSparseInt4(const Problem& problem);

}  // namespace q4
