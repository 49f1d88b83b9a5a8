#include "pg/forecast_options.hpp"
#include "pg/window_series.hpp"

#include <cmath>

extern "C" {
#include "utils/timestamp.h"
}

namespace anomaly_pg {

Jsonb *window_options_arg(WindowObject winobj, int argno, const char *function) {
    bool isnull;
    const Datum options = WinGetFuncArgCurrent(winobj, argno, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: options must not be NULL", function),
                        errhint("Pass '{}' for the defaults.")));
    return DatumGetJsonbP(options);
}

void read_window_series(WindowObject winobj, const char *function, int64 n, double **ts_out, double **values_out) {
    const Size bytes = sizeof(double) * static_cast<Size>(n) + 1;
    double *ts = static_cast<double *>(palloc_extended(bytes, MCXT_ALLOC_HUGE));
    double *values = static_cast<double *>(palloc_extended(bytes, MCXT_ALLOC_HUGE));
    for (int64 i = 0; i < n; ++i) {
        if ((i & 4095) == 0) CHECK_FOR_INTERRUPTS();
        bool isnull, isout;
        Datum d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        if (isnull) {
            ts[i] = NAN;
        } else {
            const TimestampTz t = DatumGetTimestampTz(d);
            if (TIMESTAMP_NOT_FINITE(t))
                ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                                errmsg("%s: ts must be finite, not %s", function, timestamptz_to_str(t))));
            ts[i] = timestamptz_to_unix_seconds(t);
        }
        d = WinGetFuncArgInPartition(winobj, 1, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        values[i] = isnull ? NAN : DatumGetFloat8(d);
    }
    *ts_out = ts;
    *values_out = values;
}

}  // namespace anomaly_pg
