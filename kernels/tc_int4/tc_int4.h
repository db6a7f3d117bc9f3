#pragma once
// tc_int4: our tensor-core W4A16 GEMM (see tc_int4_kernel.cuh for the design).
#include "gpu_kernel.h"

namespace q4 {

KernelEntry tcInt4Entry();

// The launch shape chosen for a problem: k slices (split-k) and m rows per launch.
struct TcInt4Plan {
    int slices = 1;
    int sliceK = 0;
    int mPerLaunch = 64;
};
TcInt4Plan planTcInt4(std::int64_t m, std::int64_t n, std::int64_t k, int multiprocessors);

}  // namespace q4
