#include "core/robust_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace anomaly {

namespace {

// Median of v (reordered in place), n ≥ 1.
double median_in_place(std::vector<double> &v) {
    const std::size_t n = v.size();
    const std::size_t h = n / 2;
    std::nth_element(v.begin(), v.begin() + h, v.end());
    const double upper = v[h];
    if (n % 2 == 1) return upper;
    const double lower = *std::max_element(v.begin(), v.begin() + h);
    return midpoint(lower, upper);
}

}  // namespace

RobustLocation robust_location(const double *values, std::size_t n) {
    if (n == 0) throw std::invalid_argument("robust_location: empty sample");
    std::vector<double> work(values, values + n);
    RobustLocation loc{};
    loc.median = median_in_place(work);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        work[i] = std::fabs(values[i] - loc.median);
        sum += work[i];
    }
    loc.mean_abs_dev = sum / static_cast<double>(n);
    loc.mad = median_in_place(work);
    return loc;
}

double modified_zscore(double x, const RobustLocation &loc) {
    const double d = x - loc.median;
    if (loc.mad > 0.0) return kMadConsistency * d / loc.mad;
    if (loc.mean_abs_dev > 0.0) return d / (kMeanAbsDeviationConsistency * loc.mean_abs_dev);
    if (d == 0.0) return 0.0;
    if (std::isnan(d)) return d;
    return std::copysign(std::numeric_limits<double>::infinity(), d);
}

}  // namespace anomaly
