// jsonb options of the seasonal forecast functions → anomaly::ForecastOptions.
//
// Phase 1 (PostgreSQL calls, plain C data): read_forecast_options() flattens
// the jsonb object into RawForecastOptions and raises errors on a malformed
// shape. Phase 2 (inside run_core, no PostgreSQL call): build_forecast_options()
// maps each key to its field and throws anomaly::InvalidParameter (22023)
// naming the key for unknown keys and wrong types or values.
#pragma once

#include "core/forecast_options.hpp"

#include "pg/pg_includes.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace anomaly_pg {

enum class OptionKind { number, string, boolean, null, array, object };

struct RawOption {
    const char *key;
    OptionKind kind;
    double number;
    const char *text;
    bool boolean;
};

struct RawEvent {
    const char *name;
    const char *start;
    const char *end;
};

struct RawForecastOptions {
    RawOption *options;
    int n_options;
    RawEvent *events;  // the elements of the "events" array, when given
    int n_events;
};

RawForecastOptions read_forecast_options(Jsonb *options, const char *function);

// Phase 2 only: may throw.
void build_forecast_options(const RawForecastOptions &raw, anomaly::ForecastOptions &out);

// timestamptz (microseconds since 2000-01-01) <-> UTC seconds since 1970.
inline double timestamptz_to_unix_seconds(TimestampTz ts) {
    return static_cast<double>(ts) / 1e6 + 946684800.0;
}

}  // namespace anomaly_pg
