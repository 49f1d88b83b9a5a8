#include "core/fourier_features.hpp"

#include <cmath>

namespace anomaly {

void fourier_terms(double t_days, double period_days, int order, double *out) {
    if (order <= 0) return;
    // Reduce the phase first: t_days is ~20,000, the angle stays exact.
    const double cycles = t_days / period_days;
    const double theta = 2.0 * M_PI * (cycles - std::floor(cycles));
    const double s1 = std::sin(theta), c1 = std::cos(theta);
    double s = s1, c = c1;
    for (int k = 0; k < order; ++k) {
        out[2 * k] = s;
        out[2 * k + 1] = c;
        const double sn = s * c1 + c * s1;
        c = c * c1 - s * s1;
        s = sn;
    }
}

}  // namespace anomaly
