#pragma once
// How long a sweep will take, before it runs: per record the stop criterion's own terms
// (max(min samples x a launch, min time), bounded by the timeout) plus warm-up and validation,
// with a launch guessed from the point's bytes and flops at a rough rate for the backend. Only a
// guess; the window refines it from measured seconds per record once records land.
#include <string>
#include <vector>

#include "sweep/sweep_spec.h"

namespace q4ui {

struct DeviceRates {
    double bytesPerSecond = 0;
    double flopsPerSecond = 0;
    double launchSeconds = 0;  // the least a launch costs, however small the shape
};
// GPU backends stream weights fast; the CPU backend's kernels run on one thread.
DeviceRates ratesFor(const std::string& backend);

double guessLaunchSeconds(const q4::SweepPoint& point, const DeviceRates& rates);
// One kernel at one point: warm-up, sampling until the stop criterion, validation.
double estimateRecordSeconds(const q4::SweepPoint& point, const q4::TimingOptions& timing, const DeviceRates& rates);
// Every point x kernels, plus making each point's inputs and reference once.
double estimateSweepSeconds(const std::vector<q4::SweepPoint>& points, int kernels, const q4::TimingOptions& timing,
                            const DeviceRates& rates);

}  // namespace q4ui
