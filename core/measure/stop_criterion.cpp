#include "measure/stop_criterion.h"

#include <cmath>
#include <limits>

namespace q4 {

double StopCriterion::noise(const std::vector<double>& samples) {
    constexpr double infinite = std::numeric_limits<double>::infinity();
    if (samples.size() < 2) return infinite;
    const auto count = static_cast<double>(samples.size());
    double sum = 0;
    for (double s : samples) sum += s;
    const double mean = sum / count;
    if (!(mean > 0)) return infinite;
    double squares = 0;
    for (double s : samples) squares += (s - mean) * (s - mean);
    const double stdev = std::sqrt(squares / (count - 1));
    return stdev / mean / std::sqrt(count);
}

StopDecision StopCriterion::decide(const std::vector<double>& samples, double elapsedSeconds) const {
    const bool enough = static_cast<long long>(samples.size()) >= options_.minSamples &&
                        elapsedSeconds >= options_.minTimeSeconds;
    // Convergence is checked first: a measurement that met every rule just as time ran out is not a timeout.
    if (enough && noise(samples) <= options_.maxNoise) return StopDecision::Converged;
    if (elapsedSeconds >= options_.timeoutSeconds) return StopDecision::TimedOut;
    return StopDecision::Continue;
}

}  // namespace q4
