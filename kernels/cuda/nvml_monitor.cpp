#include "cuda/nvml_monitor.h"

#include <cuda_runtime.h>
#include <dlfcn.h>

namespace q4 {
namespace {

// The few NVML declarations used, as nvml.h gives them (the CUDA toolkit ships no nvml.h).
using NvmlReturn = int;  // nvmlReturn_t
using NvmlDevice = void*;  // nvmlDevice_t, an opaque handle
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr int kNvmlClockSm = 1;         // NVML_CLOCK_SM
constexpr int kNvmlTemperatureGpu = 0;  // NVML_TEMPERATURE_GPU

using InitFn = NvmlReturn (*)();
using ShutdownFn = NvmlReturn (*)();
using HandleByBusIdFn = NvmlReturn (*)(const char*, NvmlDevice*);
using ClockFn = NvmlReturn (*)(NvmlDevice, int, unsigned int*);
using PowerFn = NvmlReturn (*)(NvmlDevice, unsigned int*);  // milliwatts
using TemperatureFn = NvmlReturn (*)(NvmlDevice, int, unsigned int*);
using Bits64Fn = NvmlReturn (*)(NvmlDevice, unsigned long long*);  // reason bits; energy in millijoules

template <class Fn>
Fn symbol(void* library, const char* name) {
    return reinterpret_cast<Fn>(dlsym(library, name));
}

}  // namespace

struct NvmlMonitor::Api {
    void* library = nullptr;
    NvmlDevice device = nullptr;
    bool initialized = false;
    ShutdownFn shutdown = nullptr;
    ClockFn clock = nullptr;
    PowerFn power = nullptr;
    TemperatureFn temperature = nullptr;
    Bits64Fn clockReasons = nullptr;
    Bits64Fn energy = nullptr;

    ~Api() {
        if (initialized && shutdown) shutdown();
        if (library) dlclose(library);
    }
};

NvmlMonitor::NvmlMonitor(std::unique_ptr<Api> api) : api_(std::move(api)) {}
NvmlMonitor::~NvmlMonitor() = default;

std::unique_ptr<NvmlMonitor> NvmlMonitor::open(int cudaDevice, std::string* why) {
    auto fail = [why](std::string reason) -> std::unique_ptr<NvmlMonitor> {
        if (why) *why = std::move(reason);
        return nullptr;
    };
    char busId[32] = {};
    if (cudaError_t e = cudaDeviceGetPCIBusId(busId, int(sizeof(busId)), cudaDevice); e != cudaSuccess) {
        cudaGetLastError();  // not sticky; keep it from being blamed on a later call
        return fail("CUDA device " + std::to_string(cudaDevice) + ": " + cudaGetErrorString(e));
    }

    auto api = std::make_unique<Api>();
    api->library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!api->library) return fail("libnvidia-ml.so.1 cannot be loaded");
    const auto init = symbol<InitFn>(api->library, "nvmlInit_v2");
    const auto handleByBusId = symbol<HandleByBusIdFn>(api->library, "nvmlDeviceGetHandleByPciBusId_v2");
    api->shutdown = symbol<ShutdownFn>(api->library, "nvmlShutdown");
    if (!init || !handleByBusId || !api->shutdown) return fail("libnvidia-ml.so.1 lacks the NVML v2 entry points");
    if (NvmlReturn r = init(); r != kNvmlSuccess) return fail("nvmlInit_v2 returned " + std::to_string(r));
    api->initialized = true;
    if (NvmlReturn r = handleByBusId(busId, &api->device); r != kNvmlSuccess)
        return fail(std::string("NVML has no device at PCI bus id ") + busId + " (returned " + std::to_string(r) + ")");

    // Optional readings: a missing entry point leaves its field empty.
    api->clock = symbol<ClockFn>(api->library, "nvmlDeviceGetClockInfo");
    api->power = symbol<PowerFn>(api->library, "nvmlDeviceGetPowerUsage");
    api->temperature = symbol<TemperatureFn>(api->library, "nvmlDeviceGetTemperature");
    // Drivers from 535 name the throttle reasons "clock event reasons"; older ones only the former.
    api->clockReasons = symbol<Bits64Fn>(api->library, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!api->clockReasons) api->clockReasons = symbol<Bits64Fn>(api->library, "nvmlDeviceGetCurrentClocksThrottleReasons");
    api->energy = symbol<Bits64Fn>(api->library, "nvmlDeviceGetTotalEnergyConsumption");
    return std::unique_ptr<NvmlMonitor>(new NvmlMonitor(std::move(api)));
}

NvmlSnapshot NvmlMonitor::sample() const {
    NvmlSnapshot s;
    const Api& api = *api_;
    unsigned int value = 0;
    unsigned long long bits = 0;
    if (api.clock && api.clock(api.device, kNvmlClockSm, &value) == kNvmlSuccess) s.smClockMhz = double(value);
    if (api.power && api.power(api.device, &value) == kNvmlSuccess) s.powerWatts = double(value) * 1e-3;
    if (api.temperature && api.temperature(api.device, kNvmlTemperatureGpu, &value) == kNvmlSuccess)
        s.temperatureC = double(value);
    if (api.clockReasons && api.clockReasons(api.device, &bits) == kNvmlSuccess)
        s.throttleReasons = std::int64_t(bits);
    if (api.energy && api.energy(api.device, &bits) == kNvmlSuccess) s.energyJoules = double(bits) * 1e-3;
    return s;
}

}  // namespace q4
