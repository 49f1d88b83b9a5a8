// The detector layers of ensemble_anomaly (ensemble.hpp), each computed over
// the whole partition at once and causally: a row's output uses that row and
// earlier ones only. Each returns raw scores; ensemble.cpp calibrates and
// combines them.
#pragma once

#include "core/cancellation.hpp"
#include "core/drift.hpp"
#include "core/gap_fill.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <limits>
#include <vector>

namespace anomaly {

// A modified z-score with the location it was measured against.
struct RobustFit {
    double z = std::numeric_limits<double>::quiet_NaN();
    double median = std::numeric_limits<double>::quiet_NaN();
    double sigma = std::numeric_limits<double>::quiet_NaN();  // MAD / 0.6745 (or 1.2533 · mean abs. deviation)
};

// Per row (grid.row_slot order): the value's robust fit against the last
// `lookback` finite grid values before its slot (at least kMinRobustHistory).
// The scale is the larger of MAD/0.6745 and (q90 − q10)/2.5631 (the
// inter-decile range, σ for normal data): a weekly pattern makes the history
// two-humped (weekdays, and weekends at 2/7 of the points), whose MAD is that
// of the weekdays alone while the inter-decile range spans both humps, so
// that weekends are not anomalies before the seasonal layers speak. z is then
// (x − median) / scale.
std::vector<RobustFit> robust_value_layer(const SlotSeries &grid, std::size_t lookback, StopToken &stop);

// Per row: the fit of residual[k] against the last `lookback` finite
// residuals before it (non-finite residuals get none and are skipped).
std::vector<RobustFit> robust_residual_layer(const std::vector<double> &residuals, std::size_t lookback);

// Per slot: stl_residual_rolling scores of the grid (period ≥ 2), history
// max(8·period, 56) capped at 2000.
std::vector<double> stl_layer(const SlotSeries &grid, int period, StopToken &stop);

// Per row: the isolation forest score (window 256, refit every 32, 100 trees,
// seed 42) of kpi_features elements kIForestFeatures of the rows in time
// order (ts UTC seconds, local time = ts + utc_offset). NaN where a feature
// is undefined or no forest exists yet.
constexpr std::size_t kIForestFeatureCount = 6;
extern const std::size_t kIForestFeatures[kIForestFeatureCount];
std::vector<double> iforest_layer(const double *ts, const double *values, std::size_t n, double utc_offset,
                                  StopToken &stop);

// Upper-tail probability of each score against the detector's own earlier
// scores: z = (s − median) / σ of the last `lookback` finite earlier scores
// (at least kMinRobustHistory), p = erfc(z/√2) for z > 0, else 1; NaN
// without a score or history.
std::vector<double> self_calibrated_upper_p(const std::vector<double> &scores, std::size_t lookback);

// Two-sided tail probability of |score[k]| against the detector's own last
// `window` finite scores before it (at least min_history): the empirical
// tail (1 + #{|h| ≥ |s|}) / (1 + N) inside the bulk, and beyond the largest
// tenth an exponential tail fitted to it (peaks over threshold: the tenth's
// threshold u and mean excess e give p = (m/N)·exp(−(|s| − u)/e), m = N/10).
// NaN without a score or history. Heavy-tailed errors make it larger than
// the normal tail; ensemble.cpp takes the larger of the two for robust_z.
std::vector<double> trailing_tail_p(const std::vector<double> &scores, std::size_t window, std::size_t min_history,
                                    StopToken &stop);

// Per slot: drift_score over the grid with its own seasonal baseline
// (period: the STL period, 1 when there is none).
std::vector<DriftPoint> drift_layer(const SlotSeries &grid, int period, double points_per_day, StopToken &stop);

// The tail probability of a drift score (CUSUM sum S = |score|·h with
// allowance k = 0.5): for a random walk of N(0, 1) steps with drift −k the
// excess over 0 has P(S > x) ≈ e^(−2k·x); two-sided: 2·e^(−|score|·h), at most 1.
double drift_tail_p(double score, const DriftParams &params);

}  // namespace anomaly
