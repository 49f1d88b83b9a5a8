// anomaly.mad_zscore(values float8[], lookback int, min_history int) -> float8[]
#include "core/mad_zscore.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/pg_includes.hpp"

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_mad_zscore_array);

Datum anomaly_mad_zscore_array(PG_FUNCTION_ARGS) {
    constexpr const char *kFunction = "anomaly.mad_zscore";
    anomaly_pg::Float8Vector in = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(0), kFunction, "values");
    anomaly::MadZscoreParams params;
    params.lookback = PG_GETARG_INT32(1);
    params.min_history = PG_GETARG_INT32(2);
    double *scores = static_cast<double *>(palloc_extended(sizeof(double) * static_cast<Size>(in.n) + 1,
                                                           MCXT_ALLOC_HUGE));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        anomaly::mad_zscore_rolling(in.values, static_cast<std::size_t>(in.n), params, scores, stop);
    });
    PG_RETURN_ARRAYTYPE_P(anomaly_pg::make_float8_array_nan_as_null(scores, in.n, in.lower_bound));
}

}  // extern "C"
