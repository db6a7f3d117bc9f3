#pragma once
// Device telemetry through NVML, loaded at run time (dlopen of libnvidia-ml.so.1), so the
// build needs no NVML headers and machines without the driver still run: open() says no.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace q4 {

// One reading. A field is empty when NVML cannot give it on this device, never a guess.
struct NvmlSnapshot {
    std::optional<double> smClockMhz, powerWatts, temperatureC, energyJoules;  // energy: since driver load
    std::optional<std::int64_t> throttleReasons;  // NVML clock-event reason bits; 0 = none
};

class NvmlMonitor {
public:
    // The monitor of a CUDA device (matched by PCI bus id, so CUDA_VISIBLE_DEVICES is honoured),
    // or nullptr when NVML or the device is unavailable; why says which, when given.
    static std::unique_ptr<NvmlMonitor> open(int cudaDevice, std::string* why = nullptr);
    ~NvmlMonitor();
    NvmlMonitor(const NvmlMonitor&) = delete;
    NvmlMonitor& operator=(const NvmlMonitor&) = delete;

    NvmlSnapshot sample() const;

private:
    struct Api;
    explicit NvmlMonitor(std::unique_ptr<Api> api);
    std::unique_ptr<Api> api_;
};

}  // namespace q4
