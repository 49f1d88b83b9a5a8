#include "core/stl_residual.hpp"
#include "pg/guard.hpp"

#include "pg/stl_residual_weights.hpp"

#include <algorithm>

namespace anomaly_pg {

namespace {

struct CachedWeights {
    int period, history;
    double weights[FLEXIBLE_ARRAY_MEMBER];
};

}  // namespace

StlResidualWeights stl_residual_weights(FmgrInfo *flinfo, int period, bool robust, bool history_null, int history,
                                        const char *function) {
    int resolved = 0;
    run_core(function, [&](anomaly::StopToken &) {
        anomaly::StlResidualParams params;
        params.period = period;
        params.robust = robust;
        if (!history_null) params.history = history;
        resolved = *anomaly::resolve_stl_residual_params(params).history;
    });
    auto *cache = static_cast<CachedWeights *>(flinfo->fn_extra);
    if (cache == nullptr || cache->period != period || cache->history != resolved) {
        auto *fresh = static_cast<CachedWeights *>(
            MemoryContextAlloc(flinfo->fn_mcxt, offsetof(CachedWeights, weights) + sizeof(double) * resolved));
        fresh->period = period;
        fresh->history = resolved;
        run_core(function, [&](anomaly::StopToken &stop) {
            const std::vector<double> b = anomaly::stl_last_residual_weights(period, resolved, stop);
            std::copy(b.begin(), b.end(), fresh->weights);
        });
        if (cache != nullptr) pfree(cache);
        cache = fresh;
        flinfo->fn_extra = cache;
    }
    return StlResidualWeights{period, resolved, cache->weights};
}

}  // namespace anomaly_pg
