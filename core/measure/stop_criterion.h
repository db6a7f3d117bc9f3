#pragma once
// When to stop sampling: enough samples and time with low noise, or the timeout.
#include <vector>

#include "sweep/sweep_spec.h"

namespace q4 {

enum class StopDecision { Continue, Converged, TimedOut };

class StopCriterion {
public:
    explicit StopCriterion(const TimingOptions& options) : options_(options) {}
    // samples: seconds so far; elapsedSeconds: wall time spent sampling.
    StopDecision decide(const std::vector<double>& samples, double elapsedSeconds) const;
    // Relative standard error of the mean: stdev / mean / sqrt(n). Infinite for n < 2.
    static double noise(const std::vector<double>& samples);

private:
    TimingOptions options_;
};

}  // namespace q4
