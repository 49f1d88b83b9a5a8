// The rule method evaluators anomaly.rule_<method>(times timestamptz[],
// vals float8[], params jsonb) RETURNS TABLE(ts, value, expected, lower,
// upper, score, is_anomaly) over src/core/rule_evaluators.hpp.
// Phase 1 reads the parameters and the points in the order the SQL versions
// did (so the same error comes first), phase 2 computes in the core, phase 3
// returns the rows as a materialized set.
#include "core/rule_evaluators.hpp"
#include "pg/guard.hpp"

#include <algorithm>

#include "pg/rule_params.hpp"
#include "pg/pg_includes.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

namespace anomaly_pg {

namespace {

struct Call {
    const char *function;  // anomaly.rule_<method>
    const char *method;
    RulePoints points;
    int first;
};

Call begin_call(const char *function, const char *method) { return Call{function, method, {nullptr, nullptr, nullptr, 0}, 0}; }

void read_points(FunctionCallInfo fcinfo, Call &c, TimestampTz since) {
    c.points = read_rule_points(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), c.method);
    c.first = first_from(c.points, since);
}

void check_min_history(const Call &c, int min_history, int lookback) {
    if (min_history > lookback)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method %s: min_history (%d) exceeds lookback (%d)", c.method, min_history, lookback)));
}

Datum float8_or_null(double x, bool &isnull) {
    isnull = std::isnan(x);
    return isnull ? Datum(0) : Float8GetDatum(x);
}

// Phases 2 and 3: runs compute(series, rows, stop) in the core and returns
// the rows.
template <typename Compute>
Datum evaluate(FunctionCallInfo fcinfo, const Call &c, Compute &&compute) {
    const int rows = c.points.n - c.first;
    auto column = [rows]() {
        return static_cast<double *>(palloc_extended(sizeof(double) * static_cast<Size>(rows) + 1, MCXT_ALLOC_HUGE));
    };
    anomaly::RuleRows out{column(), column(), column(), column(), column(),
                          static_cast<std::int8_t *>(palloc_extended(static_cast<Size>(rows) + 1, MCXT_ALLOC_HUGE))};
    anomaly::RuleSeries series{c.points.times, c.points.values, static_cast<std::size_t>(c.points.n),
                               static_cast<std::size_t>(c.first)};
    run_core(c.function, [&](anomaly::StopToken &stop) { compute(series, out, stop); });

    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    Datum values[7];
    bool nulls[7];
    for (int r = 0; r < rows; ++r) {
        const int i = c.first + r;
        values[0] = TimestampTzGetDatum(c.points.times[i]);
        nulls[0] = false;
        // The value column is NULL wherever the input value was.
        if (c.points.value_null[i]) {
            values[1] = Datum(0);
            nulls[1] = true;
        } else {
            nulls[1] = false;
            values[1] = Float8GetDatum(out.value[r]);
        }
        values[2] = float8_or_null(out.expected[r], nulls[2]);
        values[3] = float8_or_null(out.lower[r], nulls[3]);
        values[4] = float8_or_null(out.upper[r], nulls[4]);
        values[5] = float8_or_null(out.score[r], nulls[5]);
        nulls[6] = out.is_anomaly[r] == anomaly::kNullBool;
        values[6] = BoolGetDatum(out.is_anomaly[r] == 1);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return Datum(0);
}

int integer_param(Jsonb *params, const char *method, const char *key, int fallback, int min_value) {
    return static_cast<int>(rule_param(params, method, key, fallback, false, min_value, 10000, true));
}

// Interval span in microseconds as interval comparison sees it (a month = 30 days).
__int128 interval_span(const Interval *i) {
    return static_cast<__int128>(i->time) +
           (static_cast<__int128>(i->month) * 30 + i->day) * static_cast<__int128>(USECS_PER_DAY);
}

// extract(epoch FROM i) in microseconds (a year = 365.25 days, a month = 30 days).
int64 interval_epoch_us(const Interval *i) {
    const int64 secs = (INT64CONST(1461) * (i->month / MONTHS_PER_YEAR) + INT64CONST(120) * (i->month % MONTHS_PER_YEAR) +
                        INT64CONST(4) * i->day) *
                       (SECS_PER_DAY / 4);
    return secs * USECS_PER_SEC + i->time;
}

}  // namespace

}  // namespace anomaly_pg

using anomaly_pg::Call;

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_rule_min);
PG_FUNCTION_INFO_V1(anomaly_rule_max);
PG_FUNCTION_INFO_V1(anomaly_rule_zero_day);
PG_FUNCTION_INFO_V1(anomaly_rule_missing_data);
PG_FUNCTION_INFO_V1(anomaly_rule_mad_zscore);
PG_FUNCTION_INFO_V1(anomaly_rule_zscore);
PG_FUNCTION_INFO_V1(anomaly_rule_pct_deviation);
PG_FUNCTION_INFO_V1(anomaly_rule_rolling_mean_shift);
PG_FUNCTION_INFO_V1(anomaly_rule_consecutive_direction);
PG_FUNCTION_INFO_V1(anomaly_rule_same_period_last_week);

