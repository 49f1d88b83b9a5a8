#include "core/svg_chart_axes.hpp"

#include "core/svg_chart_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace anomaly {

double nice_step(double raw) {
    if (!(raw > 0) || !std::isfinite(raw)) return 1;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        // A relative tolerance: 0.2 / 0.1 must pick 2, not 5.
        if (m * mag >= raw * (1 - 1e-9)) return m * mag;
    }
    return 10 * mag;
}

NumberTicks nice_number_ticks(double min, double max, int target) {
    if (target < 1) target = 1;
    if (!std::isfinite(min) || !std::isfinite(max)) {
        min = 0;
        max = 1;
    }
    if (min > max) std::swap(min, max);
    // Beyond +-1e300 the range itself would overflow.
    min = std::max(min, -1e300);
    max = std::min(max, 1e300);
    if (min == max) {
        const double pad = min == 0 ? 1 : std::fabs(min) * 0.1;
        min -= pad;
        max += pad;
    }
    // A range below double precision at its magnitude (1e17 .. 1e17 + 1) is
    // widened: its ticks could not be told apart.
    const double mag = std::max(std::fabs(min), std::fabs(max));
    if (max - min < mag * 1e-9) {
        min -= mag * 1e-9;
        max += mag * 1e-9;
    }
    NumberTicks t;
    t.step = nice_step((max - min) / target);
    const double k0 = std::floor(min / t.step + 1e-9);
    const double k1 = std::ceil(max / t.step - 1e-9);
    t.lo = k0 * t.step;
    t.hi = k1 * t.step;
    // (k1 - k0) <= 2 * target + 2: the step is at least the range / target.
    const auto count = static_cast<long>(k1 - k0);
    for (long i = 0; i <= count; ++i) {
        const double v = (k0 + static_cast<double>(i)) * t.step;
        t.values.push_back(v == 0 ? 0 : v);
    }
    t.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(t.step) + 1e-9)));
    return t;
}

namespace {

enum class Unit { minute, hour, day, week, month, year };

struct Step {
    Unit unit;
    int count;  // of the unit
};

double nominal_seconds(const Step &s) {
    switch (s.unit) {
    case Unit::minute: return 60.0 * s.count;
    case Unit::hour: return 3600.0 * s.count;
    case Unit::day: return 86400.0 * s.count;
    case Unit::week: return 7 * 86400.0 * s.count;
    case Unit::month: return 30.436875 * 86400.0 * s.count;
    case Unit::year: return 365.2425 * 86400.0 * s.count;
    }
    return 1;
}

const char *unit_name(Unit u) {
    switch (u) {
    case Unit::minute: return "minute";
    case Unit::hour: return "hour";
    case Unit::day: return "day";
    case Unit::week: return "week";
    case Unit::month: return "month";
    case Unit::year: return "year";
    }
    return "";
}

std::string month_day(const CivilTime &c) {
    return std::string(month_abbrev(c.month)) + " " + std::to_string(c.day);
}

// The tick times of one step inside [t0, t1].
std::vector<double> tick_times(const Step &s, double t0, double t1) {
    std::vector<double> out;
    if (s.unit == Unit::month || s.unit == Unit::year) {
        const int months = s.unit == Unit::month ? s.count : 12 * s.count;
        const CivilTime c = civil_from_seconds(t0);
        const int64_t m0 = c.year * 12 + (c.month - 1);
        // Month index aligned to the step (years: January of a multiple of
        // count), rounded down (floor division, also before year 0).
        int64_t m = (m0 >= 0 ? m0 / months : -((-m0 + months - 1) / months)) * months;
        for (;; m += months) {
            const int64_t y = m >= 0 ? m / 12 : -((-m + 11) / 12);
            const int mon = static_cast<int>(m - y * 12) + 1;
            const double t = seconds_from_civil(y, mon, 1);
            if (t > t1) break;
            if (t >= t0) out.push_back(t);
        }
        return out;
    }
    const double step = nominal_seconds(s);
    // Weeks start on Mondays: 1970-01-05 is day 4.
    const double origin = s.unit == Unit::week ? 4 * 86400.0 : 0;
    for (double k = std::ceil((t0 - origin) / step - 1e-9);; k += 1) {
        const double t = origin + k * step;
        if (t > t1) break;
        out.push_back(t);
    }
    return out;
}

}  // namespace

TimeTicks time_ticks(double t0, double t1, int max_ticks) {
    static const Step kSteps[] = {
        {Unit::minute, 1},  {Unit::minute, 5},  {Unit::minute, 15}, {Unit::minute, 30}, {Unit::hour, 1},
        {Unit::hour, 2},    {Unit::hour, 3},    {Unit::hour, 6},    {Unit::hour, 12},   {Unit::day, 1},
        {Unit::day, 2},     {Unit::week, 1},    {Unit::week, 2},    {Unit::month, 1},   {Unit::month, 2},
        {Unit::month, 3},   {Unit::month, 6},   {Unit::year, 1},    {Unit::year, 2},    {Unit::year, 5},
        {Unit::year, 10},   {Unit::year, 20},   {Unit::year, 50},   {Unit::year, 100},  {Unit::year, 200},
        {Unit::year, 500},  {Unit::year, 1000}};
    if (max_ticks < 2) max_ticks = 2;
    TimeTicks out;
    Step chosen = kSteps[sizeof kSteps / sizeof kSteps[0] - 1];
    std::vector<double> times;
    for (const Step &s : kSteps) {
        // Estimate first: a century at one tick a minute is never generated.
        if ((t1 - t0) / nominal_seconds(s) > max_ticks + 1) continue;
        std::vector<double> ts = tick_times(s, t0, t1);
        if (static_cast<int>(ts.size()) <= max_ticks) {
            chosen = s;
            times = std::move(ts);
            break;
        }
    }
    if (times.empty() && chosen.unit == Unit::year && chosen.count == 1000) times = tick_times(chosen, t0, t1);
    out.unit = unit_name(chosen.unit);
    out.step_seconds = nominal_seconds(chosen);
    CivilTime prev{};
    bool first = true;
    for (double t : times) {
        const CivilTime c = civil_from_seconds(t);
        TimeTick tick{t, "", ""};
        char buf[32];
        switch (chosen.unit) {
        case Unit::minute:
        case Unit::hour:
            std::snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
            tick.label = buf;
            if (first || c.day != prev.day || c.month != prev.month || c.year != prev.year) tick.context = month_day(c);
            break;
        case Unit::day:
        case Unit::week:
            tick.label = month_day(c);
            if (first || c.year != prev.year) tick.context = std::to_string(c.year);
            break;
        case Unit::month:
            tick.label = month_abbrev(c.month);
            if (first || c.year != prev.year) tick.context = std::to_string(c.year);
            break;
        case Unit::year:
            tick.label = std::to_string(c.year);
            break;
        }
        out.ticks.push_back(tick);
        prev = c;
        first = false;
    }
    return out;
}

}  // namespace anomaly
