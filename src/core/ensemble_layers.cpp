#include "core/ensemble_layers.hpp"

#include "core/ensemble.hpp"
#include "core/isolation_forest.hpp"
#include "core/kpi_features.hpp"
#include "core/robust_statistics.hpp"
#include "core/score_calibration.hpp"
#include "core/sorted_window.hpp"
#include "core/stl_residual.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// (q90 − q10) / σ for normal data: 2·Φ⁻¹(0.9).
constexpr double kInterDecileConsistency = 2.5631031;
// The STL layer's history cap (points); only periods above 125 reach it.
constexpr int kStlHistoryCap = 1000;

// Linear-interpolation quantile of sorted s (type 7).
double quantile(const std::vector<double> &s, double q) {
    const double at = q * static_cast<double>(s.size() - 1);
    const std::size_t i = static_cast<std::size_t>(std::floor(at));
    if (i + 1 >= s.size()) return s.back();
    return s[i] + (at - static_cast<double>(i)) * (s[i + 1] - s[i]);
}

// history: a SortedWindow (sorted_window.hpp), the same statistics as
// robust_location and std::sort of the window without a copy per row.
RobustFit robust_against(const SortedWindow &history, double x, bool spread_floor) {
    RobustFit f;
    if (history.size() < kMinRobustHistory || !std::isfinite(x)) return f;
    const RobustLocation loc = history.location();
    f.median = loc.median;
    f.sigma = loc.mad > 0.0 ? loc.mad / kMadConsistency : loc.mean_abs_dev * kMeanAbsDeviationConsistency;
    f.z = modified_zscore(x, loc);
    if (spread_floor) {
        const std::vector<double> &h = history.sorted();
        const double spread_sigma = (quantile(h, 0.9) - quantile(h, 0.1)) / kInterDecileConsistency;
        if (spread_sigma > f.sigma) {
            f.sigma = spread_sigma;
            f.z = (x - f.median) / spread_sigma;
        }
    }
    return f;
}

// trailing_tail_p's threshold u of a history of n ≥ min_history values: the
// largest value below the top max(n/10, 5), read off the sorted window (the
// value std::nth_element would put at n − m − 1). A score at or below it
// needs neither the selection nor the mean excess over u (whose sum is
// taken in std::nth_element's order, so it keeps that path).
double tail_threshold(const SortedWindow &history, std::size_t n) {
    const std::size_t m = std::max<std::size_t>(n / 10, 5);
    return history.sorted()[n - m - 1];
}

// (1 + #{h ≥ x}) / (1 + n): the empirical tail of x in the history.
double empirical_tail_p(const SortedWindow &history, std::size_t n, double x) {
    const std::vector<double> &s = history.sorted();
    const std::size_t at_least = static_cast<std::size_t>(s.end() - std::lower_bound(s.begin(), s.end(), x));
    return static_cast<double>(1 + at_least) / static_cast<double>(1 + n);
}

}  // namespace

// value, std_7, wow_change, zscore_7, zscore_30, day_of_week: the level, its
// local spread, the weekly comparison and the weekday that explains it.
const std::size_t kIForestFeatures[kIForestFeatureCount] = {0, 3, 6, 8, 9, 10};

std::vector<RobustFit> robust_value_layer(const SlotSeries &grid, std::size_t lookback, StopToken &stop) {
    const std::size_t m = grid.row_slot.size();
    std::vector<RobustFit> out(m);
    SortedWindow history(lookback);
    std::size_t k = 0;
    for (std::size_t j = 0; j < grid.values.size(); ++j) {
        stop.poll();
        const double v = grid.values[j];
        if (k < m && grid.row_slot[k] == j) out[k++] = robust_against(history, grid.kinds[j] == SlotKind::real ? v : kNaN, true);
        if (std::isfinite(v)) history.push(v);
    }
    return out;
}

std::vector<RobustFit> robust_residual_layer(const std::vector<double> &residuals, std::size_t lookback) {
    std::vector<RobustFit> out(residuals.size());
    SortedWindow history(lookback);
    for (std::size_t k = 0; k < residuals.size(); ++k) {
        if (!std::isfinite(residuals[k])) continue;
        out[k] = robust_against(history, residuals[k], false);
        history.push(residuals[k]);
    }
    return out;
}

