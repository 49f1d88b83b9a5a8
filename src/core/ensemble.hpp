// ensemble_anomaly: several causal detectors of one series, each calibrated
// to a tail probability, combined into one decision with a plain-language
// explanation. The engine behind anomaly.ensemble_anomaly(ts, value, options)
// OVER (PARTITION BY ... ORDER BY ts).
//
// Pipeline, for the rows of a partition ordered by ts (rows whose ts is NaN
// get no result; two rows with the same ts are a DataError naming it):
//  1. Grid (gap_fill.hpp): missing slots inserted at the series' step, gaps
//     of ≤ 2 slots forward-filled, ≤ 5 interpolated, longer ones left missing.
//  2. Layers, each causal (a row's output uses that row and earlier ones):
//     - robust_z: the z-score of the value against the last `lookback`
//       values of the grid (at least 7; median, and the larger of MAD/0.6745
//       and the inter-decile range/2.5631: ensemble_layers.hpp); once the forecast has
//       residuals, of the forecast residual against the last
//       max(kResidualLookback, 7·period) earlier residuals instead (σ
//       floored by the σ the forecast interval implies), so that a weekly
//       pattern is not an anomaly. |z| > z_threshold decides alone, once
//       the forecast runs only when its p (the larger of the normal tail and
//       its own trailing tail, ensemble_layers.hpp trailing_tail_p) is as
//       small as the normal tail at z_threshold: heavy-tailed series do not
//       raise an alarm at every tail point.
//     - forecast (primary): seasonal_forecast_causal (trend, weekly and,
//       after a year, yearly seasonality, the known events as regressors);
//       raw score = (value − yhat) / half-width of the interval_width
//       interval; fired when |raw| > forecast_threshold.
//     - stl: stl_residual_rolling on the grid (period from the options or
//       the step); fired when |raw| > stl_threshold.
//     - iforest: an isolation forest (trailing 256 rows, refit every 32) on
//       kpi_features (value, std_7, wow_change, zscore_7, zscore_30,
//       day_of_week); fired when raw ≥ iforest_threshold.
//     - drift: drift_score (two-sided CUSUM, own seasonal baseline, h per
//       day on sub-daily data) on the grid; fired on the row it flags a
//       drift (|raw| ≥ 1); the drift is going on while its side is held.
//  3. Calibration (score_calibration.hpp): each raw score → a tail
//     probability p; calibrated = 1 − p. robust_z and stl: the two-sided
//     normal tail of the score; forecast: of score × Φ⁻¹((1 + interval_width)/2)
//     (the score is in interval half-widths); iforest: the upper normal tail
//     of the score standardised by the median and MAD of its own last 256
//     scores; drift: the CUSUM tail 2·e^(−2k·|S|) (ensemble_layers.hpp).
//     On sub-daily data, forecast and stl take the larger of that and their
//     own trailing tail (ensemble_layers.hpp trailing_tail_p, last 720
//     scores), as robust_z always does.
//  4. Combination: "weighted" — the weighted mean of the surprises −log10 p
//     over the available layers gives the score 1 − 10^(−mean) and the
//     row is an anomaly when score ≥ threshold; "k_of_n" — an anomaly when
//     at least k layers fired (the score is the same weighted one). In both,
//     robust_z beyond z_threshold alone is enough. On sub-daily data, once
//     the forecast runs, threshold and z_threshold are per day: the tail
//     probabilities they stand for are divided by the points per day.
//  5. Cold start: while fewer than min_points finite values (this row
//     included) exist, only robust_z speaks and warming_up is true.
//  6. Known events: a row inside an event is never an anomaly; the
//     explanation names the event.
//  7. New level: after max_run flagged points in a row in one direction,
//     the rest of the run is not flagged (a level shift alerts once).
#pragma once

#include "core/cancellation.hpp"
#include "core/forecast_options.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace anomaly {

enum Detector { kRobustZ = 0, kForecast, kStl, kIforest, kDrift, kDetectorCount };

// JSON keys of the layers, in Detector order.
extern const char *const kDetectorNames[kDetectorCount];

enum class Combine { weighted, k_of_n };

constexpr std::size_t kResidualLookback = 56;
constexpr std::size_t kMinRobustHistory = 7;

