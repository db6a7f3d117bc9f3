#pragma once
// The device's own ceilings, measured rather than read from a datasheet: D2D copy bandwidth
// (bytes read + written) and the cuBLAS fp16 matrix rate (fp32 accumulation, 8192^3).
// Cached per device in $XDG_CACHE_HOME/q4bench (or ~/.cache/q4bench) so runs start fast.
#include <cuda_runtime.h>

#include "results/run_info.h"

namespace q4 {

Ceilings measureOrLoadCeilings(int device, const DeviceInfo& info, cudaStream_t stream);
Ceilings measureCeilings(cudaStream_t stream);

}  // namespace q4
