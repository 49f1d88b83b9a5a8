// The mad_zscore_last aggregates: the modified z-score of a group's newest row
// against the rows before it.
//
//   anomaly.mad_zscore_last(value float8 [, lookback, min_history] ORDER BY ts)
//       rows in the aggregate's ORDER BY order; the state keys rows by arrival.
//   anomaly.mad_zscore_last(ts timestamptz, value float8 [, lookback, min_history])
//       rows keyed by ts, in any order: combinable, so it runs in parallel and
//       on distributed engines.
//
// The state is a bytea (core/latest_points_state.hpp) holding O(lookback)
// points. Transition functions modify it in place when PostgreSQL owns it (it
// lives in the aggregate context) and return a new one only to grow it; the
// executor copies that into the aggregate context and frees the old one.
#include "core/latest_points_state.hpp"
#include "pg/guard.hpp"

#include "pg/pg_includes.hpp"

namespace {

namespace lp = anomaly::latest_points;

constexpr const char *kFunction = "anomaly.mad_zscore_last";
constexpr int kDefaultLookback = 28;
constexpr int kDefaultMinHistory = 7;

std::uint8_t *state_bytes(bytea *state) { return reinterpret_cast<std::uint8_t *>(VARDATA(state)); }

bytea *new_state(std::uint32_t capacity, const anomaly::MadZscoreParams &params) {
    const std::size_t len = lp::bytes_for(capacity);
    bytea *state = static_cast<bytea *>(palloc(VARHDRSZ + len));
    SET_VARSIZE(state, VARHDRSZ + len);
    std::uint8_t *buf = state_bytes(state);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { lp::init(buf, capacity, params); });
    return state;
}

// The state argument, checked, or NULL.
bytea *state_arg(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno)) return nullptr;
    bytea *state = PG_GETARG_BYTEA_P(argno);
    const std::uint8_t *buf = state_bytes(state);
    const std::size_t len = VARSIZE(state) - VARHDRSZ;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { lp::check(buf, len); });
    return state;
}

anomaly::MadZscoreParams params_args(FunctionCallInfo fcinfo, int first) {
    anomaly::MadZscoreParams p{kDefaultLookback, kDefaultMinHistory};
    if (PG_NARGS() > first) {
        if (PG_ARGISNULL(first) || PG_ARGISNULL(first + 1))
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("%s: lookback and min_history must not be NULL", kFunction)));
        p.lookback = PG_GETARG_INT32(first);
        p.min_history = PG_GETARG_INT32(first + 1);
    }
    return p;
}

// One row into the state: the shared body of both transition functions.
Datum add_row(FunctionCallInfo fcinfo, bytea *state, const anomaly::MadZscoreParams &params, bool has_key,
              int64 key, double value) {
    if (!AggCheckCallContext(fcinfo, nullptr))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("%s: transition function called in non-aggregate context", kFunction)));
    if (state == nullptr) {
        state = new_state(lp::initial_capacity(params), params);
    } else {
        const anomaly::MadZscoreParams held = lp::params(state_bytes(state));
        if (held.lookback != params.lookback || held.min_history != params.min_history)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s: lookback and min_history must be the same for every row of a group",
                                   kFunction)));
    }
    const std::uint32_t grow_to = lp::capacity_needed(state_bytes(state));
    if (grow_to != 0) {
        bytea *bigger = new_state(grow_to, params);
        const std::uint8_t *from = state_bytes(state);
        std::uint8_t *to = state_bytes(bigger);
        anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { lp::copy(from, to); });
        state = bigger;
    }
    std::uint8_t *buf = state_bytes(state);
    if (!has_key) key = lp::has_newest(buf) ? lp::newest_key(buf) + 1 : 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { lp::add(buf, key, value); });
    PG_RETURN_BYTEA_P(state);
}

Datum final_score(FunctionCallInfo fcinfo, bool keyed_by_time) {
    bytea *state = state_arg(fcinfo, 0);
    if (state == nullptr) PG_RETURN_NULL();
    const std::uint8_t *buf = state_bytes(state);
    lp::FinalScore result{};
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { result = lp::final_score(buf); });
    switch (result.kind) {
    case lp::FinalScore::Kind::score:
        PG_RETURN_FLOAT8(result.score);
    case lp::FinalScore::Kind::no_score:
        PG_RETURN_NULL();
    case lp::FinalScore::Kind::duplicate_newest:
        break;
    }
    if (keyed_by_time)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("%s: duplicate timestamp %s: the newest timestamp of the group occurs more than once",
                               kFunction, timestamptz_to_str(result.key)),
                        errhint("Aggregate one row per timestamp, or use the ORDER BY form.")));
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("%s: duplicate row key in state", kFunction)));
    PG_RETURN_NULL();
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_mad_zscore_last_transfn);
PG_FUNCTION_INFO_V1(anomaly_mad_zscore_last_ts_transfn);
PG_FUNCTION_INFO_V1(anomaly_mad_zscore_last_combinefn);
PG_FUNCTION_INFO_V1(anomaly_mad_zscore_last_finalfn);
PG_FUNCTION_INFO_V1(anomaly_mad_zscore_last_ts_finalfn);

// (state bytea, value float8 [, lookback int, min_history int])
Datum anomaly_mad_zscore_last_transfn(PG_FUNCTION_ARGS) {
    const anomaly::MadZscoreParams params = params_args(fcinfo, 2);
    const double value = PG_ARGISNULL(1) ? NAN : PG_GETARG_FLOAT8(1);
    return add_row(fcinfo, state_arg(fcinfo, 0), params, false, 0, value);
}

// (state bytea, ts timestamptz, value float8 [, lookback int, min_history int]);
// rows without a timestamp cannot be placed and are skipped.
Datum anomaly_mad_zscore_last_ts_transfn(PG_FUNCTION_ARGS) {
    const anomaly::MadZscoreParams params = params_args(fcinfo, 3);
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    const TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);
    if (TIMESTAMP_NOT_FINITE(ts))
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
                        errmsg("%s: timestamps must be finite, got %s", kFunction, timestamptz_to_str(ts))));
    const double value = PG_ARGISNULL(2) ? NAN : PG_GETARG_FLOAT8(2);
    return add_row(fcinfo, state_arg(fcinfo, 0), params, true, ts, value);
}

// (bytea, bytea) -> bytea, STRICT: the state of both groups of rows.
Datum anomaly_mad_zscore_last_combinefn(PG_FUNCTION_ARGS) {
    bytea *a = state_arg(fcinfo, 0);
    bytea *b = state_arg(fcinfo, 1);
    const std::uint8_t *abuf = state_bytes(a);
    const std::uint8_t *bbuf = state_bytes(b);
    const anomaly::MadZscoreParams params = lp::params(abuf);
    std::uint32_t capacity = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { capacity = lp::merged_capacity(abuf, bbuf); });
    bytea *out = new_state(capacity, params);
    std::uint8_t *obuf = state_bytes(out);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { lp::merge(abuf, bbuf, obuf); });
    PG_RETURN_BYTEA_P(out);
}

Datum anomaly_mad_zscore_last_finalfn(PG_FUNCTION_ARGS) { return final_score(fcinfo, false); }

Datum anomaly_mad_zscore_last_ts_finalfn(PG_FUNCTION_ARGS) { return final_score(fcinfo, true); }

}  // extern "C"
