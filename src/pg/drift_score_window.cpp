// anomaly.drift_score(value, expected, period, k, h) OVER (...) -> float8
// anomaly.drift_score_detail(same arguments) OVER (...) -> anomaly.drift_point
// anomaly.drift_score(ts, value, options jsonb) OVER (...) -> float8 (0.4.0)
// anomaly.drift_score_detail(ts, value, options jsonb) OVER (...) -> anomaly.drift_point
//
// The first call in a partition reads the whole partition (in the window's
// ORDER BY order; the ts forms order the rows by ts themselves) and the
// parameters (of the first row: they are meant to be constant), runs the
// core's CUSUM over it and keeps every row's point in partition-local
// memory. The frame clause is ignored.
#include "core/drift.hpp"
#include "core/drift_series.hpp"
#include "core/errors.hpp"
#include "pg/ensemble_options.hpp"
#include "pg/guard.hpp"
#include "pg/window_series.hpp"

#include "pg/pg_includes.hpp"

#include <cmath>
#include <string>

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

namespace {

constexpr const char *kScore = "anomaly.drift_score";
constexpr const char *kDetail = "anomaly.drift_score_detail";

struct PartitionDrift {
    bool computed;
    int64 n;
    anomaly::DriftPoint *points;
    TupleDesc tupdesc;  // detail form only
};

Datum constant_arg(WindowObject winobj, int argno, const char *function, const char *name) {
    bool isnull;
    const Datum d = WinGetFuncArgCurrent(winobj, argno, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: %s must not be NULL", function, name)));
    return d;
}

void compute_partition(WindowObject winobj, PartitionDrift *part, const char *function) {
    anomaly::DriftParams params;
    params.period = DatumGetInt32(constant_arg(winobj, 2, function, "period"));
    params.k = DatumGetFloat8(constant_arg(winobj, 3, function, "k"));
    params.h = DatumGetFloat8(constant_arg(winobj, 4, function, "h"));
    anomaly_pg::run_core(function, [&](anomaly::StopToken &) { anomaly::validate(params); });

    const int64 n = WinGetPartitionRowCount(winobj);
    const Size bytes = sizeof(double) * static_cast<Size>(n) + 1;
    double *values = static_cast<double *>(palloc_extended(bytes, MCXT_ALLOC_HUGE));
    double *expected = static_cast<double *>(palloc_extended(bytes, MCXT_ALLOC_HUGE));
    for (int64 i = 0; i < n; ++i) {
        if ((i & 4095) == 0) CHECK_FOR_INTERRUPTS();
        bool isnull, isout;
        Datum d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        values[i] = isnull ? NAN : DatumGetFloat8(d);
        d = WinGetFuncArgInPartition(winobj, 1, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        expected[i] = isnull ? NAN : DatumGetFloat8(d);
    }
    auto *points = static_cast<anomaly::DriftPoint *>(MemoryContextAllocHuge(
        GetMemoryChunkContext(part), sizeof(anomaly::DriftPoint) * static_cast<Size>(n) + 1));
    anomaly_pg::run_core(function, [&](anomaly::StopToken &stop) {
        anomaly::drift_score(values, expected, static_cast<std::size_t>(n), params, points, stop);
    });
    pfree(values);
    pfree(expected);
    part->n = n;
    part->points = points;
    part->computed = true;
}

// Phase 2 of the ts forms' options (no PostgreSQL call): may throw.
void build_drift_series_options(const anomaly_pg::RawForecastOptions &raw, anomaly::DriftSeriesOptions &out) {
    auto number = [](const anomaly_pg::RawOption &o, const std::string &key) {
        if (o.kind != anomaly_pg::OptionKind::number) throw anomaly::InvalidParameter("option " + key + " must be a number");
        return o.number;
    };
    auto integer = [&](const anomaly_pg::RawOption &o, const std::string &key) {
        const double x = number(o, key);
        if (x != std::floor(x) || std::fabs(x) > 2e9) throw anomaly::InvalidParameter("option " + key + " must be an integer");
        return static_cast<int>(x);
    };
    anomaly::ForecastOptions events;
    anomaly_pg::RawForecastOptions only_events = raw;
    only_events.n_options = 0;
    for (int i = 0; i < raw.n_options; ++i) {
        const anomaly_pg::RawOption &o = raw.options[i];
        const std::string key = o.key;
        if (key == "period") {
            out.params.period = integer(o, key);
            out.period_given = true;
        } else if (key == "k") out.params.k = number(o, key);
        else if (key == "h") out.params.h = number(o, key);
        else if (key == "hold") out.params.hold = integer(o, key);
        else if (key == "step") out.step = anomaly_pg::step_option_seconds(o);
        else if (key == "events") only_events.options = &raw.options[i], only_events.n_options = 1;
        else throw anomaly::InvalidParameter("unknown option \"" + key + "\" (known: period, k, h, hold, step, events)");
    }
    anomaly_pg::build_forecast_options(only_events, events);
    out.events = events.events;
    anomaly::validate(out.params);
}

void compute_series_partition(WindowObject winobj, PartitionDrift *part, const char *function) {
    const anomaly_pg::RawForecastOptions raw =
        anomaly_pg::read_forecast_options(anomaly_pg::window_options_arg(winobj, 2, function), function);
    const int64 n = WinGetPartitionRowCount(winobj);
    double *ts = nullptr, *values = nullptr;
    anomaly_pg::read_window_series(winobj, function, n, &ts, &values);
    auto *points = static_cast<anomaly::DriftPoint *>(MemoryContextAllocHuge(
        GetMemoryChunkContext(part), sizeof(anomaly::DriftPoint) * static_cast<Size>(n) + 1));
    anomaly_pg::run_core(function, [&](anomaly::StopToken &stop) {
        anomaly::DriftSeriesOptions options;
        build_drift_series_options(raw, options);
        anomaly::drift_score_series(ts, values, static_cast<std::size_t>(n), options, points, stop);
    });
    pfree(ts);
    pfree(values);
    part->n = n;
    part->points = points;
    part->computed = true;
}

PartitionDrift *partition(FunctionCallInfo fcinfo, const char *function, bool series_form = false) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionDrift *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionDrift)));
    if (!part->computed) {
        if (series_form) compute_series_partition(winobj, part, function);
        else compute_partition(winobj, part, function);
    }
    return part;
}

