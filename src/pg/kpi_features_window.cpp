// anomaly.kpi_features(ts timestamptz, value float8, time_zone text) OVER (...)
//   -> float8[] (anomaly.kpi_feature_names() names the elements)
//
// The first call in a partition reads the whole partition (in the window's
// ORDER BY order) and the time zone (of the first row: it is meant to be
// constant), converts each ts to wall-clock time in that zone exactly as
// `ts AT TIME ZONE time_zone` does, computes every row's features with the
// core and keeps them in partition-local memory. The frame clause is ignored.
#include "core/kpi_features.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/pg_includes.hpp"

extern "C" {
#include "utils/fmgrprotos.h"
}

namespace {

constexpr const char *kFunction = "anomaly.kpi_features";
// Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's timestamp epoch.
constexpr int64 kPostgresEpochSeconds = 946684800;

struct PartitionFeatures {
    bool computed;
    int64 n;
    double *features;  // n * kKpiFeatureCount, NaN = NULL element
};

// Wall-clock seconds of t in the zone (floor to the second).
int64 local_seconds(TimestampTz t, Datum zone) {
    const Timestamp local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, zone, TimestampTzGetDatum(t)));
    int64 seconds = local / USECS_PER_SEC;
    if (local % USECS_PER_SEC < 0) --seconds;
    return seconds + kPostgresEpochSeconds;
}

void compute_partition(WindowObject winobj, PartitionFeatures *part) {
    bool isnull, isout;
    const Datum zone = WinGetFuncArgCurrent(winobj, 2, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: time_zone must not be NULL", kFunction),
                        errhint("Pass 'UTC' or a zone name such as 'Europe/Berlin'.")));
    const int64 n = WinGetPartitionRowCount(winobj);
    const Size bytes = sizeof(double) * static_cast<Size>(n) + 1;
    double *values = static_cast<double *>(palloc_extended(bytes, MCXT_ALLOC_HUGE));
    auto *seconds = static_cast<std::int64_t *>(palloc_extended(sizeof(std::int64_t) * static_cast<Size>(n) + 1,
                                                                MCXT_ALLOC_HUGE));
    for (int64 i = 0; i < n; ++i) {
        if ((i & 4095) == 0) CHECK_FOR_INTERRUPTS();
        Datum d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        if (isnull)
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: ts must not be NULL", kFunction)));
        const TimestampTz t = DatumGetTimestampTz(d);
        if (TIMESTAMP_NOT_FINITE(t))
            ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                            errmsg("%s: ts must be finite, not %s", kFunction, timestamptz_to_str(t))));
        seconds[i] = local_seconds(t, zone);
        d = WinGetFuncArgInPartition(winobj, 1, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        values[i] = isnull ? NAN : DatumGetFloat8(d);
    }
    auto *features = static_cast<double *>(MemoryContextAllocHuge(
        GetMemoryChunkContext(part), sizeof(double) * anomaly::kKpiFeatureCount * static_cast<Size>(n) + 1));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        anomaly::kpi_features(values, seconds, static_cast<std::size_t>(n), features, stop);
    });
    pfree(values);
    pfree(seconds);
    part->n = n;
    part->features = features;
    part->computed = true;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_kpi_features_window);
PG_FUNCTION_INFO_V1(anomaly_kpi_feature_names);

Datum anomaly_kpi_features_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionFeatures *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionFeatures)));
    if (!part->computed) compute_partition(winobj, part);
    const int64 row = WinGetCurrentPosition(winobj);
    PG_RETURN_ARRAYTYPE_P(anomaly_pg::make_float8_array_nan_as_null(
        part->features + row * static_cast<int64>(anomaly::kKpiFeatureCount),
        static_cast<int>(anomaly::kKpiFeatureCount), 1));
}

Datum anomaly_kpi_feature_names(PG_FUNCTION_ARGS) {
    (void)fcinfo;
    Datum names[anomaly::kKpiFeatureCount];
    for (std::size_t i = 0; i < anomaly::kKpiFeatureCount; ++i)
        names[i] = CStringGetTextDatum(anomaly::kpi_feature_name(i));
    PG_RETURN_ARRAYTYPE_P(construct_array(names, static_cast<int>(anomaly::kKpiFeatureCount), TEXTOID, -1, false,
                                          TYPALIGN_INT));
}

}  // extern "C"
