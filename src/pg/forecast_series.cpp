// anomaly.forecast(timestamps timestamptz[], values float8[], horizon int, options jsonb)
//   RETURNS TABLE(ts, yhat, yhat_lower, yhat_upper, trend, weekly, yearly, events)
//
// One fit over the whole series: its fitted components for every input row (by
// time) and `horizon` future rows, for charts. Set-returning (materialized).
#include "core/seasonal_forecast.hpp"
#include "pg/guard.hpp"

#include <algorithm>
#include <vector>

#include "pg/float8_arrays.hpp"
#include "pg/forecast_options.hpp"
#include "pg/pg_includes.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

namespace {

constexpr const char *kFunction = "anomaly.forecast";
constexpr int kMaxHorizon = 100000;

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_forecast_series);

Datum anomaly_forecast_series(PG_FUNCTION_ARGS) {
    ArrayType *ts_array = PG_GETARG_ARRAYTYPE_P(0);
    anomaly_pg::Float8Vector values = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(1), kFunction, "values");
    const int32 horizon = PG_GETARG_INT32(2);
    anomaly_pg::RawForecastOptions raw = anomaly_pg::read_forecast_options(PG_GETARG_JSONB_P(3), kFunction);
    if (horizon < 0 || horizon > kMaxHorizon)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: horizon must be between 0 and %d, not %d", kFunction, kMaxHorizon, horizon)));
    if (ARR_NDIM(ts_array) > 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("%s: timestamps must be one-dimensional", kFunction)));
    Datum *ts_datums;
    bool *ts_nulls;
    int n;
    deconstruct_array(ts_array, TIMESTAMPTZOID, sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ts_datums,
                      &ts_nulls, &n);
    if (n != values.n)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                        errmsg("%s: timestamps and values must have the same length (%d and %d)", kFunction, n, values.n)));
    TimestampTz *ts_us = static_cast<TimestampTz *>(palloc_extended(sizeof(TimestampTz) * static_cast<Size>(n) + 1, MCXT_ALLOC_HUGE));
    double *ts = static_cast<double *>(palloc_extended(sizeof(double) * static_cast<Size>(n) + 1, MCXT_ALLOC_HUGE));
    for (int i = 0; i < n; ++i) {
        if (ts_nulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("%s: timestamps must not contain NULL (element %d)", kFunction, i + 1)));
        ts_us[i] = DatumGetTimestampTz(ts_datums[i]);
        if (TIMESTAMP_NOT_FINITE(ts_us[i]))
            ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                            errmsg("%s: timestamps must be finite, not %s", kFunction, timestamptz_to_str(ts_us[i]))));
        ts[i] = anomaly_pg::timestamptz_to_unix_seconds(ts_us[i]);
    }
    const int capacity = n + horizon;
    auto *rows = static_cast<anomaly::ForecastRow *>(
        palloc_extended(sizeof(anomaly::ForecastRow) * static_cast<Size>(capacity) + 1, MCXT_ALLOC_HUGE));
    int n_rows = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        anomaly::ForecastOptions options;
        anomaly_pg::build_forecast_options(raw, options);
        std::vector<anomaly::ForecastRow> out =
            anomaly::seasonal_forecast_series(ts, values.values, static_cast<std::size_t>(n), horizon, options, stop);
        n_rows = static_cast<int>(std::min<std::size_t>(out.size(), static_cast<std::size_t>(capacity)));
        std::copy(out.begin(), out.begin() + n_rows, rows);
    });

    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    // Future rows: the last timestamp plus h steps, in whole microseconds.
    TimestampTz last_us = 0;
    int64 step_us = 0;
    for (int r = 0; r < n_rows; ++r) {
        if (rows[r].source >= 0) last_us = ts_us[rows[r].source];
        else if (rows[r].source == -1) step_us = static_cast<int64>(std::llround((rows[r].ts - ts[rows[r - 1].source]) * 1e6));
    }
    for (int r = 0; r < n_rows; ++r) {
        if ((r & 4095) == 0) CHECK_FOR_INTERRUPTS();
        const anomaly::ForecastRow &row = rows[r];
        const anomaly::ForecastPoint &p = row.point;
        const double fields[] = {p.yhat, p.yhat_lower, p.yhat_upper, p.trend, p.weekly, p.yearly, p.events};
        Datum out[8];
        bool nulls[8];
        out[0] = TimestampTzGetDatum(row.source >= 0 ? ts_us[row.source] : last_us + (-row.source) * step_us);
        nulls[0] = false;
        for (int i = 0; i < 7; ++i) {
            nulls[i + 1] = std::isnan(fields[i]);
            out[i + 1] = Float8GetDatum(nulls[i + 1] ? 0.0 : fields[i]);
        }
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, nulls);
    }
    return static_cast<Datum>(0);
}

}  // extern "C"
