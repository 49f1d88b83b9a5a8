#include "core/forecast_options.hpp"

#include "core/civil_calendar.hpp"
#include "core/errors.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace anomaly {

namespace {

[[noreturn]] void bad(const std::string &what) { throw InvalidParameter(what); }

// Reads exactly `width` digits at s[pos]; false if there are not.
bool digits(const std::string &s, std::size_t &pos, int width, int &out) {
    if (pos + static_cast<std::size_t>(width) > s.size()) return false;
    out = 0;
    for (int i = 0; i < width; ++i) {
        const char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(width);
    return true;
}

// Parses an offset at s[pos..]: "Z", "+HH", "+HH:MM", "+HHMM". False on error.
bool offset_at(const std::string &s, std::size_t pos, double &seconds) {
    if (pos == s.size()) return false;
    if (s.compare(pos, std::string::npos, "Z") == 0) {
        seconds = 0;
        return true;
    }
    const char sign = s[pos];
    if (sign != '+' && sign != '-') return false;
    ++pos;
    int hh = 0, mm = 0;
    if (!digits(s, pos, 2, hh)) return false;
    if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        if (!digits(s, pos, 2, mm)) return false;
    }
    if (pos != s.size() || hh > 15 || mm > 59) return false;
    seconds = (sign == '-' ? -1.0 : 1.0) * (hh * 3600.0 + mm * 60.0);
    return true;
}

}  // namespace

void validate(const ForecastOptions &o) {
    if (!(o.changepoint_prior_scale > 0) || !std::isfinite(o.changepoint_prior_scale) ||
        o.changepoint_prior_scale > 1e6)
        bad("changepoint_prior_scale must be a finite number > 0 (and at most 1e6)");
    if (o.n_changepoints < 0 || o.n_changepoints > 500) bad("n_changepoints must be between 0 and 500");
    if (!(o.changepoint_range > 0) || !(o.changepoint_range <= 1)) bad("changepoint_range must be in (0, 1]");
    if (!(o.changepoint_spacing >= 1.0 / 24) || !(o.changepoint_spacing <= 36525))
        bad("changepoint_spacing must be between 1/24 and 36525 days");
    if (o.weekly_order < 0 || o.weekly_order > 50)
        bad("weekly_seasonality must be true, false or a Fourier order between 0 and 50");
    if (o.yearly_order < 0 || o.yearly_order > 50)
        bad("yearly_seasonality must be true, false or a Fourier order between 0 and 50");
    if (!(o.seasonality_prior_scale > 0) || !(o.seasonality_prior_scale <= 1e6))
        bad("seasonality_prior_scale must be a number in (0, 1e6]");
    if (!(o.events_prior_scale > 0) || !(o.events_prior_scale <= 1e6))
        bad("events_prior_scale must be a number in (0, 1e6]");
    if (!(o.interval_width > 0) || !(o.interval_width < 1)) bad("interval_width must be in (0, 1)");
    if (!(o.level_smoothing >= 0) || !(o.level_smoothing < 1)) bad("level_smoothing must be in [0, 1)");
    if (o.refit_every < 1 || o.refit_every > 1000000) bad("refit_every must be between 1 and 1000000");
    if (o.min_history < 3 || o.min_history > 1000000) bad("min_history must be between 3 and 1000000");
    if (o.interval_history < kMinIntervalErrors || o.interval_history > 100000)
        bad("interval_history must be between " + std::to_string(kMinIntervalErrors) + " and 100000");
    if (!(std::fabs(o.utc_offset) <= 16 * 3600.0)) bad("time_zone offset must be within +/-16:00");
    if (o.event_names.size() > 200) bad("events: at most 200 distinct event names");
    if (o.events.size() > 10000) bad("events: at most 10000 ranges");
    for (const EventRange &e : o.events) {
        if (e.name_index < 0 || static_cast<std::size_t>(e.name_index) >= o.event_names.size())
            bad("events: range without a name");
        if (!(e.end > e.start)) bad("events: event \"" + o.event_names[static_cast<std::size_t>(e.name_index)] +
                                    "\" ends before it starts");
    }
}

