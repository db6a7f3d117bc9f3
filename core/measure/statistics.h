#pragma once
// Summary statistics of timing samples.
#include <vector>

#include "results/record.h"

namespace q4 {

// Median, mean, sample stdev (n-1), cv = stdev/mean, min, max and p10/p90 by linear
// interpolation between closest ranks (numpy's default). Empty input gives all zeros.
Statistics summarize(std::vector<double> samples);
// Quantile q in [0, 1] of sorted samples, linear interpolation.
double quantileSorted(const std::vector<double>& sorted, double q);

}  // namespace q4
