// anomaly.stl_decompose(values float8[], period, seasonal, trend, low_pass,
//   seasonal_deg, trend_deg, low_pass_deg, robust, seasonal_jump, trend_jump,
//   low_pass_jump) RETURNS TABLE(i, observed, trend, seasonal, resid, weight)
//
// One row per array element (i = its subscript). NULL/NaN elements are filled
// by linear interpolation for the decomposition and come back with observed
// and resid NULL. NULL values array or empty array: no rows.
//
// The STL engine (its LOESS weight plans cost about as much as the fit) is
// kept per call site in fn_extra and reused while the series length and the
// parameters stay the same, as in a LATERAL over many metrics; a memory
// context callback deletes it with the query's function memory.
#include "core/stl.hpp"
#include "core/stl_input.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/stl_sql_args.hpp"

#include <algorithm>

namespace {

using anomaly_pg::stl_palloc_doubles;

constexpr const char *kFunction = "anomaly.stl_decompose";

struct EngineCache {
    anomaly::StlEngine *engine;  // owned; null when none
};

void delete_engine(void *arg) {
    auto *cache = static_cast<EngineCache *>(arg);
    delete cache->engine;
    cache->engine = nullptr;
}

EngineCache *engine_cache(FmgrInfo *flinfo) {
    if (flinfo->fn_extra == nullptr) {
        auto *cache = static_cast<EngineCache *>(MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(EngineCache)));
        auto *callback =
            static_cast<MemoryContextCallback *>(MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(MemoryContextCallback)));
        callback->func = delete_engine;
        callback->arg = cache;
        MemoryContextRegisterResetCallback(flinfo->fn_mcxt, callback);
        flinfo->fn_extra = cache;
    }
    return static_cast<EngineCache *>(flinfo->fn_extra);
}

// The parameter checks of a series long enough for the period (a NULL or
// empty series returns no rows, but a bad parameter is still an error).
void validate_without_data(const anomaly::StlParams &p) {
    anomaly::resolve_stl_params(p, 2 * static_cast<std::size_t>(std::max(p.period, 2)));
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_stl_decompose);

Datum anomaly_stl_decompose(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    anomaly::StlParams p;
    p.period = anomaly_pg::stl_int_arg(fcinfo, 1, kFunction, "period");
    p.seasonal = anomaly_pg::stl_int_arg(fcinfo, 2, kFunction, "seasonal");
    if (!PG_ARGISNULL(3)) p.trend = PG_GETARG_INT32(3);
    if (!PG_ARGISNULL(4)) p.low_pass = PG_GETARG_INT32(4);
    p.seasonal_deg = anomaly_pg::stl_int_arg(fcinfo, 5, kFunction, "seasonal_deg");
    p.trend_deg = anomaly_pg::stl_int_arg(fcinfo, 6, kFunction, "trend_deg");
    p.low_pass_deg = anomaly_pg::stl_int_arg(fcinfo, 7, kFunction, "low_pass_deg");
    p.robust = anomaly_pg::stl_bool_arg(fcinfo, 8, kFunction, "robust");
    p.seasonal_jump = anomaly_pg::stl_int_arg(fcinfo, 9, kFunction, "seasonal_jump");
    p.trend_jump = anomaly_pg::stl_int_arg(fcinfo, 10, kFunction, "trend_jump");
    p.low_pass_jump = anomaly_pg::stl_int_arg(fcinfo, 11, kFunction, "low_pass_jump");
    if (PG_ARGISNULL(0)) {
        // Parameters are still checked, so that a NULL series never hides a typo.
        anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &) { validate_without_data(p); });
        return (Datum)0;
    }
    anomaly_pg::Float8Vector in = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(0), kFunction, "values");
    const int n = in.n;
    double *filled = stl_palloc_doubles(n), *trend = stl_palloc_doubles(n), *seasonal = stl_palloc_doubles(n),
           *weight = stl_palloc_doubles(n);
    EngineCache *cache = engine_cache(fcinfo->flinfo);
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        if (n == 0) {
            validate_without_data(p);
            return;
        }
        const std::size_t size = static_cast<std::size_t>(n);
        const anomaly::StlParams resolved = anomaly::resolve_stl_params(p, size);
        std::memcpy(filled, in.values, sizeof(double) * size);
        anomaly::fill_missing_linear(filled, size);
        anomaly::require_stl_range(filled, size, "STL");
        if (cache->engine == nullptr || cache->engine->size() != size ||
            !anomaly::same_settings(cache->engine->params(), resolved)) {
            delete cache->engine;
            cache->engine = nullptr;
            cache->engine = new anomaly::StlEngine(resolved, size);
        }
        anomaly::StlEngine &engine = *cache->engine;
        engine.fit(filled, stop);
        std::copy(engine.trend().begin(), engine.trend().end(), trend);
        std::copy(engine.seasonal().begin(), engine.seasonal().end(), seasonal);
        std::copy(engine.weights().begin(), engine.weights().end(), weight);
    });
    for (int k = 0; k < n; ++k) {
        const bool missing = std::isnan(in.values[k]);
        Datum values[6];
        bool nulls[6] = {false, missing, false, false, missing, false};
        values[0] = Int32GetDatum(in.lower_bound + k);
        values[1] = Float8GetDatum(missing ? 0.0 : in.values[k]);
        values[2] = Float8GetDatum(trend[k]);
        values[3] = Float8GetDatum(seasonal[k]);
        values[4] = Float8GetDatum(missing ? 0.0 : in.values[k] - trend[k] - seasonal[k]);
        values[5] = Float8GetDatum(weight[k]);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}

}  // extern "C"
