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
//   centre_t,   median and 1.4826 * MAD of the finite residuals of the
//   sigma_t     `scale_window` rows before t (this row excluded; needs
//               `min_scale` of them); MAD = 0: sigma = 1.2533 * mean absolute
//               deviation; both 0: sigma = 1e-9 * max(1, |expected_t|).
//               Centring on the recent residuals keeps a steady trend the
//               baseline lags behind from reading as drift.
//   z_t         (r_t - centre_t) / sigma_t, clipped to [-clip, clip] so that
//               one outlier alone cannot raise a drift alert.
//   S+_t = max(0, S+_{t-1} + z_t - k),  S-_t = max(0, S-_{t-1} - z_t - k)
//   score_t     S+_t / h when S+_t >= S-_t, else -S-_t / h; the leading
//               sum reaching h flags drift (|score| >= 1, sign = direction)
//               and both sums restart from 0 at the next row. The drift
//               stays flagged on the following rows while the restarted sum
//               of its side stays above 0, with |score| = 1 + S/h then: an
//               ongoing drift is one run of flagged rows (one alarm), not a
//               flag every few rows; the flag ends when that sum is back at 0.
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
    // Rows of residual history behind sigma, and the fewest residuals it needs.
    int scale_window = 56;
    int min_scale = 14;
};

// Throws InvalidParameter unless 1 <= period <= 10000, 0 <= k <= 100,
// 0 < h <= 1e6, 0 < clip <= 1e6, 2 <= min_scale <= scale_window <= 100000
// (all finite).
void validate(const DriftParams &params);

struct DriftPoint {
    double score;     // signed, see above; NaN = no score
    int direction;    // +1 up, -1 down, 0 none (no score or both sums 0)
    int run_length;   // scored rows since the leading sum last left 0 (this
                      // row included), counted on across the restart after
                      // an alert while that sum stays above 0: "drifting
                      // down for 6 rows"; 0 when none
    bool alert;       // flagged: |score| >= 1 (a new flag or a drift going on)
    double expected;  // the expected value used (NaN when none)
    // The band of values that add no evidence of drift to either sum:
    // expected + centre -/+ k * sigma (NaN without a score). Defaulted, so
    // that initializers written before these members existed still compile.
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
};

// expected may be nullptr (own baseline for every row). O(n * (scale_window +
// cycles)) time in the worst case, O(n) memory.
void drift_score(const double *values, const double *expected, std::size_t n, const DriftParams &params,
                 DriftPoint *out, StopToken &stop);

}  // namespace anomaly
