// The rule method evaluators of the monitoring layer (anomaly.rule_<method>),
// as pure functions over one series: times (microseconds, strictly
// increasing), values (NaN stands for NULL as well as NaN: neither is ever
// scored or history) and a plain parameter struct. The adapter
// (src/pg/rule_evaluators.cpp) reads and validates the jsonb parameters,
// checks the points and turns NaN results into SQL NULLs.
//
// Every evaluator writes one row per point i in [first, n) (the points with
// ts >= the runtime "from"), causal: row i uses points 0..i only
// (missing_data also the next point's time, or as_of). Numbers are computed
// the way the PostgreSQL expressions of the rules compute them (sums in time
// order then one division for avg, Youngs-Cramer for stddev_samp, the
// percentile_cont interpolation for medians, numeric division for
// missing_data's score), so the results are the same to the last bit.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>

namespace anomaly {

struct RuleSeries {
    const std::int64_t *times;  // strictly increasing
    const double *values;       // NaN = NULL or NaN
    std::size_t n;
    std::size_t first;          // first point to return (≤ n)
};

// Columns of the rows, each of n - first elements. NaN = NULL; is_anomaly is
// 1, 0 or -1 (NULL). `value` is the row's value column (rolling_mean_shift's
// short mean where it scores, the input value elsewhere).
struct RuleRows {
    double *value;
    double *expected;
    double *lower;
    double *upper;
    double *score;
    std::int8_t *is_anomaly;
};

constexpr std::int8_t kNullBool = -1;

struct ThresholdParams {
    double threshold = 0.0;
};

struct ZeroDayParams {
    int lookback = 7;
};

struct MissingDataParams {
    // A gap (next time − time, in microseconds) is anomalous when it is
    // greater than max_gap: the span of the interval frequency * max_gap_periods.
    std::int64_t frequency_us = 0;  // the epoch of the frequency, in microseconds (> 0)
    __int128 max_gap_span = 0;
    std::int64_t as_of = 0;
};

struct WindowParams {
    double threshold = 3.5;  // threshold, or threshold_pct for pct_deviation
    int lookback = 28;
    int min_history = 7;
};

struct SamePeriodParams {
    double threshold_pct = 20.0;
    int weeks = 4;
    int min_weeks = 2;
};

struct ConsecutiveParams {
    int n = 5;
    bool watch_down = true;  // "moving": down or both
    bool watch_up = true;    // "moving": up or both
};

struct MeanShiftParams {
    int short_window = 7;
    int long_window = 28;
    double threshold_pct = 10.0;
};

// min: anomaly when value < threshold; max: when value > threshold.
void evaluate_min(const RuleSeries &s, const ThresholdParams &p, RuleRows &out);
void evaluate_max(const RuleSeries &s, const ThresholdParams &p, RuleRows &out);
// zero_day: value = 0 while the mean of the up to `lookback` finite values
// before it is > 0.
void evaluate_zero_day(const RuleSeries &s, const ZeroDayParams &p, RuleRows &out, StopToken &stop);
// missing_data: the gap to the next point (to max(as_of, ts) for the last).
void evaluate_missing_data(const RuleSeries &s, const MissingDataParams &p, RuleRows &out);
// mad_zscore: the modified z-score against the last `lookback` finite values.
void evaluate_mad_zscore(const RuleSeries &s, const WindowParams &p, RuleRows &out, StopToken &stop);
// zscore: (value − mean) / stddev_samp of the last `lookback` finite values.
void evaluate_zscore(const RuleSeries &s, const WindowParams &p, RuleRows &out, StopToken &stop);
// pct_deviation: pct_change(value, mean of the last `lookback` finite values).
void evaluate_pct_deviation(const RuleSeries &s, const WindowParams &p, RuleRows &out, StopToken &stop);
// same_period_last_week: pct_change(value, mean of the finite values at
// exactly the times week_ago[(i − first)·weeks + k − 1], k = 1..weeks, the
// point's time minus k·7 days in the session's time zone, which the adapter
// computes). The mean adds them for k = 1, 2, … in turn, the order of the
// plan PostgreSQL 15 chose for the SQL version.
void evaluate_same_period_last_week(const RuleSeries &s, const SamePeriodParams &p, const std::int64_t *week_ago,
                                    RuleRows &out, StopToken &stop);
// consecutive_direction: the signed length of the current run of strictly
// falling (−) or rising (+) finite values (0 for a run of equal values).
void evaluate_consecutive_direction(const RuleSeries &s, const ConsecutiveParams &p, RuleRows &out, StopToken &stop);
// rolling_mean_shift: pct_change(mean of the last `short` finite values,
// mean of the `long` finite values before those).
void evaluate_rolling_mean_shift(const RuleSeries &s, const MeanShiftParams &p, RuleRows &out, StopToken &stop);

// 100·(value − expected)/|expected|; 0 when both are 0, ±∞ when only
// expected is 0 (anomaly.pct_change).
double pct_change(double value, double expected);

// PostgreSQL's float8 avg / stddev_samp transition (float8_accum), fed in order.
struct Float8Accum {
    double n = 0.0, sx = 0.0, sxx = 0.0;
    void add(double x);
    double mean() const;          // NaN when empty
    double stddev_samp() const;   // NaN when n ≤ 1
};

// percentile_cont(0.5) of v[0..n-1] as PostgreSQL computes it (sorts v).
double percentile_cont_median(double *v, std::size_t n);

// extract(epoch FROM a)/extract(epoch FROM b) as numeric division, cast to
// float8, for a ≥ 0 and b > 0 microseconds (numeric scale 6 each): the
// quotient rounded half away from zero at PostgreSQL's division scale, then to
// the nearest double.
double numeric_epoch_ratio(std::int64_t a_us, std::int64_t b_us);

}  // namespace anomaly
