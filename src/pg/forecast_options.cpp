#include "pg/forecast_options.hpp"

#include "core/errors.hpp"

#include <cmath>
#include <string>

extern "C" {
#include "utils/numeric.h"
}

namespace anomaly_pg {

namespace {

const char *copy_string(const JsonbValue &v) { return pnstrdup(v.val.string.val, v.val.string.len); }

void malformed_event(const char *function, const char *detail) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: invalid option events: %s", function, detail),
                    errhint("events is an array of objects such as "
                            "{\"name\": \"black_friday\", \"start\": \"2024-11-29\", \"end\": \"2024-12-02\"}.")));
}

// One element of the events array (a jbvBinary container).
RawEvent read_event(JsonbContainer *container, const char *function) {
    RawEvent e = {nullptr, nullptr, nullptr};
    if (!JsonContainerIsObject(container)) malformed_event(function, "every element must be an object");
    JsonbIterator *it = JsonbIteratorInit(container);
    JsonbValue v;
    JsonbIteratorToken tok;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok != WJB_KEY) continue;
        char *key = pnstrdup(v.val.string.val, v.val.string.len);
        JsonbIteratorNext(&it, &v, true);
        const char **slot = strcmp(key, "name") == 0    ? &e.name
                            : strcmp(key, "start") == 0 ? &e.start
                            : strcmp(key, "end") == 0   ? &e.end
                                                        : nullptr;
        if (slot == nullptr)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s: invalid option events: unknown key \"%s\" (known: name, start, end)", function, key)));
        if (v.type != jbvString)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s: invalid option events: \"%s\" must be a string", function, key)));
        *slot = copy_string(v);
    }
    if (e.name == nullptr || e.start == nullptr || e.end == nullptr)
        malformed_event(function, "every event needs \"name\", \"start\" and \"end\"");
    return e;
}

void read_events(JsonbContainer *container, RawForecastOptions &raw, const char *function) {
    if (!JsonContainerIsArray(container)) malformed_event(function, "must be an array");
    const int n = static_cast<int>(JsonContainerSize(container));
    raw.events = static_cast<RawEvent *>(palloc0(sizeof(RawEvent) * static_cast<Size>(n + 1)));
    JsonbIterator *it = JsonbIteratorInit(container);
    JsonbValue v;
    JsonbIteratorToken tok;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok != WJB_ELEM) continue;
        if (v.type != jbvBinary) malformed_event(function, "every element must be an object");
        if (raw.n_events < n) raw.events[raw.n_events++] = read_event(v.val.binary.data, function);
    }
}

}  // namespace

RawForecastOptions read_forecast_options(Jsonb *jb, const char *function) {
    RawForecastOptions raw = {nullptr, 0, nullptr, 0};
    if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: options must be a jsonb object", function),
                        errhint("For example '{\"interval_width\": 0.95, \"seasonality_mode\": \"multiplicative\"}'.")));
    const int n = static_cast<int>(JB_ROOT_COUNT(jb));
    raw.options = static_cast<RawOption *>(palloc0(sizeof(RawOption) * static_cast<Size>(n + 1)));
    JsonbIterator *it = JsonbIteratorInit(&jb->root);
    JsonbValue v;
    JsonbIteratorToken tok;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok != WJB_KEY || raw.n_options >= n) continue;
        RawOption &o = raw.options[raw.n_options++];
        o.key = copy_string(v);
        JsonbIteratorNext(&it, &v, true);
        switch (v.type) {
        case jbvNumeric:
            o.kind = OptionKind::number;
            o.number = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
            break;
        case jbvString:
            o.kind = OptionKind::string;
            o.text = copy_string(v);
            break;
        case jbvBool:
            o.kind = OptionKind::boolean;
            o.boolean = v.val.boolean;
            break;
        case jbvNull:
            o.kind = OptionKind::null;
            break;
        case jbvBinary:
            o.kind = JsonContainerIsArray(v.val.binary.data) ? OptionKind::array : OptionKind::object;
            if (strcmp(o.key, "events") == 0) read_events(v.val.binary.data, raw, function);
            break;
        default:
            o.kind = OptionKind::object;
            break;
        }
    }
    return raw;
}

