// anomaly.iforest_score(features float8[], window, refit_every, n_trees,
// sample_size, seed) OVER (PARTITION BY ... ORDER BY ...)
//
// The first call in a partition reads every row's features, scores the whole
// partition with the core's causal window scorer and keeps the scores in
// partition-local memory; each call then returns its row's score. Rows are
// taken in the window's ORDER BY order; the frame clause is ignored. NULL
// feature arrays (and arrays holding NULL, NaN or ±Infinity) are neither
// trained on nor scored.
#include "core/isolation_forest.hpp"
#include "pg/guard.hpp"
#include "pg/iforest_features.hpp"

#include "pg/pg_includes.hpp"

namespace {

constexpr const char *kFunction = "anomaly.iforest_score";

struct PartitionScores {
    bool computed;
    int64 n;
    double *scores;  // NaN = NULL
};

Datum constant_arg(WindowObject winobj, int argno, bool *isnull) { return WinGetFuncArgCurrent(winobj, argno, isnull); }

int32 int_arg(WindowObject winobj, int argno, const char *name) {
    bool isnull;
    Datum d = constant_arg(winobj, argno, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: %s must not be NULL", kFunction, name)));
    return DatumGetInt32(d);
}

anomaly::IForestWindowOptions options_args(WindowObject winobj) {
    anomaly::IForestWindowOptions o;
    const int32 window = int_arg(winobj, 1, "window");
    const int32 refit = int_arg(winobj, 2, "refit_every");
    if (window < 2 || refit < 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: window must be at least 2 and refit_every at least 1, got %d and %d", kFunction,
                               window, refit)));
    o.window = static_cast<std::uint32_t>(window);
    o.refit_every = static_cast<std::uint32_t>(refit);
    bool null_trees, null_size, null_seed;
    const Datum trees = constant_arg(winobj, 3, &null_trees);
    const Datum size = constant_arg(winobj, 4, &null_size);
    const Datum seed = constant_arg(winobj, 5, &null_seed);
    o.forest = anomaly_pg::iforest_options(null_trees, null_trees ? 0 : DatumGetInt32(trees), null_size,
                                           null_size ? 0 : DatumGetInt32(size), null_seed,
                                           null_seed ? 0 : DatumGetInt64(seed), kFunction);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { anomaly::validate(o); });
    return o;
}

void score_partition(WindowObject winobj, PartitionScores *part) {
    const anomaly::IForestWindowOptions options = options_args(winobj);
    MemoryContext mcxt = GetMemoryChunkContext(part);
    const int64 n = WinGetPartitionRowCount(winobj);
    double *scores =
        static_cast<double *>(MemoryContextAllocHuge(mcxt, sizeof(double) * static_cast<Size>(n) + 1));
    // Rows into one row-major matrix; the width is the first non-NULL array's.
    int d = 0;
    double *rows = nullptr;
    for (int64 i = 0; i < n; ++i) {
        if ((i & 1023) == 0) CHECK_FOR_INTERRUPTS();
        bool isnull, isout;
        Datum datum = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        if (isnull) {
            if (d > 0)
                for (int f = 0; f < d; ++f) rows[i * d + f] = NAN;
            continue;
        }
        ArrayType *array = DatumGetArrayTypeP(datum);
        const anomaly_pg::Float8Vector x = anomaly_pg::read_iforest_features(array, kFunction);
        if (d == 0) {
            d = x.n;
            if (static_cast<Size>(n) > MaxAllocHugeSize / sizeof(double) / static_cast<Size>(d))
                ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                                errmsg("%s: the partition is too large", kFunction)));
            rows = static_cast<double *>(
                MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * static_cast<Size>(n) * d));
            for (int64 j = 0; j < i * d; ++j) rows[j] = NAN;  // earlier NULL rows
        } else if (x.n != d) {
            ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                            errmsg("%s: features must have the same length in every row of a partition, got %d and %d",
                                   kFunction, d, x.n)));
        }
        std::memcpy(rows + i * d, x.values, sizeof(double) * static_cast<Size>(d));
        pfree(x.values);
        if (reinterpret_cast<Pointer>(array) != DatumGetPointer(datum)) pfree(array);
    }
    if (d == 0) {
        for (int64 i = 0; i < n; ++i) scores[i] = NAN;
    } else {
        anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
            const std::vector<double> s = anomaly::iforest_window_scores(rows, static_cast<std::size_t>(n),
                                                                         static_cast<std::size_t>(d), options, stop);
            std::copy(s.begin(), s.end(), scores);
        });
        pfree(rows);
    }
    part->n = n;
    part->scores = scores;
    part->computed = true;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_iforest_score_window);

Datum anomaly_iforest_score_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionScores *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionScores)));
    if (!part->computed) score_partition(winobj, part);
    const double s = part->scores[WinGetCurrentPosition(winobj)];
    if (std::isnan(s)) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(s);
}

}  // extern "C"
