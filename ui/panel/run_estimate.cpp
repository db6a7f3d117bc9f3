#include "panel/run_estimate.h"

#include <algorithm>

#include "sweep/sweep_expand.h"

namespace q4ui {

namespace {

double flopsOf(const q4::SweepPoint& point) {
    return 2.0 * double(point.m) * double(point.n) * double(point.k);
}

// Inputs are generated and quantized on the host for each point, and the fp32 reference runs once.
double pointSetupSeconds(const q4::SweepPoint& point, const DeviceRates& rates) {
    constexpr double kHostElementsPerSecond = 5e7;
    return double(point.n) * double(point.k) / kHostElementsPerSecond + guessLaunchSeconds(point, rates);
}

}  // namespace

DeviceRates ratesFor(const std::string& backend) {
    if (backend == "cpu") return {5e9, 2e9, 1e-6};
    return {1e12, 5e13, 5e-6};
}

double guessLaunchSeconds(const q4::SweepPoint& point, const DeviceRates& rates) {
    const double memory = double(q4::estimatePointBytes(point)) / rates.bytesPerSecond;
    const double compute = flopsOf(point) / rates.flopsPerSecond;
    return std::max({rates.launchSeconds, memory, compute});
}

double estimateRecordSeconds(const q4::SweepPoint& point, const q4::TimingOptions& timing, const DeviceRates& rates) {
    const double launch = guessLaunchSeconds(point, rates);
    const double sampling =
        std::min(timing.timeoutSeconds, std::max(timing.minSamples * launch, timing.minTimeSeconds));
    // Warm-up stops at the timeout too; validation is one more launch.
    const double warmup = std::min(timing.timeoutSeconds, timing.warmup * launch);
    return warmup + sampling + launch;
}

double estimateSweepSeconds(const std::vector<q4::SweepPoint>& points, int kernels, const q4::TimingOptions& timing,
                            const DeviceRates& rates) {
    double total = 0;
    for (const q4::SweepPoint& point : points)
        total += pointSetupSeconds(point, rates) + kernels * estimateRecordSeconds(point, timing, rates);
    return total;
}

}  // namespace q4ui
