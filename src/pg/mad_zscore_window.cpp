// anomaly.mad_zscore(value float8, lookback int, min_history int) OVER (...)
//
// The first call in a partition reads the whole partition, scores every row
// with the core and keeps the scores in partition-local memory; every call then
// returns its row's score. Rows are taken in the window's ORDER BY order; the
// frame clause is ignored (the history is set by lookback).
#include "core/mad_zscore.hpp"
#include "pg/guard.hpp"

#include "pg/pg_includes.hpp"

namespace {

constexpr const char *kFunction = "anomaly.mad_zscore";

struct PartitionScores {
    bool computed;
    int64 n;
    double *scores;  // NaN = NULL
};

int32 constant_int_arg(WindowObject winobj, int argno, const char *name) {
    bool isnull;
    Datum d = WinGetFuncArgCurrent(winobj, argno, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: %s must not be NULL", kFunction, name)));
    return DatumGetInt32(d);
}

void score_partition(WindowObject winobj, PartitionScores *part) {
    anomaly::MadZscoreParams params;
    params.lookback = constant_int_arg(winobj, 1, "lookback");
    params.min_history = constant_int_arg(winobj, 2, "min_history");
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { anomaly::validate(params); });

    const int64 n = WinGetPartitionRowCount(winobj);
    double *values = static_cast<double *>(MemoryContextAllocHuge(GetMemoryChunkContext(part),
                                                                  sizeof(double) * static_cast<Size>(n) + 1));
    for (int64 i = 0; i < n; ++i) {
        if ((i & 4095) == 0) CHECK_FOR_INTERRUPTS();
        bool isnull, isout;
        Datum d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        values[i] = isnull ? NAN : DatumGetFloat8(d);
    }
    double *scores = static_cast<double *>(MemoryContextAllocHuge(GetMemoryChunkContext(part),
                                                                  sizeof(double) * static_cast<Size>(n) + 1));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        anomaly::mad_zscore_rolling(values, static_cast<std::size_t>(n), params, scores, stop);
    });
    pfree(values);
    part->n = n;
    part->scores = scores;
    part->computed = true;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_mad_zscore_window);

Datum anomaly_mad_zscore_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionScores *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionScores)));
    if (!part->computed) score_partition(winobj, part);
    const int64 row = WinGetCurrentPosition(winobj);
    const double z = part->scores[row];
    if (std::isnan(z)) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(z);
}

}  // extern "C"
