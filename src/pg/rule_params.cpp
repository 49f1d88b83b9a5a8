#include "pg/rule_params.hpp"

extern "C" {
#include "utils/numeric.h"
}

namespace anomaly_pg {

namespace {

// params -> key, or false when absent (also when params is not an object).
bool lookup(Jsonb *params, const char *key, JsonbValue *out) {
    if (!JB_ROOT_IS_OBJECT(params) || JB_ROOT_IS_SCALAR(params)) return false;
    return getKeyJsonValueFromContainer(&params->root, key, static_cast<int>(strlen(key)), out) != nullptr;
}

// The jsonb text of a value, as jsonb_out prints it.
char *jsonb_text(JsonbValue *v) {
    Jsonb *jb = JsonbValueToJsonb(v);
    return JsonbToCString(nullptr, &jb->root, static_cast<int>(VARSIZE(jb)));
}

char *float8_text(double x) { return DatumGetCString(DirectFunctionCall1(float8out, Float8GetDatum(x))); }

}  // namespace

double rule_param(Jsonb *params, const char *method, const char *key, double fallback, bool required,
                  double min_value, double max_value, bool integral) {
    JsonbValue v;
    if (!lookup(params, key, &v) || v.type == jbvNull) {
        if (required)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("rule method %s: parameter \"%s\" is required", method, key)));
        return fallback;
    }
    if (v.type != jbvNumeric)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method %s: parameter \"%s\" must be a number, not %s", method, key, jsonb_text(&v))));
    // j::text::float8: numeric_float8 reads numeric_out's text with float8in.
    const double x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
    if (x < min_value || x > max_value || (integral && x != std::trunc(x)))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method %s: parameter \"%s\" = %s is out of range", method, key, jsonb_text(&v)),
                        errhint("Use %s from %s to %s.", integral ? "an integer" : "a number", float8_text(min_value),
                                float8_text(max_value))));
    return x;
}

char *rule_param_text(Jsonb *params, const char *key) {
    JsonbValue v;
    if (!lookup(params, key, &v)) return nullptr;
    switch (v.type) {
    case jbvNull:
        return nullptr;
    case jbvString:
        return pnstrdup(v.val.string.val, v.val.string.len);
    case jbvNumeric:
        return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
    case jbvBool:
        return pstrdup(v.val.boolean ? "true" : "false");
    default:
        return jsonb_text(&v);
    }
}

TimestampTz rule_from(Jsonb *params) {
    char *text = rule_param_text(params, "from");
    if (text == nullptr) return DT_NOBEGIN;
    return DatumGetTimestampTz(
        DirectFunctionCall3(timestamptz_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

RulePoints read_rule_points(ArrayType *times, ArrayType *values, const char *method) {
    RulePoints p{nullptr, nullptr, nullptr, 0};
    const int nt = ArrayGetNItems(ARR_NDIM(times), ARR_DIMS(times));
    const int nv = ArrayGetNItems(ARR_NDIM(values), ARR_DIMS(values));
    if (nt != nv)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule method %s: %d times but %d values", method, nt, nv)));
    Datum *td, *vd;
    bool *tn;
    int n;
    deconstruct_array(times, TIMESTAMPTZOID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &td, &tn, &n);
    deconstruct_array(values, FLOAT8OID, sizeof(double), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &vd, &p.value_null, &n);
    p.n = n;
    p.times = static_cast<int64 *>(palloc_extended(sizeof(int64) * static_cast<Size>(n) + 1, MCXT_ALLOC_HUGE));
    p.values = static_cast<double *>(palloc_extended(sizeof(double) * static_cast<Size>(n) + 1, MCXT_ALLOC_HUGE));
    for (int i = 0; i < n; ++i) {
        if (tn[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("rule method %s: a point time is NULL", method)));
        p.times[i] = DatumGetTimestampTz(td[i]);
        p.values[i] = p.value_null[i] ? NAN : DatumGetFloat8(vd[i]);
    }
    for (int i = 1; i < n; ++i)
        if (p.times[i] <= p.times[i - 1])
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("rule method %s: point times must be strictly increasing", method)));
    return p;
}

int first_from(const RulePoints &points, TimestampTz since) {
    int i = 0;
    while (i < points.n && points.times[i] < since) ++i;
    return i;
}

}  // namespace anomaly_pg
