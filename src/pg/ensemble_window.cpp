// anomaly.ensemble_anomaly(ts timestamptz, value float8, options jsonb) OVER (...)
//   -> anomaly.ensemble_result
// anomaly.ensemble_rule_scores(ts, value, options, since timestamptz) OVER (...)
//   -> anomaly.ensemble_rule_score
//
// The first call in a partition reads the whole partition and the options (of
// the first row: they are meant to be constant), runs the core over all rows
// (causal: each row from itself and the rows with earlier timestamps) and
// keeps one plain record per row, plus the explanation and detectors texts,
// in partition-local memory; every call then returns its row's record. The
// frame clause is ignored; rows are ordered by ts, not by the window's ORDER BY.
//
// ensemble_rule_scores is the same computation for the rule method (the
// evaluator anomaly.rule_ensemble_anomaly): only is_anomaly, score,
// expected, lower and upper, bit for bit those of ensemble_anomaly, and NULL
// for the rows before `since` (NULL: none), which the rule does not return.
// It builds no explanation, no detectors JSON and no tuple for those rows:
// for a daily check that returns 4 rows of a ~380-row block, building those
// texts and parsing them back as jsonb was about 40 % of the work.
#include "core/ensemble.hpp"
#include "pg/guard.hpp"

#include "pg/ensemble_options.hpp"
#include "pg/pg_includes.hpp"
#include "pg/window_series.hpp"

#include <cstdlib>
#include <new>

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

