// Gradual-drift detection (behind anomaly.drift_score): a causal two-sided
// CUSUM (Page 1954) on standardized forecast residuals, self-scaling and
// reset after every alert.
//
// For each row t:
//   expected_t  the caller's forecast when finite, else the own baseline: the
//               median of the finite values at t - period*m, m = 1..cycles,
//               cycles = max(4, ceil(28 / period)) (4 weeks of same weekdays
//               for daily data, the last 28 rows when period = 1): it lags
//               about two cycles behind, so a two-week ramp is not absorbed;
//               needs 2 such values.
//   r_t         value_t - expected_t
//   centre_t,   median and 1.4826 * MAD of the last `scale_window` finite
//   sigma_t     residuals before t (this row excluded; needs `min_scale` of
//               them; 0.3.0 took the residuals of the last `scale_window`
//               rows, fewer when values were missing); MAD = 0: sigma = 1.2533 * mean absolute
//               deviation; both 0: sigma = 1e-9 * max(1, |expected_t|).
//               Centring on the recent residuals keeps a steady trend the
//               baseline lags behind from reading as drift.
//   z_t         (r_t - centre_t) / sigma_t, clipped to [-clip, clip] so that
//               one outlier alone cannot raise a drift alert.
//   S+_t = max(0, S+_{t-1} + z_t - k),  S-_t = max(0, S-_{t-1} - z_t - k)
//   score_t     S+_t / h when S+_t >= S-_t, else -S-_t / h; the leading
//               sum reaching h flags drift on that row (|score| >= 1, sign =
//               direction) and both sums restart from 0 at the next row.
//   hold        After a flag the flagged side gathers no evidence for `hold`
//               rows (its sum stays 0): by default the time the own baseline
//               needs to absorb a new level (cycles * period rows, 4 weeks of
//               daily data). A drift, or a level shift, is one flag, not a
//               flag every few rows until the baseline has caught up. The
//               other side is not held (a recovery can be flagged). Once
//               max(3, period) scored rows have followed the flag, the held
//               side restarts from the new level: its sum gathers
//               z - (median z of those rows), clipped the same way, so a
//               drift that goes on past that level is flagged again while a
//               new level that stays is not (0.5.0; 0.4.0 gathered nothing
//               for the whole hold).
//   h per day   With points_per_day > 1 (sub-daily data), h is raised to the
//               h' whose in-control average run length (Siegmund's
//               approximation for normal scores) is points_per_day times that
//               of h, so that noise raises as few flags per day as h does on
//               daily data (h 5, k 0.5: about one per 470 days of normal
//               noise; hourly data: h' = 8.2).
// Rows without a score (value not finite, no expected, scale not ready) leave
// the sums unchanged and get score NaN.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <limits>

namespace anomaly {

struct DriftParams {
    // Seasonal period of the own baseline, in rows (1 = non-seasonal).
    int period = 7;
    // CUSUM allowance and decision threshold, in units of sigma.
    double k = 0.5;
    double h = 5.0;
    // Residual clip, in units of sigma.
    double clip = 3.0;
    // Residuals behind sigma (the last this many finite ones), and the fewest it needs.
    int scale_window = 56;
    int min_scale = 14;
    // Rows after a flag during which its side gathers no evidence; -1 = the
    // own baseline's cycles * period rows, 0 = none.
    int hold = -1;
    // Points per day of sub-daily data (h applies per day, above); 1 for
    // daily and coarser data.
    double points_per_day = 1.0;
};

// The number of rows of the own baseline (cycles * period) and the default hold.
int drift_baseline_rows(int period);

// h' for points_per_day (above); h itself when points_per_day <= 1.
double drift_h_per_point(double h, double k, double points_per_day);

// Throws InvalidParameter unless 1 <= period <= 10000, 0 <= k <= 100,
// 0 < h <= 1e6, 0 < clip <= 1e6, 2 <= min_scale <= scale_window <= 100000
// (all finite), -1 <= hold <= 10^7, 1 <= points_per_day <= 86400.
void validate(const DriftParams &params);

struct DriftPoint {
    double score;     // signed, see above; NaN = no score
    int direction;    // +1 up, -1 down, 0 none (no score or both sums 0)
    int run_length;   // scored rows since the leading sum last left 0 (this
                      // row included): "drifting down for 6 rows"; 0 when none
    bool alert;       // flagged on this row: the leading sum reached h
    double expected;  // the expected value used (NaN when none)
    // The band of values that add no evidence of drift to either sum:
    // expected + centre -/+ k * sigma (NaN without a score). Defaulted, so
    // that initializers written before these members existed still compile.
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
    // +1/-1: a drift flagged earlier in that direction is still going on (its
    // side is held, above); 0 none.
    int held = 0;
};

// expected may be nullptr (own baseline for every row). The residuals'
// window is kept sorted (sorted_window.hpp): O(n * (scale_window + cycles))
// time in the worst case but mostly moves, O(n + scale_window) memory.
void drift_score(const double *values, const double *expected, std::size_t n, const DriftParams &params,
                 DriftPoint *out, StopToken &stop);

}  // namespace anomaly
