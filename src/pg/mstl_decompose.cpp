// anomaly.mstl_decompose(values float8[], periods int[], windows int[],
//   iterate int, robust bool)
//   RETURNS TABLE(i, observed, trend, seasonal float8[], resid, weight)
//
// seasonal[k] is the component of periods[k], in the order the caller gave;
// NULL for a period MSTL dropped (period >= n/2). Missing values as in
// stl_decompose.
#include "core/mstl.hpp"
#include "core/stl_input.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/stl_sql_args.hpp"

namespace {

using anomaly_pg::stl_palloc_doubles;

constexpr const char *kFunction = "anomaly.mstl_decompose";

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_mstl_decompose);

Datum anomaly_mstl_decompose(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: periods must not be NULL", kFunction)));
    int nperiods = 0, nwindows = 0;
    int32 *periods = anomaly_pg::stl_int_array_arg(PG_GETARG_ARRAYTYPE_P(1), kFunction, "periods", &nperiods);
    int32 *windows = PG_ARGISNULL(2) ? nullptr
                                     : anomaly_pg::stl_int_array_arg(PG_GETARG_ARRAYTYPE_P(2), kFunction, "windows",
                                                                     &nwindows);
    const int iterate = anomaly_pg::stl_int_arg(fcinfo, 3, kFunction, "iterate");
    const bool robust = anomaly_pg::stl_bool_arg(fcinfo, 4, kFunction, "robust");
    if (PG_ARGISNULL(0)) return (Datum)0;
    anomaly_pg::Float8Vector in = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(0), kFunction, "values");
    const Size n = static_cast<Size>(in.n), np = static_cast<Size>(nperiods);
    double *filled = stl_palloc_doubles(n), *trend = stl_palloc_doubles(n), *weight = stl_palloc_doubles(n);
    double *seasonal = stl_palloc_doubles(n * np);  // row-major: element k, period j
    bool *kept = static_cast<bool *>(palloc0(np + 1));
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        if (n == 0) return;
        anomaly::MstlParams p;
        p.periods.assign(periods, periods + np);
        if (windows != nullptr) p.windows.assign(windows, windows + nwindows);
        p.iterate = iterate;
        p.stl.robust = robust;
        std::memcpy(filled, in.values, sizeof(double) * n);
        anomaly::fill_missing_linear(filled, n);
        const anomaly::MstlComponents c = anomaly::mstl_decompose(filled, n, p, stop);
        std::copy(c.trend.begin(), c.trend.end(), trend);
        std::copy(c.weights.begin(), c.weights.end(), weight);
        for (Size j = 0; j < np; ++j)
            for (Size q = 0; q < c.periods.size(); ++q)
                if (c.periods[q] == periods[j]) {
                    kept[j] = true;
                    for (Size k = 0; k < n; ++k) seasonal[k * np + j] = c.seasonal[q][k];
                }
    });
    Datum *sdatums = static_cast<Datum *>(palloc(sizeof(Datum) * np + 1));
    bool *snulls = static_cast<bool *>(palloc(sizeof(bool) * np + 1));
    int dims[1] = {nperiods};
    int lbs[1] = {1};
    for (Size k = 0; k < n; ++k) {
        CHECK_FOR_INTERRUPTS();
        double total_seasonal = 0.0;
        for (Size j = 0; j < np; ++j) {
            snulls[j] = !kept[j];
            sdatums[j] = kept[j] ? Float8GetDatum(seasonal[k * np + j]) : Datum(0);
            if (kept[j]) total_seasonal += seasonal[k * np + j];
        }
        const bool missing = std::isnan(in.values[k]);
        Datum values[6];
        bool nulls[6] = {false, missing, false, false, missing, false};
        values[0] = Int32GetDatum(in.lower_bound + static_cast<int>(k));
        values[1] = Float8GetDatum(missing ? 0.0 : in.values[k]);
        values[2] = Float8GetDatum(trend[k]);
        values[3] = PointerGetDatum(construct_md_array(sdatums, snulls, 1, dims, lbs, FLOAT8OID, sizeof(double),
                                                       FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
        values[4] = Float8GetDatum(missing ? 0.0 : in.values[k] - trend[k] - total_seasonal);
        values[5] = Float8GetDatum(weight[k]);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}

}  // extern "C"