struct EnsembleOptions {
    std::string name = "value";  // the metric's name in explanations
    Combine combine = Combine::weighted;
    int k = 2;
    // Score (1 − combined p) at or above which the weighted mode flags.
    double threshold = 0.999;
    double z_threshold = 4.0;
    double forecast_threshold = 2.0;
    double stl_threshold = 3.5;
    double iforest_threshold = 0.65;
    // A drift flagged or going on, with the forecast 2 half-widths outside
    // its interval in the same direction, decides alone (like robust_z
    // beyond z_threshold).
    bool drift_decides = true;
    // After this many flagged points in a row in one direction the
    // deviation is a new level: later points of the run are not flagged
    // (0 = no limit).
    int max_run = 7;
    double weights[kDetectorCount] = {0.2, 0.4, 0.25, 0.05, 0.1};
    // Seconds between points; NaN = inferred (gap_fill.hpp).
    double step = std::numeric_limits<double>::quiet_NaN();
    // STL period in points; -1 = from the step (default_stl_period), 0 = no STL layer.
    int period = -1;
    int min_points = 30;
    int lookback = 28;
    // data_quality: the share of real points among the last quality_window slots.
    int quality_window = 28;
    // Forecast options: events, utc_offset (time_zone), multiplicative, interval_width.
    ForecastOptions forecast;
    // Unless set, sub-daily data gets weekly Fourier order 28 (the daily
    // cycle inside the weekly one, docs/seasonal_forecast.md).
    bool weekly_seasonality_given = false;
    // Unless set, the forecast is multiplicative (fitted to ln(value)) when
    // every finite value up to the first row out of warm-up is > 0, else
    // additive: business metrics that are positive mostly vary in
    // proportion to their level (0.5.0).
    bool seasonality_mode_given = false;
    // false: no explanation texts (callers that only read the scores, such as
    // the rule method ensemble_anomaly); every other field is the same.
    bool explain = true;
};

// Throws InvalidParameter naming the option when one is out of its domain.
void validate(const EnsembleOptions &options);

// The STL period for points `step` seconds apart: 24 for hourly, 7 for
// daily, 52 for weekly, 12 for monthly, 4 for quarterly (the cycle of the
// next calendar unit up); 0 (no STL layer) when that is not 2..666 points.
int default_stl_period(double step);

struct DetectorScore {
    bool available = false;
    bool fired = false;
    double raw = std::numeric_limits<double>::quiet_NaN();
    double calibrated = std::numeric_limits<double>::quiet_NaN();
};

enum class Severity { none, info, warning, critical };

struct EnsembleResult {
    bool has_row = false;  // false: the row's ts is NULL, the result is NULL
    bool has_value = false;  // false: value NULL/NaN/±Inf, is_anomaly and score NULL
    bool is_anomaly = false;
    double score = std::numeric_limits<double>::quiet_NaN();
    Severity severity = Severity::none;
    int direction = 0;  // 1 up, -1 down, 0 NULL
    double expected = std::numeric_limits<double>::quiet_NaN();
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
    double deviation_pct = std::numeric_limits<double>::quiet_NaN();
    DetectorScore detectors[kDetectorCount];
    std::string explanation;
    double data_quality = std::numeric_limits<double>::quiet_NaN();
    bool warming_up = true;
    int event = -1;  // index into options.forecast.event_names, -1 = none
    int drift_direction = 0;  // the drift layer's direction and run length (points), for the explanation
    int drift_run = 0;
    int new_level_run = 0;  // > 0: flagged points in a row so far, no longer flagged (max_run)
};

// out[i] is the result of row i (ts[i] UTC seconds, NaN = NULL; values[i]
// NaN/±Inf = missing).
std::vector<EnsembleResult> ensemble_anomaly(const double *ts, const double *values, std::size_t n,
                                             const EnsembleOptions &options, StopToken &stop);

// The detectors column as JSON text: {"robust_z": {"raw": .., "calibrated":
// .., "fired": ..}, ...}; unavailable layers have null fields, infinite raw
// scores are the strings "Infinity" / "-Infinity".
std::string detectors_json(const EnsembleResult &r);

const char *severity_name(Severity s);  // nullptr for none

}  // namespace anomaly