namespace {

constexpr const char *kFunction = "anomaly.ensemble_anomaly";
constexpr const char *kRuleFunction = "anomaly.ensemble_rule_scores";
constexpr int kFields = 12;
constexpr int kRuleFields = 5;

// One row's result as plain data (no destructor): texts are offsets into the
// partition's string buffer.
struct Row {
    bool has_row, has_value, is_anomaly, warming_up;
    int severity;   // anomaly::Severity
    int direction;  // 1, -1, 0 = NULL
    double score, expected, lower, upper, deviation_pct, data_quality;
    Size explanation, detectors;  // offsets of NUL-terminated texts
};

struct PartitionResults {
    bool computed;
    int64 n;
    Row *rows;
    char *strings;
    TupleDesc tupdesc;
};

// Phase 2: everything the core computed, flattened. `strings` is malloc'ed
// at the very end (nothing can throw after it). Without `texts` the strings
// are empty (offsets 0 into a buffer of one NUL).
void flatten(const std::vector<anomaly::EnsembleResult> &results, bool texts, Row *rows, char **strings, Size *bytes) {
    Size total = 0;
    std::vector<std::string> detectors(results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        const anomaly::EnsembleResult &r = results[i];
        Row &w = rows[i];
        w.has_row = r.has_row;
        w.has_value = r.has_value;
        w.is_anomaly = r.is_anomaly;
        w.warming_up = r.warming_up;
        w.severity = static_cast<int>(r.severity);
        w.direction = r.direction;
        w.score = r.score;
        w.expected = r.expected;
        w.lower = r.lower;
        w.upper = r.upper;
        w.deviation_pct = r.deviation_pct;
        w.data_quality = r.data_quality;
        w.explanation = w.detectors = 0;
        if (!r.has_row || !texts) continue;
        detectors[i] = anomaly::detectors_json(r);
        w.explanation = total;
        total += r.explanation.size() + 1;
        w.detectors = total;
        total += detectors[i].size() + 1;
    }
    char *buffer = static_cast<char *>(std::malloc(total + 1));
    if (buffer == nullptr) throw std::bad_alloc();
    buffer[total] = '\0';
    for (std::size_t i = 0; i < results.size() && texts; ++i) {
        if (!results[i].has_row) continue;
        std::memcpy(buffer + rows[i].explanation, results[i].explanation.c_str(), results[i].explanation.size() + 1);
        std::memcpy(buffer + rows[i].detectors, detectors[i].c_str(), detectors[i].size() + 1);
    }
    *strings = buffer;
    *bytes = total + 1;
}

// texts: whether rows get their explanation and detectors texts (false for
// ensemble_rule_scores, which returns neither).
void compute_partition(FunctionCallInfo fcinfo, WindowObject winobj, PartitionResults *part, const char *function,
                       bool texts) {
    MemoryContext partition_context = GetMemoryChunkContext(part);
    anomaly_pg::RawEnsembleOptions raw =
        anomaly_pg::read_ensemble_options(anomaly_pg::window_options_arg(winobj, 2, function), function);

    const int64 n = WinGetPartitionRowCount(winobj);
    double *ts, *values;
    anomaly_pg::read_window_series(winobj, function, n, &ts, &values);
    Row *rows = static_cast<Row *>(MemoryContextAllocHuge(partition_context, sizeof(Row) * static_cast<Size>(n) + 1));
    char *strings = nullptr;
    Size string_bytes = 0;
    anomaly_pg::run_core(function, [&](anomaly::StopToken &stop) {
        anomaly::EnsembleOptions options;
        anomaly_pg::build_ensemble_options(raw, options);
        options.explain = texts;
        const std::vector<anomaly::EnsembleResult> results =
            anomaly::ensemble_anomaly(ts, values, static_cast<std::size_t>(n), options, stop);
        flatten(results, texts, rows, &strings, &string_bytes);
    });
    pfree(ts);
    pfree(values);

    char *kept = nullptr;
    PG_TRY();
    {
        kept = static_cast<char *>(MemoryContextAllocHuge(partition_context, string_bytes));
        memcpy(kept, strings, string_bytes);
    }
    PG_FINALLY();
    {
        std::free(strings);
    }
    PG_END_TRY();

    TupleDesc tupdesc;
    if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s: return type must be a row type", function)));
    MemoryContext old = MemoryContextSwitchTo(partition_context);
    part->tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
    MemoryContextSwitchTo(old);
    part->n = n;
    part->rows = rows;
    part->strings = kept;
    part->computed = true;
}

Datum float8_or_null(double x, bool *isnull) {
    *isnull = std::isnan(x);
    return Float8GetDatum(*isnull ? 0.0 : x);
}

Datum text_or_null(const char *s, bool *isnull) {
    *isnull = s == nullptr;
    return *isnull ? PointerGetDatum(nullptr) : PointerGetDatum(cstring_to_text(s));
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_ensemble_anomaly_window);

Datum anomaly_ensemble_anomaly_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionResults *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionResults)));
    if (!part->computed) compute_partition(fcinfo, winobj, part, kFunction, true);
    const Row &r = part->rows[WinGetCurrentPosition(winobj)];
    if (!r.has_row) PG_RETURN_NULL();
    Datum values[kFields];
    bool nulls[kFields];
    values[0] = BoolGetDatum(r.is_anomaly);
    nulls[0] = !r.has_value;
    values[1] = float8_or_null(r.score, &nulls[1]);
    values[2] = text_or_null(anomaly::severity_name(static_cast<anomaly::Severity>(r.severity)), &nulls[2]);
    values[3] = text_or_null(r.direction > 0 ? "up" : r.direction < 0 ? "down" : nullptr, &nulls[3]);
    values[4] = float8_or_null(r.expected, &nulls[4]);
    values[5] = float8_or_null(r.lower, &nulls[5]);
    values[6] = float8_or_null(r.upper, &nulls[6]);
    values[7] = float8_or_null(r.deviation_pct, &nulls[7]);
    values[8] = DirectFunctionCall1(jsonb_in, CStringGetDatum(part->strings + r.detectors));
    nulls[8] = false;
    values[9] = PointerGetDatum(cstring_to_text(part->strings + r.explanation));
    nulls[9] = false;
    values[10] = float8_or_null(r.data_quality, &nulls[10]);
    values[11] = BoolGetDatum(r.warming_up);
    nulls[11] = false;
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(part->tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(anomaly_ensemble_rule_scores_window);

Datum anomaly_ensemble_rule_scores_window(PG_FUNCTION_ARGS) {
    WindowObject winobj = PG_WINDOW_OBJECT();
    auto *part = static_cast<PartitionResults *>(WinGetPartitionLocalMemory(winobj, sizeof(PartitionResults)));
    if (!part->computed) compute_partition(fcinfo, winobj, part, kRuleFunction, false);
    // Rows before `since` (the current row's argument 3; NULL = none) and
    // rows without a ts get NULL.
    bool isnull;
    const Datum ts = WinGetFuncArgCurrent(winobj, 0, &isnull);
    if (isnull) PG_RETURN_NULL();
    const Datum since = WinGetFuncArgCurrent(winobj, 3, &isnull);
    if (!isnull && DatumGetTimestampTz(ts) < DatumGetTimestampTz(since)) PG_RETURN_NULL();
    const Row &r = part->rows[WinGetCurrentPosition(winobj)];
    if (!r.has_row) PG_RETURN_NULL();
    Datum values[kRuleFields];
    bool nulls[kRuleFields];
    values[0] = BoolGetDatum(r.is_anomaly);
    nulls[0] = !r.has_value;
    values[1] = float8_or_null(r.score, &nulls[1]);
    values[2] = float8_or_null(r.expected, &nulls[2]);
    values[3] = float8_or_null(r.lower, &nulls[3]);
    values[4] = float8_or_null(r.upper, &nulls[4]);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(part->tupdesc, values, nulls)));
}

}  // extern "C"