double parse_utc_offset(const std::string &text) {
    if (text == "UTC" || text == "utc" || text == "Z") return 0;
    double seconds = 0;
    if (!offset_at(text, 0, seconds))
        bad("time_zone must be \"UTC\" or a fixed offset such as \"+02:00\" or \"-0530\", not \"" + text + "\"");
    return seconds;
}

double parse_event_time(const std::string &s, double utc_offset, bool *date_only, const std::string &what) {
    const std::string err = what + ": \"" + s + "\" is not a date (YYYY-MM-DD) or timestamp (YYYY-MM-DD HH:MM[:SS][+HH:MM])";
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
    if (!digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, mo) || pos >= s.size() ||
        s[pos++] != '-' || !digits(s, pos, 2, d))
        bad(err);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) bad(err);
    double frac = 0;
    *date_only = pos == s.size();
    if (!*date_only && (s[pos] == ' ' || s[pos] == 'T')) {
        ++pos;
        if (!digits(s, pos, 2, hh) || pos >= s.size() || s[pos++] != ':' || !digits(s, pos, 2, mi)) bad(err);
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            if (!digits(s, pos, 2, ss)) bad(err);
            if (pos < s.size() && s[pos] == '.') {
                double scale = 0.1;
                ++pos;
                if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') bad(err);
                while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                    frac += scale * (s[pos++] - '0');
                    scale /= 10;
                }
            }
        }
        if (hh > 23 || mi > 59 || ss > 59) bad(err);
    } else if (!*date_only) {
        bad(err);
    }
    double offset = utc_offset;
    if (pos < s.size() && !offset_at(s, pos, offset)) bad(err);
    const double local = static_cast<double>(days_from_civil(y, mo, d)) *
                             86400.0 +
                         hh * 3600.0 + mi * 60.0 + ss + frac;
    return local - offset;
}

void add_event(ForecastOptions &o, const std::string &name, const std::string &start, const std::string &end) {
    if (name.empty()) bad("events: every event needs a non-empty \"name\"");
    bool start_date = false, end_date = false;
    const double s = parse_event_time(start, o.utc_offset, &start_date, "events: \"" + name + "\" start");
    double e = parse_event_time(end, o.utc_offset, &end_date, "events: \"" + name + "\" end");
    if (end_date) e += 86400.0;  // a date as end covers that whole day
    int index = -1;
    for (std::size_t i = 0; i < o.event_names.size(); ++i)
        if (o.event_names[i] == name) index = static_cast<int>(i);
    if (index < 0) {
        index = static_cast<int>(o.event_names.size());
        o.event_names.push_back(name);
    }
    if (!(e > s)) bad("events: event \"" + name + "\" ends (" + end + ") before it starts (" + start + ")");
    o.events.push_back(EventRange{index, s, e});
}

int event_at(const std::vector<EventRange> &events, double t) {
    for (const EventRange &e : events)
        if (e.start <= t && t < e.end) return e.name_index;
    return -1;
}

std::string format_utc_timestamp(double seconds) {
    if (!std::isfinite(seconds)) return seconds > 0 ? "infinity" : "-infinity";
    const double whole = std::floor(seconds);
    const double frac = seconds - whole;
    const long long secs = static_cast<long long>(whole);
    long long days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    const CivilDate c = civil_from_days(days);
    const long long y = c.year;
    const unsigned m = static_cast<unsigned>(c.month), d = static_cast<unsigned>(c.day);
    char buf[64];
    const int hh = static_cast<int>(rem / 3600), mi = static_cast<int>(rem % 3600 / 60), ss = static_cast<int>(rem % 60);
    if (frac > 0) {
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d.%06d+00", y, m, d, hh, mi, ss,
                      static_cast<int>(std::lround(frac * 1e6)) % 1000000);
    } else {
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d+00", y, m, d, hh, mi, ss);
    }
    return buf;
}

}  // namespace anomaly
