// jsonb options of anomaly.ensemble_anomaly → anomaly::EnsembleOptions.
//
// Phase 1 (PostgreSQL calls): read_ensemble_options() flattens the object
// (the forecast reader's RawForecastOptions, which also holds the events, plus
// the members of "weights"). Phase 2 (inside run_core, no PostgreSQL call):
// build_ensemble_options() maps each key and throws anomaly::InvalidParameter
// (22023) naming a bad or unknown key.
#pragma once

#include "core/ensemble.hpp"

#include "pg/forecast_options.hpp"

namespace anomaly_pg {

struct RawEnsembleOptions {
    RawForecastOptions top;
    RawOption *weights;  // the members of "weights" when it is an object
    int n_weights;
};

RawEnsembleOptions read_ensemble_options(Jsonb *options, const char *function);

// Phase 2 only: may throw. The option "step": a number of seconds or a text
// such as "1 day", "15 minutes", "2 hours", "1 week".
double step_option_seconds(const RawOption &o);

// Phase 2 only: may throw.
void build_ensemble_options(const RawEnsembleOptions &raw, anomaly::EnsembleOptions &out);

}  // namespace anomaly_pg
