#include "core/f_distribution.hpp"

#include <cmath>
#include <limits>

namespace anomaly {

namespace {

// The continued fraction of I_x(a, b) for x < (a + 1)/(a + b + 2), where it
// converges quickly.
double beta_continued_fraction(double x, double a, double b) {
    constexpr double kTiny = 1e-300;
    constexpr double kEps = 1e-15;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double dm = static_cast<double>(m);
        // Even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)).
        double num = dm * (b - dm) * x / ((a + 2.0 * dm - 1.0) * (a + 2.0 * dm));
        d = 1.0 + num * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + num / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        h *= d * c;
        // Odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
        num = -(a + dm) * (a + b + dm) * x / ((a + 2.0 * dm) * (a + 2.0 * dm + 1.0));
        d = 1.0 + num * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + num / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < kEps) break;
    }
    return h;
}

}  // namespace

double regularized_incomplete_beta(double x, double a, double b) {
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(x <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
    if (x == 0.0) return 0.0;
    if (x == 1.0) return 1.0;
    // x^a (1−x)^b / B(a, b), in logarithms.
    const double log_front =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    const double front = std::exp(log_front);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(x, a, b) / a;
    // Symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the other side converges.
    return 1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b;
}

double f_distribution_sf(double f, double d1, double d2) {
    if (std::isnan(f)) return std::numeric_limits<double>::quiet_NaN();
    if (f <= 0.0) return 1.0;
    if (std::isinf(f)) return 0.0;
    return regularized_incomplete_beta(d2 / (d2 + d1 * f), d2 / 2.0, d1 / 2.0);
}

}  // namespace anomaly
