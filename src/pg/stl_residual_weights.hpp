// The STL weight vector of stl_residual (core/stl_residual.hpp) depends only
// on (period, history): computed once per call site and kept in fn_extra
// (the function's memory context), for the window and the array forms.
// PostgreSQL calls: use outside run_core() only.
#pragma once

#include "pg/pg_includes.hpp"

namespace anomaly_pg {

// Validates params (errors as SQL errors) and returns the resolved history
// and the weights (history values), cached in flinfo->fn_extra.
struct StlResidualWeights {
    int period, history;
    const double *weights;
};
StlResidualWeights stl_residual_weights(FmgrInfo *flinfo, int period, bool robust, bool history_null, int history,
                                        const char *function);

}  // namespace anomaly_pg
