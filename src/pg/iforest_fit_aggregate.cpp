// anomaly.iforest_fit(features float8[] [, n_trees [, sample_size [, seed]]]):
// an aggregate whose value is an isolation forest model (bytea).
//
// The state (core/isolation_forest_sample.hpp) is a bounded sample of the
// group's rows chosen by a seeded hash of each row's content: independent of
// row order and of how rows are split across parallel workers or shards, so the
// combine function merges partial states exactly and every plan fits the same
// model. Rows whose features are NULL or contain NULL, NaN or ±Infinity are
// skipped. Transition functions modify the state in place when PostgreSQL owns
// it (aggregate context) and return a new one only to grow it.
#include "core/isolation_forest_sample.hpp"
#include "pg/guard.hpp"
#include "pg/iforest_features.hpp"

#include "pg/pg_includes.hpp"

namespace {

namespace is = anomaly::iforest_sample;

constexpr const char *kFunction = "anomaly.iforest_fit";
constexpr int32 kDefaultTrees = 100;
constexpr int32 kDefaultSampleSize = 256;
constexpr int64 kDefaultSeed = 42;

std::uint8_t *bytes_of(bytea *b) { return reinterpret_cast<std::uint8_t *>(VARDATA(b)); }
std::size_t len_of(bytea *b) { return VARSIZE(b) - VARHDRSZ; }

bytea *new_state(std::uint32_t capacity, const anomaly::IForestOptions &o, std::uint32_t d) {
    std::size_t len = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { len = is::bytes_for(capacity, d); });
    bytea *state = static_cast<bytea *>(palloc_extended(VARHDRSZ + len, MCXT_ALLOC_HUGE));
    SET_VARSIZE(state, VARHDRSZ + len);
    std::uint8_t *buf = bytes_of(state);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { is::init(buf, capacity, o, d); });
    return state;
}

// The state argument after a header check (full = every value too), or NULL.
bytea *state_arg(FunctionCallInfo fcinfo, int argno, bool full) {
    if (PG_ARGISNULL(argno)) return nullptr;
    bytea *state = PG_GETARG_BYTEA_P(argno);
    const std::uint8_t *buf = bytes_of(state);
    const std::size_t len = len_of(state);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) {
        if (full)
            is::check(buf, len);
        else
            is::check_header(buf, len);
    });
    return state;
}

anomaly::IForestOptions options_args(FunctionCallInfo fcinfo) {
    const int n = PG_NARGS();
    const bool has_trees = n > 2, has_size = n > 3, has_seed = n > 4;
    return anomaly_pg::iforest_options(has_trees && PG_ARGISNULL(2), has_trees ? PG_GETARG_INT32(2) : kDefaultTrees,
                                       has_size && PG_ARGISNULL(3), has_size ? PG_GETARG_INT32(3) : kDefaultSampleSize,
                                       has_seed && PG_ARGISNULL(4), has_seed ? PG_GETARG_INT64(4) : kDefaultSeed,
                                       kFunction);
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_iforest_fit_transfn);
PG_FUNCTION_INFO_V1(anomaly_iforest_fit_combinefn);
PG_FUNCTION_INFO_V1(anomaly_iforest_fit_finalfn);

// (state bytea, features float8[] [, n_trees int [, sample_size int [, seed bigint]]])
Datum anomaly_iforest_fit_transfn(PG_FUNCTION_ARGS) {
    if (!AggCheckCallContext(fcinfo, nullptr))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("%s: transition function called in non-aggregate context", kFunction)));
    const anomaly::IForestOptions o = options_args(fcinfo);
    bytea *state = state_arg(fcinfo, 0, false);
    if (PG_ARGISNULL(1)) {
        if (state == nullptr) PG_RETURN_NULL();
        PG_RETURN_BYTEA_P(state);
    }
    const anomaly_pg::Float8Vector row = anomaly_pg::read_iforest_features(PG_GETARG_ARRAYTYPE_P(1), kFunction);
    const std::uint32_t d = static_cast<std::uint32_t>(row.n);
    if (state == nullptr) {
        anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) {
            is::check_limits(o, d, MaxAllocSize - VARHDRSZ);
        });
        state = new_state(is::initial_capacity(o), o, d);
    } else {
        const anomaly::IForestOptions held = is::options(bytes_of(state));
        if (held.n_trees != o.n_trees || held.sample_size != o.sample_size || held.seed != o.seed)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s: n_trees, sample_size and seed must be the same for every row of a group",
                                   kFunction)));
        if (is::n_features(bytes_of(state)) != d)
            ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                            errmsg("%s: features must have the same length in every row of a group, got %u and %u",
                                   kFunction, is::n_features(bytes_of(state)), d)));
    }
    bool usable = false;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { usable = is::usable(row.values, d); });
    if (usable) {
        const std::uint32_t grow_to = is::capacity_needed(bytes_of(state));
        if (grow_to != 0) {
            bytea *bigger = new_state(grow_to, o, d);
            const std::uint8_t *from = bytes_of(state);
            std::uint8_t *to = bytes_of(bigger);
            anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { is::copy(from, to); });
            state = bigger;
        }
        std::uint8_t *buf = bytes_of(state);
        anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { is::add(buf, row.values); });
    }
    pfree(row.values);
    PG_RETURN_BYTEA_P(state);
}

// (bytea, bytea) -> bytea, STRICT: the sample of both groups of rows.
Datum anomaly_iforest_fit_combinefn(PG_FUNCTION_ARGS) {
    bytea *a = state_arg(fcinfo, 0, true);
    bytea *b = state_arg(fcinfo, 1, true);
    const std::uint8_t *abuf = bytes_of(a);
    const std::uint8_t *bbuf = bytes_of(b);
    std::uint32_t capacity = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { capacity = is::merged_capacity(abuf, bbuf); });
    bytea *out = new_state(capacity, is::options(abuf), is::n_features(abuf));
    std::uint8_t *obuf = bytes_of(out);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) { is::merge(abuf, bbuf, obuf, stop); });
    PG_RETURN_BYTEA_P(out);
}

// bytea -> bytea: the model, or NULL when fewer than 2 usable rows were seen.
Datum anomaly_iforest_fit_finalfn(PG_FUNCTION_ARGS) {
    bytea *state = state_arg(fcinfo, 0, true);
    if (state == nullptr) PG_RETURN_NULL();
    const std::uint8_t *buf = bytes_of(state);
    std::size_t cap = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { cap = is::max_model_bytes(buf); });
    bytea *model = static_cast<bytea *>(palloc_extended(VARHDRSZ + cap, MCXT_ALLOC_HUGE));
    std::uint8_t *out = bytes_of(model);
    std::size_t len = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) { len = is::fit_model_into(buf, out, stop); });
    if (len == 0) {
        pfree(model);
        PG_RETURN_NULL();
    }
    SET_VARSIZE(model, VARHDRSZ + len);
    PG_RETURN_BYTEA_P(model);
}

}  // extern "C"