namespace {

[[noreturn]] void bad(const RawOption &o, const std::string &what) {
    throw anomaly::InvalidParameter(std::string("option ") + o.key + " " + what);
}

double number(const RawOption &o) {
    if (o.kind != OptionKind::number) bad(o, "must be a number");
    return o.number;
}

int integer(const RawOption &o) {
    const double x = number(o);
    if (x != std::floor(x) || std::fabs(x) > 2e9) bad(o, "must be an integer");
    return static_cast<int>(x);
}

// Prophet's form: true (default order), false (off) or an order.
int seasonality(const RawOption &o, int default_order) {
    if (o.kind == OptionKind::boolean) return o.boolean ? default_order : 0;
    if (o.kind != OptionKind::number) bad(o, "must be true, false or a Fourier order");
    return integer(o);
}

}  // namespace

void build_forecast_options(const RawForecastOptions &raw, anomaly::ForecastOptions &out) {
    const anomaly::ForecastOptions defaults;
    bool has_events = false;
    for (int i = 0; i < raw.n_options; ++i) {
        const RawOption &o = raw.options[i];
        const std::string key = o.key;
        if (key == "changepoint_prior_scale") out.changepoint_prior_scale = number(o);
        else if (key == "n_changepoints") out.n_changepoints = integer(o);
        else if (key == "changepoint_range") out.changepoint_range = number(o);
        else if (key == "changepoint_spacing") out.changepoint_spacing = number(o);
        else if (key == "weekly_seasonality") out.weekly_order = seasonality(o, defaults.weekly_order);
        else if (key == "yearly_seasonality") out.yearly_order = seasonality(o, defaults.yearly_order);
        else if (key == "seasonality_prior_scale") out.seasonality_prior_scale = number(o);
        else if (key == "events_prior_scale") out.events_prior_scale = number(o);
        else if (key == "interval_width") out.interval_width = number(o);
        else if (key == "refit_every") out.refit_every = integer(o);
        else if (key == "level_smoothing") out.level_smoothing = number(o);
        else if (key == "min_history") out.min_history = integer(o);
        else if (key == "interval_history") out.interval_history = integer(o);
        else if (key == "seasonality_mode") {
            if (o.kind != OptionKind::string) bad(o, "must be \"additive\" or \"multiplicative\"");
            const std::string mode = o.text;
            if (mode == "multiplicative") out.multiplicative = true;
            else if (mode == "additive") out.multiplicative = false;
            else bad(o, "must be \"additive\" or \"multiplicative\", not \"" + mode + "\"");
        } else if (key == "time_zone") {
            if (o.kind != OptionKind::string) bad(o, "must be a string such as \"UTC\" or \"+02:00\"");
            out.utc_offset = anomaly::parse_utc_offset(o.text);
        } else if (key == "events") {
            if (o.kind != OptionKind::array) bad(o, "must be an array of {name, start, end} objects");
            has_events = true;
        } else {
            throw anomaly::InvalidParameter(
                "unknown option \"" + key +
                "\" (known: changepoint_prior_scale, n_changepoints, changepoint_range, changepoint_spacing, "
                "weekly_seasonality, yearly_seasonality, seasonality_mode, seasonality_prior_scale, "
                "events_prior_scale, interval_width, level_smoothing, refit_every, min_history, interval_history, time_zone, events)");
        }
    }
    // Events last: their times are read in the time_zone of the options.
    if (has_events)
        for (int i = 0; i < raw.n_events; ++i)
            anomaly::add_event(out, raw.events[i].name, raw.events[i].start, raw.events[i].end);
    anomaly::validate(out);
}

}  // namespace anomaly_pg
