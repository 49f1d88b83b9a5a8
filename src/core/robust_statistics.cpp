#include "core/robust_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace anomaly {

namespace {

// Median of v (reordered in place), n ≥ 1.
// Samples up to this size (every window of the ensemble's layers: 4 to 56
// values, a few thousand samples per partition) are selected on the stack by
// small_select; larger ones by std::nth_element.
constexpr std::size_t kSmallSample = 128;

// Rearranges v[0..n) so that v[k] is the value std::nth_element would put
// there (the k-th smallest) with every value before it ≤ v[k]: quickselect
// with a median-of-three pivot and branch-free three-way partitions, about
// three times faster than std::nth_element on the small random samples above
// (its partition mispredicts a branch per element). Order statistics are
// values of the sample, so the medians built on them are bit for bit the
// same whichever algorithm selects them. No NaN (the caller checks).
void small_select(double *v, std::size_t n, std::size_t k) {
    std::size_t lo = 0, hi = n;  // k is in [lo, hi); everything before lo ≤ everything from lo on
    while (hi - lo > 2) {
        const std::size_t mid = lo + (hi - lo) / 2;
        const double a = v[lo], b = v[mid], c = v[hi - 1];
        const double pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
        // [lo, less) < pivot, then [less, equal) == pivot, then > pivot.
        std::size_t less = lo;
        for (std::size_t i = lo; i < hi; ++i) {
            const double x = v[i];
            const bool below = x < pivot;
            v[i] = v[less];
            v[less] = x;
            less += below;
        }
        std::size_t equal = less;
        for (std::size_t i = less; i < hi; ++i) {
            const double x = v[i];
            const bool same = !(pivot < x);
            v[i] = v[equal];
            v[equal] = x;
            equal += same;
        }
        if (k < less) hi = less;
        else if (k >= equal) lo = equal;
        else return;  // v[k] == pivot
    }
    if (hi - lo == 2 && v[lo + 1] < v[lo]) std::swap(v[lo], v[lo + 1]);
}

// The median of v[0..n) (n ≥ 1), rearranging v; small: selected by small_select.
double median_in_place(double *v, std::size_t n, bool small) {
    const std::size_t h = n / 2;
    if (small) small_select(v, n, h);
    else std::nth_element(v, v + h, v + n);
    const double upper = v[h];
    if (n % 2 == 1) return upper;
    const double lower = *std::max_element(v, v + h);
    return midpoint(lower, upper);
}

// Median, mean absolute deviation and MAD of values[0..n), with work[0..n) as scratch.
RobustLocation robust_location_with(const double *values, std::size_t n, double *work, bool small) {
    std::copy(values, values + n, work);
    RobustLocation loc{};
    loc.median = median_in_place(work, n, small);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        work[i] = std::fabs(values[i] - loc.median);
        sum += work[i];
    }
    loc.mean_abs_dev = sum / static_cast<double>(n);
    loc.mad = median_in_place(work, n, small);
    return loc;
}

}  // namespace

RobustLocation robust_location(const double *values, std::size_t n) {
    if (n == 0) throw std::invalid_argument("robust_location: empty sample");
    // NaN, ±Infinity (whose deviations can be NaN) and −0 take
    // std::nth_element's path: where a NaN or which of two zeros (0 and −0)
    // lands at the median is its own affair, and the results stay bit for
    // bit those of before small_select.
    bool small = n <= kSmallSample;
    for (std::size_t i = 0; i < n && small; ++i) small = std::isfinite(values[i]) && !(values[i] == 0.0 && std::signbit(values[i]));
    if (small) {
        double work[kSmallSample];
        return robust_location_with(values, n, work, true);
    }
    std::vector<double> work(n);
    return robust_location_with(values, n, work.data(), false);
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
