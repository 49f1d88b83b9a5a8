#include "core/score_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace anomaly {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMinP = 1e-16;
}  // namespace

double normal_two_sided_p(double z) {
    if (std::isnan(z)) return kNaN;
    return std::max(kMinP, std::min(1.0, std::erfc(std::fabs(z) / std::sqrt(2.0))));
}

double empirical_upper_p(const double *history, std::size_t n, double x) {
    if (!std::isfinite(x)) return kNaN;
    std::size_t finite = 0, at_least = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(history[i])) continue;
        ++finite;
        if (history[i] >= x) ++at_least;
    }
    return static_cast<double>(1 + at_least) / static_cast<double>(1 + finite);
}

double surprise(double p) {
    if (std::isnan(p)) return kNaN;
    if (p <= 0.0) return kMaxSurprise;
    return std::max(0.0, std::min(kMaxSurprise, -std::log10(p)));
}

double calibrated_from_surprise(double s) {
    if (std::isnan(s)) return kNaN;
    return 1.0 - std::pow(10.0, -s);
}

double weighted_surprise(const double *s, const double *w, const bool *available, std::size_t n) {
    double sum = 0.0, weight = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!available[i] || !(w[i] > 0.0) || std::isnan(s[i])) continue;
        sum += w[i] * std::min(s[i], kCombinedSurpriseCap);
        weight += w[i];
    }
    return weight > 0.0 ? sum / weight : kNaN;
}

}  // namespace anomaly
