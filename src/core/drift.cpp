#include "core/drift.hpp"

#include "core/errors.hpp"
#include "core/robust_statistics.hpp"
#include "core/sorted_window.hpp"

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

// Centre and σ of the residuals in `history` (the last scale_window finite
// residuals before the row).
struct Scale {
    bool ready;
    double centre;
    double sigma;
};

Scale residual_scale(const SortedWindow &history, std::size_t min_count, double expected) {
    if (history.size() < min_count) return Scale{false, kNaN, kNaN};
    const RobustLocation loc = history.location();
    double sigma = kMadToSigma * loc.mad;
    if (!(sigma > 0.0)) sigma = kMeanAbsDeviationConsistency * loc.mean_abs_dev;
    if (!(sigma > 0.0)) sigma = 1e-9 * std::max(1.0, std::fabs(expected));
    return Scale{true, loc.median, sigma};
}

std::size_t baseline_cycles(std::size_t period) { return std::max<std::size_t>(4, (28 + period - 1) / period); }

// Siegmund's approximation of a one-sided CUSUM's in-control average run
// length for N(0, 1) scores; its logarithm, to stay finite.
double log_arl(double h, double k) {
    const double b = h + 1.166;
    if (k < 1e-6) return 2.0 * std::log(b);
    const double a = 2.0 * k * b;
    // (e^a - a - 1) / (2k^2), with e^a - a - 1 = e^a (1 - (a + 1) e^-a)
    return a + std::log1p(-(a + 1.0) * std::exp(-a)) - std::log(2.0 * k * k);
}

// A flagged side: `rows` of hold left, its shadow sum, and the new level
// (median z of the first `settle` scored rows after the flag) against which
// it gathers evidence again once settled.
constexpr std::size_t kMinSettle = 3;

struct Hold {
    long rows = 0;
    double shadow = 0.0;
    std::vector<double> after;  // z of the rows after the flag, until settled
    double level = kNaN;

    void start(long hold_rows, double h) {
        rows = hold_rows;
        shadow = h;
        after.clear();
        level = kNaN;
    }
    bool settled() const { return rows > 0 && !std::isnan(level); }
    // One scored row while held (side +1 up, -1 down).
    void step(double z, double zu, int side, double k, double h, std::size_t settle) {
        shadow = std::min(h, std::max(0.0, shadow + side * z - k));
        rows = shadow > 0.0 ? rows - 1 : 0;
        if (rows == 0 || settled()) return;
        after.push_back(zu);
        if (after.size() >= settle) level = robust_location(after.data(), after.size()).median;
    }
    // z against the new level, clipped like z.
    double relative(double zu, double clip) const { return std::min(clip, std::max(-clip, zu - level)); }
};

}  // namespace

int drift_baseline_rows(int period) {
    const std::size_t p = static_cast<std::size_t>(std::max(1, period));
    return static_cast<int>(baseline_cycles(p) * p);
}

double drift_h_per_point(double h, double k, double points_per_day) {
    if (!(points_per_day > 1.0)) return h;
    const double target = log_arl(h, k) + std::log(points_per_day);
    double lo = h, hi = h + 1.0;
    while (log_arl(hi, k) < target) hi = h + 2.0 * (hi - h);
    for (int i = 0; i < 100; ++i) {
        const double mid = (lo + hi) / 2.0;
        (log_arl(mid, k) < target ? lo : hi) = mid;
    }
    return hi;
}

void validate(const DriftParams &p) {
    require(p.period >= 1 && p.period <= 10000, "period must be between 1 and 10000, not " + std::to_string(p.period));
    require(std::isfinite(p.k) && p.k >= 0.0 && p.k <= 100.0, "k must be between 0 and 100");
    require(std::isfinite(p.h) && p.h > 0.0 && p.h <= 1e6, "h must be greater than 0 and at most 1e6");
    require(std::isfinite(p.clip) && p.clip > 0.0 && p.clip <= 1e6, "clip must be greater than 0 and at most 1e6");
    require(p.min_scale >= 2 && p.min_scale <= p.scale_window && p.scale_window <= 100000,
            "scale_window must be between min_scale and 100000, and min_scale at least 2");
    require(p.hold >= -1 && p.hold <= 10000000, "hold must be between -1 (the baseline's length) and 10000000");
    require(std::isfinite(p.points_per_day) && p.points_per_day >= 1.0 && p.points_per_day <= 86400.0,
            "points_per_day must be between 1 and 86400");
}

void drift_score(const double *values, const double *expected, std::size_t n, const DriftParams &params,
                 DriftPoint *out, StopToken &stop) {
    validate(params);
    const std::size_t period = static_cast<std::size_t>(params.period);
    const std::size_t cycles = baseline_cycles(period);
    const std::size_t window = static_cast<std::size_t>(params.scale_window);
    SortedWindow history(window);
    std::vector<double> work;
    work.reserve(cycles);

    const double h = drift_h_per_point(params.h, params.k, params.points_per_day);
    const long hold = params.hold < 0 ? drift_baseline_rows(params.period) : params.hold;
    const std::size_t settle = std::max<std::size_t>(kMinSettle, period);
    double up = 0.0, down = 0.0;  // S+ and S-
    int run_up = 0, run_down = 0;
    Hold hold_up, hold_down;
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
        const Scale s = residual_scale(history, static_cast<std::size_t>(params.min_scale), e);
        history.push(r);
        if (!s.ready) continue;
        const double zu = (r - s.centre) / s.sigma;
        if (std::isnan(zu)) continue;
        const double z = std::min(params.clip, std::max(-params.clip, zu));
        p.lower = e + s.centre - params.k * s.sigma;
        p.upper = e + s.centre + params.k * s.sigma;

        // A held side gathers no evidence against the old level. Its hold
        // ends early once the new level is absorbed: a shadow sum of the
        // side, capped at h, drains to 0 (the residuals are back around their
        // centre). Once the side has settled, its sum restarts from the new
        // level: the median z of the `settle` rows after the flag.
        const bool was_held_up = hold_up.rows > 0, was_held_down = hold_down.rows > 0;
        if (was_held_up) hold_up.step(z, zu, +1, params.k, h, settle);
        if (was_held_down) hold_down.step(z, zu, -1, params.k, h, settle);
        p.held = hold_up.rows > 0 ? 1 : hold_down.rows > 0 ? -1 : 0;
        const double new_up = !was_held_up ? std::max(0.0, up + z - params.k)
                              : hold_up.settled() ? std::max(0.0, up + hold_up.relative(zu, params.clip) - params.k)
                                                  : 0.0;
        const double new_down = !was_held_down ? std::max(0.0, down - z - params.k)
                                : hold_down.settled() ? std::max(0.0, down - hold_down.relative(zu, params.clip) - params.k)
                                                      : 0.0;
        run_up = new_up > 0.0 ? run_up + 1 : 0;
        run_down = new_down > 0.0 ? run_down + 1 : 0;
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
        p.score = direction * lead / h;
        p.alert = lead >= h;
        if (p.alert) {
            // Both sums restart; the flagged side is held.
            up = down = 0.0;
            run_up = run_down = 0;
            (direction > 0 ? hold_up : hold_down).start(hold, h);
        }
    }
}

}  // namespace anomaly
