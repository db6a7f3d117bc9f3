#include "measure/statistics.h"

#include <algorithm>
#include <cmath>

namespace q4 {

double quantileSorted(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    q = std::clamp(q, 0.0, 1.0);
    // numpy's default ("linear"): the quantile sits at position q (n - 1) between ranks.
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto lower = static_cast<std::size_t>(std::floor(position));
    const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(lower);
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
}

Statistics summarize(std::vector<double> samples) {
    Statistics stats;
    if (samples.empty()) return stats;
    std::sort(samples.begin(), samples.end());

    const auto count = static_cast<double>(samples.size());
    double sum = 0;
    for (double s : samples) sum += s;
    const double mean = sum / count;
    // Two passes: the deviations are tiny next to the values (microseconds), so avoid sum-of-squares cancellation.
    double squares = 0;
    for (double s : samples) squares += (s - mean) * (s - mean);

    stats.samples = static_cast<std::int64_t>(samples.size());
    stats.mean = mean;
    stats.stdev = samples.size() > 1 ? std::sqrt(squares / (count - 1)) : 0.0;
    stats.cv = mean != 0 ? stats.stdev / mean : 0.0;
    stats.min = samples.front();
    stats.max = samples.back();
    stats.median = quantileSorted(samples, 0.5);
    stats.p10 = quantileSorted(samples, 0.1);
    stats.p90 = quantileSorted(samples, 0.9);
    return stats;
}

}  // namespace q4