static Datum threshold_rule(FunctionCallInfo fcinfo, const char *function, const char *method, bool is_min) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call(function, method);
    anomaly::ThresholdParams p;
    p.threshold = anomaly_pg::rule_param(params, method, "threshold", 0, true, -INFINITY, INFINITY);
    anomaly_pg::read_points(fcinfo, c, anomaly_pg::rule_from(params));
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &) {
        if (is_min) anomaly::evaluate_min(s, p, out);
        else anomaly::evaluate_max(s, p, out);
    });
}

Datum anomaly_rule_min(PG_FUNCTION_ARGS) { return threshold_rule(fcinfo, "anomaly.rule_min", "min", true); }

Datum anomaly_rule_max(PG_FUNCTION_ARGS) { return threshold_rule(fcinfo, "anomaly.rule_max", "max", false); }

Datum anomaly_rule_zero_day(PG_FUNCTION_ARGS) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call("anomaly.rule_zero_day", "zero_day");
    anomaly::ZeroDayParams p;
    p.lookback = anomaly_pg::integer_param(params, c.method, "lookback", 7, 1);
    anomaly_pg::read_points(fcinfo, c, anomaly_pg::rule_from(params));
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &stop) {
        anomaly::evaluate_zero_day(s, p, out, stop);
    });
}

Datum anomaly_rule_missing_data(PG_FUNCTION_ARGS) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call("anomaly.rule_missing_data", "missing_data");
    const double gap = anomaly_pg::rule_param(params, c.method, "max_gap_periods", 2, false, 1, 1e6);
    char *freq_text = anomaly_pg::rule_param_text(params, "frequency");
    Interval *freq = freq_text == nullptr ? nullptr
                                          : DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(freq_text),
                                                                                  ObjectIdGetDatum(InvalidOid),
                                                                                  Int32GetDatum(-1)));
    char *as_of_text = anomaly_pg::rule_param_text(params, "as_of");
    TimestampTz as_of = 0;
    if (as_of_text != nullptr)
        as_of = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(as_of_text),
                                                        ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
    const TimestampTz since = anomaly_pg::rule_from(params);
    if (freq == nullptr || anomaly_pg::interval_span(freq) <= 0 || as_of_text == nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method missing_data: params need \"frequency\" (a positive interval) and \"as_of\" (a timestamptz)"),
                        errhint("run_checks supplies both; give them when calling the function directly.")));
    anomaly_pg::read_points(fcinfo, c, since);
    anomaly::MissingDataParams p;
    p.frequency_us = anomaly_pg::interval_epoch_us(freq);
    p.as_of = as_of;
    if (c.first < c.points.n) {
        // The SQL computed these per row: the same errors where they apply.
        Interval *max_gap = DatumGetIntervalP(DirectFunctionCall2(interval_mul, IntervalPGetDatum(freq), Float8GetDatum(gap)));
        p.max_gap_span = anomaly_pg::interval_span(max_gap);
        // next - ts of some row is infinite (the last row's next is greatest(as_of, ts)).
        const TimestampTz last = c.points.times[c.points.n - 1];
        if (TIMESTAMP_NOT_FINITE(c.points.times[c.first]) || TIMESTAMP_NOT_FINITE(last) ||
            TIMESTAMP_NOT_FINITE(std::max(as_of, last)))
            ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("cannot subtract infinite timestamps")));
    }
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &) {
        anomaly::evaluate_missing_data(s, p, out);
    });
}

// mad_zscore, zscore, pct_deviation: threshold, lookback, min_history.
static Datum window_rule(FunctionCallInfo fcinfo, const char *function, const char *method, const char *threshold_key,
                         double threshold, double threshold_max, int lookback, int min_window,
                         void (*core)(const anomaly::RuleSeries &, const anomaly::WindowParams &, anomaly::RuleRows &,
                                      anomaly::StopToken &)) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call(function, method);
    anomaly::WindowParams p;
    p.threshold = anomaly_pg::rule_param(params, method, threshold_key, threshold, false, 0, threshold_max);
    p.lookback = anomaly_pg::integer_param(params, method, "lookback", lookback, min_window);
    p.min_history = anomaly_pg::integer_param(params, method, "min_history", 7, min_window);
    anomaly_pg::read_points(fcinfo, c, anomaly_pg::rule_from(params));
    anomaly_pg::check_min_history(c, p.min_history, p.lookback);
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &stop) {
        core(s, p, out, stop);
    });
}

