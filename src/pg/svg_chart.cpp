// anomaly.svg_chart(ts timestamp[], value float8[], expected float8[], lower float8[], upper float8[],
//                   marks jsonb, events jsonb, title text, subtitle text) -> text
//
// Phase 1 reads the arrays and the JSON into plain buffers (times as wall-clock
// seconds, JSON strings as palloc'd C strings); phase 2 builds the core's
// ChartData, renders and copies the document into a malloc'd buffer; phase 3
// turns it into text.
#include "core/svg_chart.hpp"
#include "core/svg_chart_text.hpp"
#include "pg/guard.hpp"

#include "pg/float8_arrays.hpp"
#include "pg/pg_includes.hpp"

#include <cstdlib>
#include <string>

extern "C" {
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

namespace {

constexpr const char *kFunction = "anomaly.svg_chart";

// One JSON object of marks or events, its known keys as plain values.
struct RawObject {
    const char *ts;
    const char *severity;
    const char *label;
    const char *name;
    const char *start;
    const char *end;
    double value;  // NaN when absent or null
};

struct RawObjects {
    RawObject *items;
    int n;
};

[[noreturn]] void bad_json(const char *argument, const char *detail) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: invalid %s: %s", kFunction, argument, detail),
                    errhint("marks: [{\"ts\": \"2024-11-29\", \"severity\": \"critical\", \"value\": 123.4, \"label\": \"...\"}]; "
                            "events: [{\"name\": \"Black Friday\", \"start\": \"2024-11-29\", \"end\": \"2024-11-30\"}].")));
}

// The elements of a JSON array of objects: marks (keys ts, severity, value,
// label) or events (name, start, end). Unknown keys, nested values and
// missing keys are errors (22023).
RawObjects read_objects(Jsonb *jb, const char *argument, bool marks) {
    RawObjects out{nullptr, 0};
    if (jb == nullptr) return out;
    if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb)) bad_json(argument, "must be a JSON array of objects");
    const int n = static_cast<int>(JB_ROOT_COUNT(jb));
    out.items = static_cast<RawObject *>(palloc0(sizeof(RawObject) * static_cast<Size>(n + 1)));
    JsonbIterator *it = JsonbIteratorInit(&jb->root);
    JsonbValue v;
    JsonbIteratorToken tok;
    int depth = 0;
    RawObject *cur = nullptr;
    while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
        if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT) {
            ++depth;
            if (depth == 2 && tok == WJB_BEGIN_OBJECT && out.n < n) {
                cur = &out.items[out.n++];
                cur->value = NAN;
            } else if (depth >= 2) {
                bad_json(argument, "every element must be an object of strings and numbers");
            }
            continue;
        }
        if (tok == WJB_END_ARRAY || tok == WJB_END_OBJECT) {
            --depth;
            continue;
        }
        if (tok == WJB_ELEM) bad_json(argument, "every element must be an object");
        if (tok != WJB_KEY) continue;
        char *key = pnstrdup(v.val.string.val, v.val.string.len);
        tok = JsonbIteratorNext(&it, &v, true);
        if (tok != WJB_VALUE) bad_json(argument, "values must be strings or numbers");
        const char **slot = nullptr;
        if (marks) {
            if (strcmp(key, "ts") == 0) slot = &cur->ts;
            else if (strcmp(key, "severity") == 0) slot = &cur->severity;
            else if (strcmp(key, "label") == 0) slot = &cur->label;
            else if (strcmp(key, "value") != 0)
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("%s: invalid marks: unknown key \"%s\" (known: ts, severity, value, label)", kFunction, key)));
        } else {
            if (strcmp(key, "name") == 0) slot = &cur->name;
            else if (strcmp(key, "start") == 0) slot = &cur->start;
            else if (strcmp(key, "end") == 0) slot = &cur->end;
            else
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("%s: invalid events: unknown key \"%s\" (known: name, start, end)", kFunction, key)));
        }
        if (v.type == jbvNull) continue;
        if (slot == nullptr) {  // "value"
            if (v.type != jbvNumeric) bad_json(argument, "\"value\" must be a number");
            cur->value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
        } else {
            if (v.type != jbvString)
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("%s: invalid %s: \"%s\" must be a string", kFunction, argument, key)));
            *slot = pnstrdup(v.val.string.val, v.val.string.len);
        }
    }
    for (int i = 0; i < out.n; ++i) {
        const RawObject &o = out.items[i];
        if (marks && (o.ts == nullptr || o.severity == nullptr)) bad_json(argument, "every mark needs \"ts\" and \"severity\"");
        if (!marks && (o.name == nullptr || o.start == nullptr || o.end == nullptr))
            bad_json(argument, "every event needs \"name\", \"start\" and \"end\"");
    }
    return out;
}

