// Reading a window partition's (ts timestamptz, value float8) arguments into
// plain arrays, for the window functions that run their core once over the
// whole partition (seasonal_forecast, ensemble_anomaly).
#pragma once

#include "pg/pg_includes.hpp"

extern "C" {
#include "utils/jsonb.h"
#include "windowapi.h"
}

namespace anomaly_pg {

// The jsonb options argument `argno` of the current row; NULL is an error
// (22004) naming `function`.
Jsonb *window_options_arg(WindowObject winobj, int argno, const char *function);

// ts[i], values[i] (palloc'd, n each; pfree them) for the n rows of the
// current partition, from arguments 0 (timestamptz, as Unix seconds; NaN when
// NULL) and 1 (float8; NaN when NULL). An infinite ts is an error (22000)
// naming `function`. Checks for interrupts every 4096 rows. No C++ object may
// be alive in the caller.
void read_window_series(WindowObject winobj, const char *function, int64 n, double **ts, double **values);

}  // namespace anomaly_pg
