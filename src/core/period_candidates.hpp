// Candidate periods of a series from its periodogram, refined on its
// autocorrelation function: step 2 of the method in period_detection.hpp.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <vector>

namespace anomaly {

// Sorted distinct integer periods in [min_p, max_p] (2 ≤ min_p ≤ max_p < x.size()):
// for each of the 32 most prominent periodogram peaks, the nearest integer
// to its period and the (up to) 3 highest ACF hill tops in its resolution
// range. O(n log n), n = x.size().
std::vector<int> period_candidates(const std::vector<double> &x, int min_p, int max_p, StopToken &stop);

}  // namespace anomaly