Datum score_datum(FunctionCallInfo fcinfo, const PartitionDrift *part) {
    const double score = part->points[WinGetCurrentPosition(PG_WINDOW_OBJECT())].score;
    if (std::isnan(score)) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(score);
}

Datum detail_datum(FunctionCallInfo fcinfo, PartitionDrift *part) {
    if (part->tupdesc == nullptr) {
        TupleDesc tupdesc;
        if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s: return type must be a row type", kDetail)));
        MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(part));
        part->tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
        MemoryContextSwitchTo(old);
    }
    const anomaly::DriftPoint &p = part->points[WinGetCurrentPosition(PG_WINDOW_OBJECT())];
    // (score, is_drift, direction, run_length, expected, lower, upper)
    Datum values[7];
    bool nulls[7] = {false, false, false, false, false, false, false};
    const bool scored = !std::isnan(p.score);
    nulls[0] = !scored;
    values[0] = Float8GetDatum(scored ? p.score : 0.0);
    nulls[1] = !scored;
    values[1] = BoolGetDatum(p.alert);
    nulls[2] = p.direction == 0;
    values[2] = nulls[2] ? 0 : CStringGetTextDatum(p.direction > 0 ? "up" : "down");
    nulls[3] = !scored;
    values[3] = Int32GetDatum(p.run_length);
    nulls[4] = std::isnan(p.expected);
    values[4] = Float8GetDatum(nulls[4] ? 0.0 : p.expected);
    nulls[5] = std::isnan(p.lower);
    values[5] = Float8GetDatum(nulls[5] ? 0.0 : p.lower);
    nulls[6] = std::isnan(p.upper);
    values[6] = Float8GetDatum(nulls[6] ? 0.0 : p.upper);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(part->tupdesc, values, nulls)));
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_drift_score_window);
PG_FUNCTION_INFO_V1(anomaly_drift_score_detail_window);
PG_FUNCTION_INFO_V1(anomaly_drift_score_series_window);
PG_FUNCTION_INFO_V1(anomaly_drift_score_series_detail_window);

Datum anomaly_drift_score_window(PG_FUNCTION_ARGS) { return score_datum(fcinfo, partition(fcinfo, kScore)); }

Datum anomaly_drift_score_detail_window(PG_FUNCTION_ARGS) { return detail_datum(fcinfo, partition(fcinfo, kDetail)); }

Datum anomaly_drift_score_series_window(PG_FUNCTION_ARGS) {
    return score_datum(fcinfo, partition(fcinfo, kScore, true));
}

Datum anomaly_drift_score_series_detail_window(PG_FUNCTION_ARGS) {
    return detail_datum(fcinfo, partition(fcinfo, kDetail, true));
}

}  // extern "C"