std::vector<double> stl_layer(const SlotSeries &grid, int period, StopToken &stop) {
    const std::size_t slots = grid.values.size();
    std::vector<double> residual(slots, kNaN), score(slots, kNaN);
    if (period < 2) return score;
    StlResidualParams p;
    p.period = period;
    // max(8·period, 56), but at most max(3·period, kStlHistoryCap): the
    // residual weights cost history STL fits of history points per
    // partition, ~14 s for 5-minute data (period 288) at 2,000 points.
    p.history = std::min(std::max(8 * period, 56), std::max(3 * period, kStlHistoryCap));
    stl_residual_rolling(grid.values.data(), slots, p, nullptr, residual.data(), score.data(), stop);
    return score;
}

std::vector<double> iforest_layer(const double *ts, const double *values, std::size_t n, double utc_offset,
                                  StopToken &stop) {
    std::vector<std::int64_t> local(n);
    for (std::size_t i = 0; i < n; ++i) local[i] = static_cast<std::int64_t>(std::floor(ts[i] + utc_offset));
    std::vector<double> all(n * kKpiFeatureCount);
    kpi_features(values, local.data(), n, all.data(), stop);
    std::vector<double> rows(n * kIForestFeatureCount);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t f = 0; f < kIForestFeatureCount; ++f)
            rows[i * kIForestFeatureCount + f] = all[i * kKpiFeatureCount + kIForestFeatures[f]];
    IForestWindowOptions o;  // window 256, refit every 32, 100 trees, seed 42
    return iforest_window_scores(rows.data(), n, kIForestFeatureCount, o, stop);
}

std::vector<double> self_calibrated_upper_p(const std::vector<double> &scores, std::size_t lookback) {
    const std::vector<RobustFit> fits = robust_residual_layer(scores, lookback);
    std::vector<double> p(scores.size(), kNaN);
    for (std::size_t k = 0; k < scores.size(); ++k) {
        const double z = fits[k].z;
        if (std::isnan(z)) continue;
        p[k] = z > 0 ? normal_two_sided_p(z) : 1.0;
    }
    return p;
}

std::vector<double> trailing_tail_p(const std::vector<double> &scores, std::size_t window, std::size_t min_history,
                                    StopToken &stop) {
    std::vector<double> p(scores.size(), kNaN);
    SortedWindow history(window);
    std::vector<double> h;
    for (std::size_t k = 0; k < scores.size(); ++k) {
        stop.poll();
        if (!std::isfinite(scores[k])) continue;
        const double x = std::fabs(scores[k]);
        const std::size_t n = history.size();
        if (n >= min_history && x <= tail_threshold(history, n)) {
            p[k] = empirical_tail_p(history, n, x);  // the same as below, read off the sorted window
        } else if (n >= min_history) {
            h.assign(history.arrival().begin(), history.arrival().end());
            const std::size_t m = std::max<std::size_t>(n / 10, 5);
            // h[n − m − 1] after partitioning: the threshold u below the top m.
            std::nth_element(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(n - m - 1), h.end());
            const double u = h[n - m - 1];
            double excess = 0.0;
            for (std::size_t i = n - m; i < n; ++i) excess += h[i] - u;
            excess /= static_cast<double>(m);
            if (x <= u || !(excess > 0.0)) {
                p[k] = empirical_tail_p(history, n, x);
            } else {
                p[k] = std::max(1e-16, static_cast<double>(m) / static_cast<double>(n) * std::exp(-(x - u) / excess));
            }
        }
        history.push(x);
    }
    return p;
}

std::vector<DriftPoint> drift_layer(const SlotSeries &grid, int period, double points_per_day, StopToken &stop) {
    DriftParams params;
    params.period = std::max(1, period);
    params.points_per_day = std::max(1.0, points_per_day);
    std::vector<DriftPoint> out(grid.values.size());
    drift_score(grid.values.data(), nullptr, grid.values.size(), params, out.data(), stop);
    return out;
}

double drift_tail_p(double score, const DriftParams &params) {
    if (std::isnan(score)) return kNaN;
    return std::max(1e-16, std::min(1.0, 2.0 * std::exp(-2.0 * params.k * std::fabs(score) * params.h)));
}

}  // namespace anomaly
