// drift_score over a time series (behind anomaly.drift_score(ts, value,
// options)): the CUSUM of drift.hpp with what the timestamps tell.
//
//  - Rows are taken in ts order (NaN ts: no result; two rows with the same ts
//    are a DataError naming it) and placed on the regular grid of the
//    series' step (gap_fill.hpp: missing slots inserted, so that "one period
//    back" is one period back in time). Slots without a real value (gaps,
//    NULL/NaN/±Infinity values, rows inside a known event) are missing: no
//    evidence, and not part of any baseline.
//  - step: given, or the median gap of the first kDriftStepRows rows (a row
//    before any score: causal).
//  - period, unless given: a week of slots for sub-daily data (a day when a
//    week is more than 10,000 slots), 7 for daily data, 1 (non-seasonal)
//    for coarser data.
//  - points_per_day: 86400 / step for sub-daily data, so h applies per day.
//  - scale_window: the residuals of the baseline's length (cycles * period
//    rows), at least 56 (drift_scale_window): 56 days of daily data, 4 weeks
//    of hourly data, where 56 rows would be 2 days and the centre would chase
//    every step the weekly baseline takes while it absorbs a new level.
//  - Known events (name, start, end): their rows are missing, as above, so a
//    campaign is neither a drift nor part of the baseline after it.
#pragma once

#include "core/cancellation.hpp"
#include "core/drift.hpp"
#include "core/forecast_options.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <limits>
#include <vector>

namespace anomaly {

constexpr std::size_t kDriftStepRows = 15;

struct DriftSeriesOptions {
    DriftParams params;       // params.period and points_per_day are set from the step unless period_given
    bool period_given = false;
    double step = std::numeric_limits<double>::quiet_NaN();  // seconds; NaN = inferred
    std::vector<EventRange> events;  // [start, end) in UTC seconds
};

// The default baseline period (above) for points `step` seconds apart.
int drift_default_period(double step);

// max(56, drift_baseline_rows(period)).
int drift_scale_window(int period);

// out[i]: the point of row i (ts[i] UTC seconds, NaN = none; values[i]
// NaN/±Inf = missing). A row with NaN ts gets score NaN.
void drift_score_series(const double *ts, const double *values, std::size_t n, const DriftSeriesOptions &options,
                        DriftPoint *out, StopToken &stop);

}  // namespace anomaly
