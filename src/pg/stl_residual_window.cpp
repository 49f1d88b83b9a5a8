// anomaly.stl_residual(value float8, period int, robust bool, history int) OVER (...)
//
// The first call in a partition reads the whole partition, scores every row
// with the core (causal: each row only uses itself and earlier rows) and keeps
// the scores in partition-local memory. The STL weight vector is computed once
// per query (pg/stl_residual_weights.hpp).
#include "core/stl_residual.hpp"
#include "pg/guard.hpp"

#include "pg/pg_includes.hpp"
#include "pg/stl_residual_weights.hpp"

namespace {

constexpr const char *kFunction = "anomaly.stl_residual";

struct PartitionScores {
    bool computed;
    int64 n;
    double *scores;  // NaN = NULL
};

int32 int_arg(WindowObject winobj, int argno, const char *name, bool *isnull) {
    Datum d = WinGetFuncArgCurrent(winobj, argno, isnull);
    return *isnull ? 0 : DatumGetInt32(d);
}

void score_partition(FunctionCallInfo fcinfo, WindowObject winobj, PartitionScores *part) {
    anomaly::StlResidualParams params;
    bool isnull;
    params.period = int_arg(winobj, 1, "period", &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: period must not be NULL", kFunction)));
    Datum robust = WinGetFuncArgCurrent(winobj, 2, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: robust must not be NULL", kFunction)));
    params.robust = DatumGetBool(robust);
    const int32 history = int_arg(winobj, 3, "history", &isnull);
    const anomaly_pg::StlResidualWeights w =
        anomaly_pg::stl_residual_weights(fcinfo->flinfo, params.period, params.robust, isnull, history, kFunction);
    params.history = w.history;

    const int64 n = WinGetPartitionRowCount(winobj);
    MemoryContext mcxt = GetMemoryChunkContext(part);
    double *values = static_cast<double *>(MemoryContextAllocHuge(mcxt, sizeof(double) * static_cast<Size>(n) + 1));
    for (int64 i = 0; i < n; ++i) {
        if ((i & 4095) == 0) CHECK_FOR_INTERRUPTS();
        bool isout;
        Datum d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        values[i] = isnull ? NAN : DatumGetFloat8(d);
    }
    double *resid = static_cast<double *>(MemoryContextAllocHuge(mcxt, sizeof(double) * static_cast<Size>(n) + 1));
    double *scores = static_cast<double *>(MemoryContextAllocHuge(mcxt, sizeof(double) * static_cast<Size>(n) + 1));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        const std::vector<double> b(w.weights, w.weights + w.history);
        anomaly::stl_residual_rolling(values, static_cast<std::size_t>(n), params, &b, resid, scores, stop);
    });
    pfree(values);
    pfree(resid);
    part->n = n;
    part->scores = scores;
    part->computed = true;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_stl_residual_window);

Datum anomaly_stl_residual_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionScores *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionScores)));
    if (!part->computed) score_partition(fcinfo, winobj, part);
    const double z = part->scores[WinGetCurrentPosition(winobj)];
    if (std::isnan(z)) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(z);
}

}  // extern "C"