// timestamp[] -> wall-clock seconds since 1970; infinite times become NaN
// (the core rejects them), NULL elements are an error.
anomaly_pg::Float8Vector read_timestamp_array(ArrayType *array) {
    if (ARR_ELEMTYPE(array) != TIMESTAMPOID)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("%s: ts must be a timestamp[]", kFunction)));
    anomaly_pg::Float8Vector out{nullptr, 0, 1};
    if (ARR_NDIM(array) == 0) return out;
    if (ARR_NDIM(array) != 1)
        ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("%s: ts must be one-dimensional", kFunction)));
    Datum *datums;
    bool *nulls;
    int n;
    deconstruct_array(array, TIMESTAMPOID, sizeof(Timestamp), true, TYPALIGN_DOUBLE, &datums, &nulls, &n);
    out.n = n;
    out.values = static_cast<double *>(palloc_extended(sizeof(double) * static_cast<Size>(n) + 1, MCXT_ALLOC_HUGE));
    constexpr double kEpochShift = static_cast<double>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    for (int i = 0; i < n; ++i) {
        if (nulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: ts must not contain NULL", kFunction)));
        const Timestamp t = DatumGetTimestamp(datums[i]);
        out.values[i] = TIMESTAMP_NOT_FINITE(t) ? NAN : static_cast<double>(t) / USECS_PER_SEC + kEpochShift;
    }
    return out;
}

anomaly_pg::Float8Vector optional_float8(FunctionCallInfo fcinfo, int arg, const char *name) {
    if (PG_ARGISNULL(arg)) return anomaly_pg::Float8Vector{nullptr, 0, 1};
    return anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(arg), kFunction, name);
}

const char *optional_text(FunctionCallInfo fcinfo, int arg) {
    return PG_ARGISNULL(arg) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

std::vector<double> to_vector(const anomaly_pg::Float8Vector &v) {
    return v.n > 0 ? std::vector<double>(v.values, v.values + v.n) : std::vector<double>();
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_svg_chart);

Datum anomaly_svg_chart(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: ts and value must not be NULL", kFunction)));
    const anomaly_pg::Float8Vector ts = read_timestamp_array(PG_GETARG_ARRAYTYPE_P(0));
    const anomaly_pg::Float8Vector value = anomaly_pg::read_float8_array(PG_GETARG_ARRAYTYPE_P(1), kFunction, "value");
    const anomaly_pg::Float8Vector expected = optional_float8(fcinfo, 2, "expected");
    const anomaly_pg::Float8Vector lower = optional_float8(fcinfo, 3, "lower");
    const anomaly_pg::Float8Vector upper = optional_float8(fcinfo, 4, "upper");
    const RawObjects marks = read_objects(PG_ARGISNULL(5) ? nullptr : PG_GETARG_JSONB_P(5), "marks", true);
    const RawObjects events = read_objects(PG_ARGISNULL(6) ? nullptr : PG_GETARG_JSONB_P(6), "events", false);
    const char *title = optional_text(fcinfo, 7);
    const char *subtitle = optional_text(fcinfo, 8);

    char *svg = nullptr;
    std::size_t svg_len = 0;
    anomaly_pg::run_core(kFunction, [&](anomaly::StopToken &stop) {
        std::free(svg);
        svg = nullptr;
        anomaly::ChartData d;
        d.t = to_vector(ts);
        d.value = to_vector(value);
        d.expected = to_vector(expected);
        d.lower = to_vector(lower);
        d.upper = to_vector(upper);
        for (int i = 0; i < marks.n; ++i) {
            const RawObject &o = marks.items[i];
            d.marks.push_back({anomaly::parse_wall_time(o.ts, "marks: ts"), o.value,
                               anomaly::parse_mark_severity(o.severity), o.label != nullptr ? o.label : ""});
        }
        for (int i = 0; i < events.n; ++i) {
            const RawObject &o = events.items[i];
            d.events.push_back({anomaly::parse_wall_time(o.start, "events: start"),
                                anomaly::parse_wall_time(o.end, "events: end"), o.name});
        }
        d.title = title;
        d.subtitle = subtitle;
        const std::string out = anomaly::render_svg_chart(d, stop);
        svg = static_cast<char *>(std::malloc(out.size() + 1));
        if (svg == nullptr) throw std::bad_alloc();
        std::memcpy(svg, out.data(), out.size());
        svg_len = out.size();
    });
    text *result = static_cast<text *>(palloc(VARHDRSZ + svg_len));
    SET_VARSIZE(result, VARHDRSZ + svg_len);
    std::memcpy(VARDATA(result), svg, svg_len);
    std::free(svg);
    PG_RETURN_TEXT_P(result);
}

}  // extern "C"
