// anomaly.seasonal_forecast(ts timestamptz, value float8, options jsonb) OVER (...)
//   -> anomaly.forecast_point
//
// The first call in a partition reads the whole partition and the options (of
// the first row: they are meant to be constant), forecasts every row with the
// core (causal: each row from the rows with earlier timestamps) and keeps the
// points in partition-local memory; every call then returns its row's point.
// The frame clause is ignored; rows are ordered by ts, not by the window's
// ORDER BY.
#include "core/seasonal_forecast.hpp"
#include "pg/guard.hpp"

#include "pg/forecast_options.hpp"
#include "pg/pg_includes.hpp"
#include "pg/window_series.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

namespace {

constexpr const char *kFunction = "anomaly.seasonal_forecast";

struct PartitionForecast {
    bool computed;
    int64 n;
    anomaly::ForecastPoint *points;
    TupleDesc tupdesc;
};

void forecast_partition(FunctionCallInfo fcinfo, WindowObject winobj, PartitionForecast *part) {
    MemoryContext partition_context = GetMemoryChunkContext(part);
    anomaly_pg::RawForecastOptions raw =
        anomaly_pg::read_forecast_options(anomaly_pg::window_options_arg(winobj, 2, kFunction), kFunction);

    const int64 n = WinGetPartitionRowCount(winobj);
    double *ts, *values;
    anomaly_pg::read_window_series(winobj, kFunction, n, &ts, &values);
    auto *points = static_cast<anomaly::ForecastPoint *>(MemoryContextAllocHuge(
        partition_context, sizeof(anomaly::ForecastPoint) * static_cast<Size>(n) + 1));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        anomaly::ForecastOptions options;
        anomaly_pg::build_forecast_options(raw, options);
        anomaly::seasonal_forecast_causal(ts, values, static_cast<std::size_t>(n), options, points, stop);
    });
    pfree(ts);
    pfree(values);

    TupleDesc tupdesc;
    if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s: return type must be a row type", kFunction)));
    MemoryContext old = MemoryContextSwitchTo(partition_context);
    part->tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
    MemoryContextSwitchTo(old);
    part->n = n;
    part->points = points;
    part->computed = true;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_seasonal_forecast_window);

Datum anomaly_seasonal_forecast_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionForecast *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionForecast)));
    if (!part->computed) forecast_partition(fcinfo, winobj, part);
    const anomaly::ForecastPoint &p = part->points[WinGetCurrentPosition(winobj)];
    if (std::isnan(p.yhat)) PG_RETURN_NULL();
    const double fields[] = {p.yhat, p.yhat_lower, p.yhat_upper, p.trend, p.weekly, p.yearly, p.events, p.score};
    Datum values[8];
    bool nulls[8];
    for (int i = 0; i < 8; ++i) {
        nulls[i] = std::isnan(fields[i]);
        values[i] = Float8GetDatum(nulls[i] ? 0.0 : fields[i]);
    }
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(part->tupdesc, values, nulls)));
}

}  // extern "C"
