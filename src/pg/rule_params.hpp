// The jsonb parameters and the points of the rule method evaluators
// (anomaly.rule_<method>), read and checked in phase 1 of the entry points
// (PostgreSQL calls, plain C data) with the error messages, hints and
// SQLSTATEs of the SQL helpers anomaly.rule_param, rule_points_check and
// rule_from. The forecast options reader (forecast_options.hpp) has another
// contract (an object of known keys, errors raised from the core), so the
// two do not share code beyond PostgreSQL's jsonb API.
#pragma once

#include "pg/pg_includes.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace anomaly_pg {

// params -> key as a number: `fallback` when the key is absent or JSON null
// (an error when `required`); SQLSTATE 22023 when it is not a number, lies
// outside [min_value, max_value] or, with `integral`, is not an integer.
double rule_param(Jsonb *params, const char *method, const char *key, double fallback, bool required,
                  double min_value, double max_value, bool integral = false);

// params ->> key (NULL → nullptr), as the SQL operator renders it.
char *rule_param_text(Jsonb *params, const char *key);

// The runtime key "from" (params ->> 'from')::timestamptz; -infinity without it.
TimestampTz rule_from(Jsonb *params);

// The points of one call: times (never NULL) and values (NaN for NULL; the
// null flags kept to return NULL, not NaN, as the value of those rows).
struct RulePoints {
    int64 *times;
    double *values;
    bool *value_null;
    int n;
};

// Reads and checks the arrays: the same length (22023), no NULL time (22004),
// times strictly increasing (22023).
RulePoints read_rule_points(ArrayType *times, ArrayType *values, const char *method);

// Index of the first point with time >= since.
int first_from(const RulePoints &points, TimestampTz since);

}  // namespace anomaly_pg
