// anomaly.detect_period(values float8[], min_period int DEFAULT 2, max_period int DEFAULT NULL)
//     RETURNS TABLE(period int, strength float8)
//
// Not STRICT, so that max_period can default to NULL ("half the series"):
// NULL values give no rows, NULL min_period means 2.
#include "core/period_detection.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/pg_includes.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

namespace {

constexpr const char *kFunction = "anomaly.detect_period";

// What survives the C++ scope: plain data only.
struct Periods {
    int n;
    anomaly::DetectedPeriod rows[anomaly::kMaxDetectedPeriods];
};

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_detect_period);

Datum anomaly_detect_period(PG_FUNCTION_ARGS) {
    // Phase 1: arguments into plain buffers.
    anomaly::PeriodDetectionParams params;
    params.min_period = PG_ARGISNULL(1) ? 2 : PG_GETARG_INT32(1);
    const bool has_max = !PG_ARGISNULL(2);
    const int max_period = has_max ? PG_GETARG_INT32(2) : 0;
    anomaly_pg::Float8Vector in{nullptr, 0, 1};
    const bool has_values = !PG_ARGISNULL(0);
    if (has_values) in = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(0), kFunction, "values");

    // Phase 2: the core.
    Periods out;
    out.n = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        anomaly::PeriodDetectionParams p = params;
        if (has_max) p.max_period = max_period;
        anomaly::validate(p);
        out.n = 0;
        if (!has_values) return;
        const std::vector<anomaly::DetectedPeriod> found =
            anomaly::detect_periods(in.values, static_cast<std::size_t>(in.n), p, stop);
        for (const anomaly::DetectedPeriod &d : found) {
            if (out.n == static_cast<int>(anomaly::kMaxDetectedPeriods)) break;
            out.rows[out.n++] = d;
        }
    });

    // Phase 3: the rows.
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    for (int i = 0; i < out.n; ++i) {
        Datum values[2] = {Int32GetDatum(out.rows[i].period), Float8GetDatum(out.rows[i].strength)};
        bool nulls[2] = {false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return static_cast<Datum>(0);
}

}  // extern "C"
