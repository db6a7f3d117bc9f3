#include "decoder/decoder_launch.h"

#include <array>
#include <atomic>
#include <cstdlib>

namespace q4 {

bool decoderDependentLaunch() {
    // For measuring what the overlap is worth: Q4BENCH_SERIAL_DECODER_LAUNCH=1 launches normally.
    static const bool serial = std::getenv("Q4BENCH_SERIAL_DECODER_LAUNCH") != nullptr;
    if (serial) return false;
    constexpr int kDevices = 64;
    static std::array<std::atomic<int>, kDevices> known{};  // 0 unknown, 1 no, 2 yes
    int device = 0;
    if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= kDevices) return false;
    int state = known[std::size_t(device)].load();
    if (state == 0) {
        int major = 0;
        if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess) return false;
        state = major >= 9 ? 2 : 1;
        known[std::size_t(device)].store(state);
    }
    return state == 2;
}

}  // namespace q4
