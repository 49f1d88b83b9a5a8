// Axis ticks of the SVG chart renderer (svg_chart.hpp): "nice" value ticks
// (steps of 1, 2 or 5 times a power of ten) and calendar-aligned time ticks
// whose labels follow the span (minutes/hours, days, weeks, months, years).
#pragma once

#include "core/no_postgres.hpp"

#include <string>
#include <vector>

namespace anomaly {

// The smallest step of the form {1, 2, 5} x 10^k that is >= raw (raw > 0).
double nice_step(double raw);

struct NumberTicks {
    double lo = 0;  // axis range: a multiple of step at or below the data minimum
    double hi = 1;  // ... and at or above the maximum
    double step = 1;
    int decimals = 0;  // digits after the point the labels need
    std::vector<double> values;  // lo, lo + step, ..., hi
};

// Ticks covering [min, max] with about `target` intervals (target >= 1). A
// degenerate range (min == max) is widened around the value; non-finite
// bounds give the range [0, 1].
NumberTicks nice_number_ticks(double min, double max, int target);

struct TimeTick {
    double t;             // wall-clock seconds (see svg_chart_text.hpp)
    std::string label;    // "14:00", "Nov 29", "Mar", "2024"
    std::string context;  // second line where the larger unit changes ("Nov 29", "2024"), else ""
};

struct TimeTicks {
    std::string unit;  // "minute", "hour", "day", "week", "month" or "year"
    double step_seconds = 0;  // nominal length of one step (months: 30.44 days)
    std::vector<TimeTick> ticks;
};

// Calendar-aligned ticks inside [t0, t1] (t0 < t1): the finest step among
// 1, 5, 15, 30 minutes; 1, 2, 3, 6, 12 hours; 1, 2 days; 1, 2 weeks (Mondays);
// 1, 2, 3, 6 months (first of the month); 1, 2, 5, 10, ... years that gives
// at most max_ticks ticks.
TimeTicks time_ticks(double t0, double t1, int max_ticks);

}  // namespace anomaly
