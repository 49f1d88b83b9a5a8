// anomaly.stl_residual(values float8[], period, robust, history) -> float8[]
// anomaly.stl_residual_detail(values float8[], period, robust, history)
//   -> TABLE(i, residual, score)
//
// The window function's scores, element by element (element i scored from
// elements up to i only); NULL elements allowed. NULL values: NULL.
#include "core/stl_residual.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/pg_includes.hpp"
#include "pg/stl_residual_weights.hpp"
#include "pg/stl_sql_args.hpp"

namespace {

// The scores and residuals of every element: phases 1 and 2 shared by both
// entry points. NULL values: returns false (nothing computed).
struct Scored {
    anomaly_pg::Float8Vector in;
    double *residuals;
    double *scores;
};

bool score_array(FunctionCallInfo fcinfo, const char *function, Scored *out) {
    anomaly::StlResidualParams params;
    params.period = anomaly_pg::stl_int_arg(fcinfo, 1, function, "period");
    params.robust = anomaly_pg::stl_bool_arg(fcinfo, 2, function, "robust");
    const bool history_null = PG_ARGISNULL(3);
    const anomaly_pg::StlResidualWeights w = anomaly_pg::stl_residual_weights(
        fcinfo->flinfo, params.period, params.robust, history_null, history_null ? 0 : PG_GETARG_INT32(3), function);
    params.history = w.history;
    if (PG_ARGISNULL(0)) return false;
    out->in = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(0), function, "values");
    const Size n = static_cast<Size>(out->in.n);
    double *resid = out->residuals = anomaly_pg::stl_palloc_doubles(n);
    double *scores = out->scores = anomaly_pg::stl_palloc_doubles(n);
    const double *values = out->in.values;
    anomaly_pg::run_core(function, [&](anomaly::StopToken &stop) {
        const std::vector<double> b(w.weights, w.weights + w.history);
        anomaly::stl_residual_rolling(values, n, params, &b, resid, scores, stop);
    });
    return true;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_stl_residual_array);

Datum anomaly_stl_residual_array(PG_FUNCTION_ARGS) {
    Scored s;
    if (!score_array(fcinfo, "anomaly.stl_residual", &s)) PG_RETURN_NULL();
    PG_RETURN_ARRAYTYPE_P(anomaly_pg::make_float8_array_nan_as_null(s.scores, s.in.n, s.in.lower_bound));
}

// anomaly.stl_residual_detail(values float8[], period, robust, history)
//   -> TABLE(i int, residual float8, score float8)
// The residual behind each score as well, so that a caller can state the
// expected value (value - residual) and the spread (residual / score).
PG_FUNCTION_INFO_V1(anomaly_stl_residual_detail);

Datum anomaly_stl_residual_detail(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    Scored s;
    if (!score_array(fcinfo, "anomaly.stl_residual_detail", &s)) return (Datum)0;
    for (int k = 0; k < s.in.n; ++k) {
        Datum values[3];
        bool nulls[3] = {false, std::isnan(s.residuals[k]), std::isnan(s.scores[k])};
        values[0] = Int32GetDatum(s.in.lower_bound + k);
        values[1] = Float8GetDatum(nulls[1] ? 0.0 : s.residuals[k]);
        values[2] = Float8GetDatum(nulls[2] ? 0.0 : s.scores[k]);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}

}  // extern "C"
