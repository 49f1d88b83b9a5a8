// An SVG line chart of one metric for people: the values as a line (gaps
// where values are missing), the expected value (dashed) inside its normal
// range (shaded band), anomalies marked by severity, known events shaded and
// named, nice axes, title, subtitle and a legend. Fixed viewBox (900 x 360):
// the chart scales to any width. Behind anomaly.svg_chart and anomaly.plot_svg.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace anomaly {

enum class MarkSeverity { critical, warning, info, suppressed };

// "critical", "warning", "info", "suppressed"; anything else throws
// InvalidParameter.
MarkSeverity parse_mark_severity(std::string_view s);
const char *mark_severity_name(MarkSeverity s);
// The fill colour of a marker ("#d62728" for critical ...).
const char *mark_severity_colour(MarkSeverity s);

struct ChartMark {
    double t;         // wall-clock seconds (svg_chart_text.hpp)
    double value;     // NaN: the series value at t (bottom of the plot if none)
    MarkSeverity severity;
    std::string label;  // tooltip text, may be empty
};

struct ChartEvent {
    double start;  // wall-clock seconds, start < end
    double end;
    std::string name;
};

struct ChartData {
    std::vector<double> t;  // strictly increasing wall-clock seconds
    std::vector<double> value;  // same length as t; NaN/±Inf = missing (a gap)
    // Empty, or the same length as t; NaN = none at that point.
    std::vector<double> expected;
    std::vector<double> lower;
    std::vector<double> upper;
    std::vector<ChartMark> marks;
    std::vector<ChartEvent> events;
    std::string title;
    std::string subtitle;
};

// Layout constants, public for the tests.
constexpr double kChartWidth = 900;
constexpr double kChartHeight = 360;

// The chart as a standalone SVG document. Throws InvalidParameter for
// arrays of different lengths, times that are not finite and strictly
// increasing, or an event that ends before it starts. Marks and events
// outside the time range are left out; an empty series gives a chart that
// says "No data in this period".
std::string render_svg_chart(const ChartData &data, StopToken &stop);

}  // namespace anomaly
