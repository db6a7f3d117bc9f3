#pragma once
// What a run was measured on and how: stored with every result file.
#include <cstdint>
#include <optional>
#include <string>

namespace q4 {

// 2: records are flat, keyed as the CSV columns (1 nested the memory breakdown under "mem").
inline constexpr int kSchemaVersion = 2;

struct DeviceInfo {
    std::string name;               // "NVIDIA H100 80GB HBM3" or the CPU model
    std::string computeCapability;  // "9.0"; empty on CPU
    int multiprocessors = 0;        // SMs, or CPU threads
    std::int64_t memoryBytes = 0;
    std::int64_t l2Bytes = 0;
    int busWidthBits = 0;
    int smClockMhz = 0;
    int memoryClockMhz = 0;
    std::string driverVersion;
    std::string runtimeVersion;
    std::string cublasVersion;
};

struct Ceilings {  // measured on the device, not taken from a datasheet
    std::optional<double> copyBytesPerSecond;
    std::optional<double> fp16FlopsPerSecond;
};

struct RunInfo {
    int schemaVersion = kSchemaVersion;
    std::string runId;
    std::string projectVersion;
    std::string startedUtc;   // ISO 8601
    std::string finishedUtc;  // empty while running or when interrupted
    std::string host;
    std::string backend;
    DeviceInfo device;
    Ceilings ceilings;
    std::string specJson;  // the sweep spec as JSON, so the run can be repeated
    // The model's architecture as JSON (config.json's keys) when the run read a checkpoint, else
    // empty; model/architecture.h reads it.
    std::string architectureJson;
    std::string commandLine;
};

}  // namespace q4
