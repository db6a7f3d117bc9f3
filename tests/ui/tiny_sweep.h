#pragma once
// A CPU sweep small enough for the workbench tests: 2 batch sizes x act-order both, quick timing.
#include "sweep/sweep_spec.h"

namespace q4test {

inline q4::SweepSpec tinyCpuSweep() {
    q4::SweepSpec spec;
    spec.backend = "cpu";
    spec.m = {1, 2};
    spec.n = {64};
    spec.k = {256};
    spec.groupSizes = {64};
    spec.actOrder = q4::YesNoBoth::Both;
    spec.timing.warmup = 1;
    spec.timing.minSamples = 3;
    spec.timing.minTimeSeconds = 0;
    spec.timing.maxNoise = 1;
    spec.timing.timeoutSeconds = 5;
    return spec;
}

}  // namespace q4test
