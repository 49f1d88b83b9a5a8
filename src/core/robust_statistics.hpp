// Robust location and scale of a sample, and the modified z-score of Iglewicz
// and Hoaglin (1993) built on them.
#pragma once

#include "core/no_postgres.hpp"

#include <cstddef>

namespace anomaly {

// 0.6745 = Φ⁻¹(0.75): makes MAD a consistent estimator of σ for normal data,
// in the form Iglewicz and Hoaglin give the modified z-score.
constexpr double kMadConsistency = 0.6745;
// √(π/2) ≈ 1.253314: the ratio σ / E|X − μ| for normal data, used when MAD is 0.
constexpr double kMeanAbsDeviationConsistency = 1.253314;

// (a + b) / 2 without overflow: the median of an even-sized sample.
inline double midpoint(double a, double b) {
    const double sum = a + b;
    return (sum - sum == 0.0) ? sum / 2.0 : a / 2.0 + b / 2.0;
}

struct RobustLocation {
    double median;
    double mad;            // median absolute deviation from the median
    double mean_abs_dev;   // mean absolute deviation from the median
};

// Median, MAD and mean absolute deviation of n ≥ 1 finite values (O(n)).
RobustLocation robust_location(const double *values, std::size_t n);

// The modified z-score of x against a location:
//   0.6745·(x − median)/MAD                      when MAD > 0,
//   (x − median)/(1.253314·mean_abs_dev)         when MAD = 0 < mean_abs_dev,
//   0 when x = median, else ±∞ (the sign of x − median) when both are 0.
// NaN only when the arithmetic overflows (|values| beyond about DBL_MAX / 2).
double modified_zscore(double x, const RobustLocation &location);

}  // namespace anomaly
