#pragma once
// CUDA device discovery. Works (and says why not) on machines without a GPU or driver.
#include <vector>

#include "common/expected.h"
#include "results/run_info.h"

namespace q4 {

// Every visible device, or an error explaining why none can be used
// ("no CUDA device: CUDA driver version is insufficient for CUDA runtime version (cudaGetDeviceCount returned 35)").
Expected<std::vector<DeviceInfo>> listCudaDevices();
Expected<DeviceInfo> cudaDeviceInfo(int device);

}  // namespace q4
