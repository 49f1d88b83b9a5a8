// anomaly.stl_residual(values float8[], period, robust, history) -> float8[]
//
// The window function's scores, element by element (element i scored from
// elements up to i only); NULL elements allowed. NULL values: NULL.
#include "core/stl_residual.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/pg_includes.hpp"
#include "pg/stl_residual_weights.hpp"
#include "pg/stl_sql_args.hpp"

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_stl_residual_array);

Datum anomaly_stl_residual_array(PG_FUNCTION_ARGS) {
    constexpr const char *kFunction = "anomaly.stl_residual";
    anomaly::StlResidualParams params;
    params.period = anomaly_pg::stl_int_arg(fcinfo, 1, kFunction, "period");
    params.robust = anomaly_pg::stl_bool_arg(fcinfo, 2, kFunction, "robust");
    const bool history_null = PG_ARGISNULL(3);
    const anomaly_pg::StlResidualWeights w = anomaly_pg::stl_residual_weights(
        fcinfo->flinfo, params.period, params.robust, history_null, history_null ? 0 : PG_GETARG_INT32(3), kFunction);
    params.history = w.history;
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    anomaly_pg::Float8Vector in = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(0), kFunction, "values");
    double *resid = anomaly_pg::stl_palloc_doubles(static_cast<Size>(in.n));
    double *scores = anomaly_pg::stl_palloc_doubles(static_cast<Size>(in.n));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        const std::vector<double> b(w.weights, w.weights + w.history);
        anomaly::stl_residual_rolling(in.values, static_cast<std::size_t>(in.n), params, &b, resid, scores, stop);
    });
    PG_RETURN_ARRAYTYPE_P(anomaly_pg::make_float8_array_nan_as_null(scores, in.n, in.lower_bound));
}

}  // extern "C"
