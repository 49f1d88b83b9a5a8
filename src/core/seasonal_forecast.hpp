// A Prophet-class seasonal forecast: piecewise-linear trend with regularised
// changepoints, weekly and yearly Fourier seasonality, known-event effects,
// additive or multiplicative (fitted on ln y). The engine behind
// anomaly.seasonal_forecast (causal, one step ahead, per window partition) and
// anomaly.forecast (whole series plus a horizon).
//
// Time is real time: timestamps are UTC seconds since 1970-01-01, in any order
// and with gaps; the engine orders them. Duplicates are a DataError naming the
// timestamp. Values that are NaN or ±Infinity (and, in multiplicative mode,
// ≤ 0) are never fitted: such rows still get a forecast, but no score.
//
// Intervals are conformal: the half-width is the ⌈(m+1)·w⌉-th smallest of the
// last m ≤ interval_history absolute one-step-ahead errors (each made before
// its row was seen), w = interval_width; none before kMinIntervalErrors errors.
#pragma once

#include "core/cancellation.hpp"
#include "core/forecast_options.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <vector>

namespace anomaly {

// NaN = NULL. yhat NaN means "no forecast" (the whole point is NULL).
struct ForecastPoint {
    double yhat, yhat_lower, yhat_upper, trend, weekly, yearly, events, score;
};

// For every row i, out[i] = the forecast of row i from the fit over the rows
// with earlier timestamps (refitted every refit_every finite values), and the
// row's score (value − yhat) / (half-width of the interval on that side).
// Rows whose ts is NaN get no forecast and are ignored. Throws DataError on a
// duplicate timestamp, InvalidParameter on invalid options.
void seasonal_forecast_causal(const double *ts, const double *values, std::size_t n, const ForecastOptions &options,
                              ForecastPoint *out, StopToken &stop);

struct ForecastRow {
    double ts;            // UTC seconds
    long source;          // index of the input row, or -h for the h-th future step
    ForecastPoint point;  // score is NaN
};

// One fit over all rows: the fitted components of every input row (ordered
// by time) followed by `horizon` future rows spaced by the median gap between
// consecutive timestamps. Intervals come from the one-step-ahead errors of the
// causal pass. Throws DataError when fewer than min_history values can be
// fitted, or when horizon > 0 and there is no positive gap.
std::vector<ForecastRow> seasonal_forecast_series(const double *ts, const double *values, std::size_t n, int horizon,
                                                  const ForecastOptions &options, StopToken &stop);

}  // namespace anomaly
