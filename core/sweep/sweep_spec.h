#pragma once
// What to measure: axes that expand into points, and how to time them.
#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gptq/gptq_layer.h"

namespace q4 {

enum class ActOrderMode { No, Yes, Both };

struct TimingOptions {
    int warmup = 3;              // untimed runs before sampling
    int minSamples = 10;
    double minTimeSeconds = 0.5;  // wall time spent sampling, at least
    double maxNoise = 0.005;      // relative standard error of the mean (stdev / mean / sqrt(samples))
    double timeoutSeconds = 15;   // stop sampling here even if noisy; the record says so
    bool coldL2 = true;           // flush the L2 before every sample (GPU)
    bool cudaGraph = false;       // replay the launch from a CUDA graph (GPU)
};

struct SweepSpec {
    std::vector<std::int64_t> m{1};
    std::vector<std::int64_t> n{8192};
    std::vector<std::int64_t> k{8192};
    std::string preset;  // when set, (n, k) come from the preset's layers instead of n x k
    std::vector<int> groupSizes{128};
    ActOrderMode actOrder = ActOrderMode::No;
    std::vector<bool> symmetric{true};
    ZeroFormat zeroFormat = ZeroFormat::V1;
    std::vector<std::string> kernels{"all"};
    std::string backend = "cuda";
    std::uint64_t seed = 1234;
    double tolerance = 1e-2;  // relative error above this fails a record
    TimingOptions timing;
};

struct SweepPoint {
    std::int64_t m = 1, n = 0, k = 0;
    std::string layer;  // preset layer name, else empty
    QuantConfig quant;
};

// Parses "1,2,4", "1:4096:x2" (geometric), "256:4096:+256" (arithmetic) and mixes of them
// ("1,2,8:64:x2"). Values must be positive. field names the axis in messages ("m", "n", ...).
Expected<std::vector<std::int64_t>> parseIntList(const std::string& text, const std::string& field);
Expected<ActOrderMode> parseActOrder(const std::string& text);  // "no", "yes", "both"
std::string toString(ActOrderMode mode);
std::string toString(ZeroFormat format);  // "v1", "v2"
Expected<ZeroFormat> parseZeroFormat(const std::string& text);

}  // namespace q4