Datum anomaly_rule_mad_zscore(PG_FUNCTION_ARGS) {
    return window_rule(fcinfo, "anomaly.rule_mad_zscore", "mad_zscore", "threshold", 3.5, 1e6, 28, 2,
                       anomaly::evaluate_mad_zscore);
}

Datum anomaly_rule_zscore(PG_FUNCTION_ARGS) {
    return window_rule(fcinfo, "anomaly.rule_zscore", "zscore", "threshold", 3, 1e6, 28, 2, anomaly::evaluate_zscore);
}

Datum anomaly_rule_pct_deviation(PG_FUNCTION_ARGS) {
    return window_rule(fcinfo, "anomaly.rule_pct_deviation", "pct_deviation", "threshold_pct", 20, 1e9, 7, 1,
                       anomaly::evaluate_pct_deviation);
}

Datum anomaly_rule_same_period_last_week(PG_FUNCTION_ARGS) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call("anomaly.rule_same_period_last_week", "same_period_last_week");
    anomaly::SamePeriodParams p;
    p.threshold_pct = anomaly_pg::rule_param(params, c.method, "threshold_pct", 20, false, 0, 1e9);
    p.weeks = static_cast<int>(anomaly_pg::rule_param(params, c.method, "weeks", 4, false, 1, 520, true));
    p.min_weeks = static_cast<int>(anomaly_pg::rule_param(params, c.method, "min_weeks", 2, false, 1, 520, true));
    anomaly_pg::read_points(fcinfo, c, anomaly_pg::rule_from(params));
    if (p.min_weeks > p.weeks)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method same_period_last_week: min_weeks (%d) exceeds weeks (%d)", p.min_weeks, p.weeks)));
    // ts - k * '7 days' in the session's time zone (same weekday and local time).
    const int rows = c.points.n - c.first;
    int64 *week_ago = static_cast<int64 *>(
        palloc_extended(sizeof(int64) * static_cast<Size>(rows) * static_cast<Size>(p.weeks) + 1, MCXT_ALLOC_HUGE));
    Interval span{0, 0, 0};
    for (int r = 0; r < rows; ++r) {
        const int i = c.first + r;
        if (c.points.value_null[i] || !std::isfinite(c.points.values[i])) continue;
        for (int k = 1; k <= p.weeks; ++k) {
            span.day = 7 * k;
            week_ago[static_cast<Size>(r) * static_cast<Size>(p.weeks) + static_cast<Size>(k - 1)] = DatumGetTimestampTz(
                DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(c.points.times[i]), IntervalPGetDatum(&span)));
        }
    }
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &stop) {
        anomaly::evaluate_same_period_last_week(s, p, week_ago, out, stop);
    });
}

Datum anomaly_rule_consecutive_direction(PG_FUNCTION_ARGS) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call("anomaly.rule_consecutive_direction", "consecutive_direction");
    anomaly::ConsecutiveParams p;
    p.n = anomaly_pg::integer_param(params, c.method, "n", 5, 2);
    // Default: against the runtime good_direction, both without one.
    const char *moving = anomaly_pg::rule_param_text(params, "moving");
    if (moving == nullptr) {
        const char *good = anomaly_pg::rule_param_text(params, "good_direction");
        moving = good == nullptr ? "both" : strcmp(good, "up") == 0 ? "down" : strcmp(good, "down") == 0 ? "up" : "both";
    }
    const TimestampTz since = anomaly_pg::rule_from(params);
    p.watch_down = strcmp(moving, "down") == 0 || strcmp(moving, "both") == 0;
    p.watch_up = strcmp(moving, "up") == 0 || strcmp(moving, "both") == 0;
    if (!p.watch_down && !p.watch_up)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method consecutive_direction: parameter \"moving\" must be up, down or both, not %s", moving)));
    anomaly_pg::read_points(fcinfo, c, since);
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &stop) {
        anomaly::evaluate_consecutive_direction(s, p, out, stop);
    });
}

Datum anomaly_rule_rolling_mean_shift(PG_FUNCTION_ARGS) {
    Jsonb *params = PG_GETARG_JSONB_P(2);
    Call c = anomaly_pg::begin_call("anomaly.rule_rolling_mean_shift", "rolling_mean_shift");
    anomaly::MeanShiftParams p;
    p.short_window = anomaly_pg::integer_param(params, c.method, "short", 7, 1);
    p.long_window = anomaly_pg::integer_param(params, c.method, "long", 28, 1);
    p.threshold_pct = anomaly_pg::rule_param(params, c.method, "threshold_pct", 10, false, 0, 1e9);
    anomaly_pg::read_points(fcinfo, c, anomaly_pg::rule_from(params));
    return anomaly_pg::evaluate(fcinfo, c, [&](const anomaly::RuleSeries &s, anomaly::RuleRows &out, anomaly::StopToken &stop) {
        anomaly::evaluate_rolling_mean_shift(s, p, out, stop);
    });
}

}  // extern "C"
