#include "pg/ensemble_options.hpp"

#include "core/errors.hpp"

#include <cmath>
#include <string>

extern "C" {
#include "utils/numeric.h"
}

namespace anomaly_pg {

RawEnsembleOptions read_ensemble_options(Jsonb *jb, const char *function) {
    RawEnsembleOptions raw = {read_forecast_options(jb, function), nullptr, 0};
    JsonbValue v;
    if (getKeyJsonValueFromContainer(&jb->root, "weights", 7, &v) == nullptr || v.type != jbvBinary ||
        !JsonContainerIsObject(v.val.binary.data))
        return raw;  // absent, or not an object: build_ensemble_options says so
    JsonbContainer *container = v.val.binary.data;
    const int n = static_cast<int>(JsonContainerSize(container));
    raw.weights = static_cast<RawOption *>(palloc0(sizeof(RawOption) * static_cast<Size>(n + 1)));
    JsonbIterator *it = JsonbIteratorInit(container);
    JsonbIteratorToken tok;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok != WJB_KEY || raw.n_weights >= n) continue;
        RawOption &o = raw.weights[raw.n_weights++];
        o.key = pnstrdup(v.val.string.val, v.val.string.len);
        JsonbIteratorNext(&it, &v, true);
        if (v.type == jbvNumeric) {
            o.kind = OptionKind::number;
            o.number = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
        } else {
            o.kind = v.type == jbvString ? OptionKind::string : OptionKind::object;
        }
    }
    return raw;
}

namespace {

const char *const kKnown =
    "name, combine, k, threshold, z_threshold, forecast_threshold, stl_threshold, iforest_threshold, drift_decides, max_run, weights, "
    "step, period, min_points, lookback, quality_window, events, time_zone, seasonality_mode, interval_width, "
    "weekly_seasonality, yearly_seasonality, changepoint_prior_scale, n_changepoints, changepoint_range, "
    "changepoint_spacing, seasonality_prior_scale, events_prior_scale, level_smoothing, refit_every, interval_history";

// Keys handed to the seasonal forecast as they are.
const char *const kForecastKeys[] = {"events",           "time_zone",          "seasonality_mode",
                                     "interval_width",   "weekly_seasonality", "yearly_seasonality",
                                     "changepoint_prior_scale", "n_changepoints", "changepoint_range",
                                     "changepoint_spacing", "seasonality_prior_scale", "events_prior_scale",
                                     "level_smoothing",  "refit_every",        "interval_history"};

[[noreturn]] void bad(const std::string &key, const std::string &what) {
    throw anomaly::InvalidParameter("option " + key + " " + what);
}

double number(const RawOption &o, const std::string &key) {
    if (o.kind != OptionKind::number) bad(key, "must be a number");
    return o.number;
}

int integer(const RawOption &o, const std::string &key) {
    const double x = number(o, key);
    if (x != std::floor(x) || std::fabs(x) > 2e9) bad(key, "must be an integer");
    return static_cast<int>(x);
}

}  // namespace

// "1 day", "15 minutes", "2 hours", "1 week" or a number of seconds.
double step_option_seconds(const RawOption &o) {
    if (o.kind == OptionKind::number) return o.number;
    if (o.kind != OptionKind::string) bad("step", "must be a number of seconds or a text such as \"1 hour\"");
    const std::string text = o.text;
    char unit[32] = {0};
    double count = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), " %lf %31[a-z] %n", &count, unit, &used) < 2 ||
        static_cast<std::size_t>(used) != text.size())
        bad("step", "must be a number of seconds or a text such as \"1 hour\", not \"" + text + "\"");
    std::string u = unit;
    if (u.size() > 1 && u.back() == 's') u.pop_back();
    const double seconds = u == "second" ? 1 : u == "minute" ? 60 : u == "hour" ? 3600 : u == "day" ? 86400
                         : u == "week" ? 604800 : -1;
    if (seconds < 0) bad("step", "has an unknown unit \"" + std::string(unit) + "\" (second, minute, hour, day, week)");
    return count * seconds;
}

void build_ensemble_options(const RawEnsembleOptions &raw, anomaly::EnsembleOptions &out) {
    // The forecast's own keys go through its builder, in one list.
    RawForecastOptions forecast = raw.top;
    std::vector<RawOption> passed;
    for (int i = 0; i < raw.top.n_options; ++i) {
        const RawOption &o = raw.top.options[i];
        const std::string key = o.key;
        bool to_forecast = false;
        for (const char *k : kForecastKeys) to_forecast = to_forecast || key == k;
        if (to_forecast) {
            passed.push_back(o);
            if (key == "weekly_seasonality") out.weekly_seasonality_given = true;
            if (key == "seasonality_mode") out.seasonality_mode_given = true;
            continue;
        }
        if (key == "name") {
            if (o.kind != OptionKind::string) bad(key, "must be a string");
            out.name = o.text;
        } else if (key == "combine") {
            const std::string c = o.kind == OptionKind::string ? o.text : "";
            if (c == "weighted") out.combine = anomaly::Combine::weighted;
            else if (c == "k_of_n") out.combine = anomaly::Combine::k_of_n;
            else bad(key, "must be \"weighted\" or \"k_of_n\"");
        } else if (key == "k") out.k = integer(o, key);
        else if (key == "threshold") out.threshold = number(o, key);
        else if (key == "z_threshold") out.z_threshold = number(o, key);
        else if (key == "forecast_threshold") out.forecast_threshold = number(o, key);
        else if (key == "stl_threshold") out.stl_threshold = number(o, key);
        else if (key == "iforest_threshold") out.iforest_threshold = number(o, key);
        else if (key == "step") out.step = step_option_seconds(o);
        else if (key == "drift_decides") {
            if (o.kind != OptionKind::boolean) bad(key, "must be true or false");
            out.drift_decides = o.boolean;
        }
        else if (key == "period") out.period = integer(o, key);
        else if (key == "max_run") out.max_run = integer(o, key);
        else if (key == "min_points") out.min_points = integer(o, key);
        else if (key == "lookback") out.lookback = integer(o, key);
        else if (key == "quality_window") out.quality_window = integer(o, key);
        else if (key == "weights") {
            if (o.kind != OptionKind::object)
                bad(key, "must be an object such as {\"forecast\": 0.5, \"stl\": 0.3}");
            for (int w = 0; w < raw.n_weights; ++w) {
                const std::string name = raw.weights[w].key;
                int d = 0;
                while (d < anomaly::kDetectorCount && name != anomaly::kDetectorNames[d]) ++d;
                if (d == anomaly::kDetectorCount)
                    bad(key, "has an unknown detector \"" + name + "\" (known: robust_z, forecast, stl, iforest, drift)");
                out.weights[d] = number(raw.weights[w], "weights." + name);
            }
        } else {
            throw anomaly::InvalidParameter("unknown option \"" + key + "\" (known: " + kKnown + ")");
        }
    }
    forecast.options = passed.data();
    forecast.n_options = static_cast<int>(passed.size());
    build_forecast_options(forecast, out.forecast);
    anomaly::validate(out);
}

}  // namespace anomaly_pg
