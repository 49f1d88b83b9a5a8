#include "core/ensemble_explanation.hpp"

#include <cmath>
#include <cstdio>

namespace anomaly {

namespace {

const char *const kMinus = "\xE2\x88\x92";   // U+2212
const char *const kEnDash = "\xE2\x80\x93";  // U+2013
const char *const kSigma = "\xCF\x83";       // U+03C3

std::string with_separators(double magnitude) {
    char digits[64];
    std::snprintf(digits, sizeof digits, "%.0f", magnitude);
    const std::string d = digits;
    std::string out;
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
        out += d[i];
    }
    return out;
}

bool daily(double step) { return step >= 0.75 * 86400.0 && step <= 1.25 * 86400.0; }
bool sub_daily(double step) { return step > 0.0 && step < 0.75 * 86400.0; }

std::string when(const ExplanationInput &in) {
    if (daily(in.step)) return std::string(" for a ") + weekday_name(in.ts, in.utc_offset);
    if (sub_daily(in.step)) {
        const double local = in.ts + in.utc_offset;
        const long seconds_of_day = static_cast<long>(std::floor(local - 86400.0 * std::floor(local / 86400.0)));
        char hm[48];
        std::snprintf(hm, sizeof hm, "%02ld:%02ld", seconds_of_day / 3600, (seconds_of_day / 60) % 60);
        return std::string(" for a ") + weekday_name(in.ts, in.utc_offset) + " at " + hm;
    }
    return "";
}

// "revenue 42% below expected 1,230 (range 1,050–1,410)" or, without an
// expected value, "revenue 1,234".
std::string deviation(const EnsembleResult &r, const ExplanationInput &in) {
    std::string s = *in.name;
    if (std::isnan(r.expected)) return s + " " + format_readable(in.value);
    if (std::isfinite(r.deviation_pct) && in.value != r.expected) {
        char pct[32];
        std::snprintf(pct, sizeof pct, "%.0f%%", std::fabs(r.deviation_pct));
        s += std::string(" ") + pct + (in.value > r.expected ? " above" : " below");
    } else {
        s += " " + format_readable(in.value) + " vs";
    }
    s += " expected " + format_readable(r.expected);
    if (!std::isnan(r.lower) && !std::isnan(r.upper))
        s += " (range " + format_readable(r.lower) + kEnDash + format_readable(r.upper) + ")";
    return s;
}

std::string sigma(double z) {
    if (std::isinf(z)) return std::string(z < 0 ? kMinus : "+") + "\xE2\x88\x9E" + kSigma;
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", std::fabs(z));
    return std::string(z < 0 ? kMinus : "+") + b + kSigma;
}

// "drifting down for 6 days" when the drift layer alerts, or when its sum is
// half way to an alert after at least 3 points (one spike is not a drift).
std::string drift_context(const EnsembleResult &r, double step) {
    const DetectorScore &d = r.detectors[kDrift];
    if (!d.available || r.drift_direction == 0 || r.drift_run <= 0 || !(d.fired || (std::fabs(d.raw) >= 0.5 && r.drift_run >= 3))) return "";
    const char *unit = daily(step) ? "day" : (step >= 3000.0 && step <= 4200.0) ? "hour" : "point";
    char b[96];
    std::snprintf(b, sizeof b, "drifting %s for %d %s%s", r.drift_direction > 0 ? "up" : "down", r.drift_run, unit,
                  r.drift_run == 1 ? "" : "s");
    return b;
}

std::string fired_layers(const EnsembleResult &r) {
    std::string s;
    auto add = [&s](const std::string &part) { s += (s.empty() ? "" : ", ") + part; };
    const DetectorScore &f = r.detectors[kForecast], &t = r.detectors[kStl], &z = r.detectors[kRobustZ];
    if (f.fired) add("forecast interval breached");
    if (t.fired) add("STL residual " + sigma(t.raw));
    if (z.fired) add("robust z-score " + sigma(z.raw));
    const DetectorScore &i = r.detectors[kIforest];
    if (i.fired) {
        char b[64];
        std::snprintf(b, sizeof b, "unusual pattern (isolation score %.2f)", i.raw);
        add(b);
    }
    if (s.empty() && !r.detectors[kDrift].fired) {
        char b[64];
        std::snprintf(b, sizeof b, "combined score %.5f", r.score);
        add(std::string("no single detector beyond its threshold, ") + b);
    }
    return s;
}

}  // namespace

std::string format_readable(double x) {
    if (std::isnan(x)) return "NULL";
    if (std::isinf(x)) return x < 0 ? std::string(kMinus) + "Infinity" : "Infinity";
    const double a = std::fabs(x);
    std::string body;
    char b[64];
    if (std::round(a) >= 100.0) {
        body = with_separators(std::round(a));
    } else if (a >= 10.0) {
        std::snprintf(b, sizeof b, "%.1f", a);
        body = b;
    } else {
        std::snprintf(b, sizeof b, "%.3g", a);
        body = b;
    }
    const bool zero = body.find_first_not_of("0.,") == std::string::npos;
    return (x < 0 && !zero ? kMinus : "") + body;
}

const char *weekday_name(double t, double utc_offset) {
    static const char *const names[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};
    const double days = std::floor((t + utc_offset) / 86400.0);
    const long k = static_cast<long>(days - 7.0 * std::floor(days / 7.0));
    return names[k];
}

std::string explain(const EnsembleResult &r, const ExplanationInput &in) {
    if (!r.has_value) {
        std::string s = *in.name + " is missing";
        if (!std::isnan(r.expected)) s += " (expected " + format_readable(r.expected) + ")";
        return s;
    }
    if (in.event != nullptr)
        return deviation(r, in) + " during known event " + in.event + ": expected, not an anomaly";
    if (r.warming_up) {
        char b[96];
        std::snprintf(b, sizeof b, "warming up (%d of %d points), only the robust z-score speaks", in.points,
                      in.min_points);
        std::string s = *in.name + " " + format_readable(in.value) + ": " + b;
        if (r.is_anomaly) s += "; robust z-score " + sigma(r.detectors[kRobustZ].raw) + " beyond its threshold";
        return s;
    }
    if (r.new_level_run > 0) {
        char b[96];
        std::snprintf(b, sizeof b, "; the same deviation %d points in a row: a new level, no longer flagged",
                      r.new_level_run);
        return deviation(r, in) + b;
    }
    if (!r.is_anomaly) {
        std::string s = *in.name + " " + format_readable(in.value);
        if (!std::isnan(r.lower) && !std::isnan(r.upper) && in.value >= r.lower && in.value <= r.upper)
            return s + " within the expected range " + format_readable(r.lower) + kEnDash + format_readable(r.upper);
        if (!std::isnan(r.expected)) return deviation(r, in) + ": not an anomaly";
        return s + ": no anomaly";
    }
    const std::string drift = drift_context(r, in.step);
    return deviation(r, in) + when(in) + "; " + fired_layers(r) + (drift.empty() ? "" : ", " + drift);
}

}  // namespace anomaly
