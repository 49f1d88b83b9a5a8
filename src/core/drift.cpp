#include "core/drift.hpp"

#include "core/errors.hpp"
#include "core/robust_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 1 / Φ⁻¹(0.75): MAD → σ for normal data.
constexpr double kMadToSigma = 1.0 / kMadConsistency;

void require(bool ok, const std::string &what) {
    if (!ok) throw InvalidParameter(what);
}

// The own baseline of row t: the median of the finite values one, two, ...
// `cycles` periods before it; NaN with fewer than 2 of them.
double seasonal_median(const double *values, std::size_t t, std::size_t period, std::size_t cycles,
                       std::vector<double> &work) {
    work.clear();
    for (std::size_t m = 1; m <= cycles && m * period <= t; ++m) {
        const double v = values[t - m * period];
        if (std::isfinite(v)) work.push_back(v);
    }
    if (work.size() < 2) return kNaN;
    return robust_location(work.data(), work.size()).median;
}

// Centre and σ of the finite residuals among residuals[first..t).
struct Scale {
    bool ready;
    double centre;
    double sigma;
};

Scale residual_scale(const double *residuals, std::size_t first, std::size_t t, std::size_t min_count,
                     double expected, std::vector<double> &work) {
    work.clear();
    for (std::size_t j = first; j < t; ++j)
        if (std::isfinite(residuals[j])) work.push_back(residuals[j]);
    if (work.size() < min_count) return Scale{false, kNaN, kNaN};
    const RobustLocation loc = robust_location(work.data(), work.size());
    double sigma = kMadToSigma * loc.mad;
    if (!(sigma > 0.0)) sigma = kMeanAbsDeviationConsistency * loc.mean_abs_dev;
    if (!(sigma > 0.0)) sigma = 1e-9 * std::max(1.0, std::fabs(expected));
    return Scale{true, loc.median, sigma};
}

}  // namespace

void validate(const DriftParams &p) {
    require(p.period >= 1 && p.period <= 10000, "period must be between 1 and 10000, not " + std::to_string(p.period));
    require(std::isfinite(p.k) && p.k >= 0.0 && p.k <= 100.0, "k must be between 0 and 100");
    require(std::isfinite(p.h) && p.h > 0.0 && p.h <= 1e6, "h must be greater than 0 and at most 1e6");
    require(std::isfinite(p.clip) && p.clip > 0.0 && p.clip <= 1e6, "clip must be greater than 0 and at most 1e6");
    require(p.min_scale >= 2 && p.min_scale <= p.scale_window && p.scale_window <= 100000,
            "scale_window must be between min_scale and 100000, and min_scale at least 2");
}

void drift_score(const double *values, const double *expected, std::size_t n, const DriftParams &params,
                 DriftPoint *out, StopToken &stop) {
    validate(params);
    const std::size_t period = static_cast<std::size_t>(params.period);
    const std::size_t cycles = std::max<std::size_t>(4, (28 + period - 1) / period);
    const std::size_t window = static_cast<std::size_t>(params.scale_window);
    std::vector<double> residuals(n, kNaN);
    std::vector<double> work;
    work.reserve(std::max(window, cycles));

    double up = 0.0, down = 0.0;  // S+ and S-
    int run_up = 0, run_down = 0;
    int episode = 0;  // direction of the flagged drift going on, 0 none
    for (std::size_t t = 0; t < n; ++t) {
        stop.poll();
        DriftPoint &p = out[t];
        p = DriftPoint{kNaN, 0, 0, false, kNaN, kNaN, kNaN};
        const double x = values[t];
        double e = (expected != nullptr && std::isfinite(expected[t])) ? expected[t] : kNaN;
        if (std::isnan(e)) e = seasonal_median(values, t, period, cycles, work);
        p.expected = e;
        if (!std::isfinite(x) || !std::isfinite(e)) continue;
        const double r = x - e;
        if (!std::isfinite(r)) continue;
        residuals[t] = r;

        const Scale s = residual_scale(residuals.data(), t > window ? t - window : 0, t,
                                       static_cast<std::size_t>(params.min_scale), e, work);
        if (!s.ready) continue;
        double z = (r - s.centre) / s.sigma;
        if (std::isnan(z)) continue;
        z = std::min(params.clip, std::max(-params.clip, z));
        p.lower = e + s.centre - params.k * s.sigma;
        p.upper = e + s.centre + params.k * s.sigma;

        const double new_up = std::max(0.0, up + z - params.k);
        const double new_down = std::max(0.0, down - z - params.k);
        // A run goes on while its sum stays above 0, also across the restart
        // after an alert (the alerting side keeps its run length then).
        run_up = new_up > 0.0 ? (up > 0.0 || run_up > 0 ? run_up + 1 : 1) : 0;
        run_down = new_down > 0.0 ? (down > 0.0 || run_down > 0 ? run_down + 1 : 1) : 0;
        up = new_up;
        down = new_down;
        int direction = 0;
        double lead = 0.0;  // the leading sum
        if (up >= down && up > 0.0) {
            direction = 1;
            lead = up;
            p.run_length = run_up;
        } else if (down > 0.0) {
            direction = -1;
            lead = down;
            p.run_length = run_down;
        }
        p.direction = direction;
        // A flag when the leading sum reaches h; after it the sums restart,
        // and the drift stays flagged while the restarted sum of its side
        // stays above 0 (|score| = 1 + S/h then), so an ongoing drift is one
        // run of flagged rows, not a flag every few rows.
        const bool crossed = lead >= params.h;
        const bool ongoing = episode != 0 && episode == direction;
        p.score = direction * ((ongoing ? 1.0 : 0.0) + lead / params.h);
        p.alert = crossed || ongoing;
        episode = p.alert ? direction : 0;
        if (crossed) {
            up = down = 0.0;
            (direction > 0 ? run_down : run_up) = 0;
        }
    }
}

}  // namespace anomaly
