#include "core/svg_chart.hpp"

#include "core/errors.hpp"
#include "core/svg_chart_axes.hpp"
#include "core/svg_chart_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>

namespace anomaly {

namespace {

constexpr const char *kFont = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif";
constexpr const char *kLineColour = "#1f3f73";
constexpr const char *kExpectedColour = "#5b7fa8";
constexpr const char *kBandColour = "#a6cbe8";
constexpr const char *kEventColour = "#f5b942";
constexpr const char *kEventText = "#8a5a00";
constexpr const char *kGridColour = "#e6e6e6";
constexpr const char *kAxisText = "#555555";

constexpr double kPlotTop = 58;
constexpr double kPlotBottom = kChartHeight - 62;  // x labels and legend below
constexpr double kPlotRightMargin = 20;
constexpr double kCharWidth = 6.6;  // average width of a 12px character

using Text = std::string;

bool finite(double x) { return std::isfinite(x); }

struct Scale {
    double d0, d1, r0, r1;
    double operator()(double x) const { return r0 + (x - d0) * (r1 - r0) / (d1 - d0); }
};

// FNV-1a over the inputs: a stable id suffix, so that several charts inline in
// one HTML page do not share their clipPath id.
uint64_t fingerprint(const ChartData &d) {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](const void *p, std::size_t n) {
        const auto *b = static_cast<const unsigned char *>(p);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
    };
    mix(d.title.data(), d.title.size());
    mix(d.subtitle.data(), d.subtitle.size());
    mix(d.t.data(), d.t.size() * sizeof(double));
    mix(d.value.data(), d.value.size() * sizeof(double));
    mix(d.expected.data(), d.expected.size() * sizeof(double));
    return h;
}

void validate(const ChartData &d) {
    const std::size_t n = d.t.size();
    if (d.value.size() != n)
        throw InvalidParameter("value has " + std::to_string(d.value.size()) + " elements, ts has " + std::to_string(n));
    const std::pair<const std::vector<double> *, const char *> optional[] = {
        {&d.expected, "expected"}, {&d.lower, "lower"}, {&d.upper, "upper"}};
    for (const auto &o : optional)
        if (!o.first->empty() && o.first->size() != n)
            throw InvalidParameter(std::string(o.second) + " has " + std::to_string(o.first->size()) +
                                   " elements, ts has " + std::to_string(n) + " (give NULL or one per point)");
    for (std::size_t i = 0; i < n; ++i) {
        if (!finite(d.t[i])) throw InvalidParameter("ts must not contain NULL or infinite times");
        if (i > 0 && !(d.t[i] > d.t[i - 1])) throw InvalidParameter("ts must be strictly increasing");
    }
    for (const ChartEvent &e : d.events)
        if (!finite(e.start) || !finite(e.end) || !(e.start < e.end))
            throw InvalidParameter("event \"" + e.name + "\" must end after it starts");
    for (const ChartMark &m : d.marks)
        if (!finite(m.t)) throw InvalidParameter("a mark needs a finite time");
}

double at(const std::vector<double> &v, std::size_t i) {
    return i < v.size() ? v[i] : std::numeric_limits<double>::quiet_NaN();
}

// The series value at exactly time t, NaN if none.
double value_at(const ChartData &d, double t) {
    auto it = std::lower_bound(d.t.begin(), d.t.end(), t);
    if (it == d.t.end() || *it != t) return std::numeric_limits<double>::quiet_NaN();
    return d.value[static_cast<std::size_t>(it - d.t.begin())];
}

// "M x,y L x,y ..." with a new subpath after every missing point.
std::string line_path(const std::vector<double> &t, const std::vector<double> &v, const Scale &x, const Scale &y,
                      StopToken &stop) {
    std::string p;
    bool pen_down = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        stop.poll();
        const double yi = at(v, i);
        if (!finite(yi)) {
            pen_down = false;
            continue;
        }
        if (!p.empty()) p += ' ';
        p += pen_down ? 'L' : 'M';
        p += format_coord(x(t[i])) + ',' + format_coord(y(yi));
        pen_down = true;
    }
    return p;
}

// One closed polygon per run of points with both bounds: upper forwards,
// lower backwards.
std::string band_path(const ChartData &d, const Scale &x, const Scale &y, StopToken &stop) {
    std::string p;
    std::size_t i = 0;
    const std::size_t n = d.t.size();
    while (i < n) {
        stop.poll();
        auto has = [&](std::size_t k) { return finite(at(d.lower, k)) && finite(at(d.upper, k)); };
        if (!has(i)) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j + 1 < n && has(j + 1)) ++j;
        if (!p.empty()) p += ' ';
        for (std::size_t k = i; k <= j; ++k)
            p += (k == i ? "M" : " L") + format_coord(x(d.t[k])) + ',' + format_coord(y(d.upper[k]));
        for (std::size_t k = j + 1; k-- > i;) p += " L" + format_coord(x(d.t[k])) + ',' + format_coord(y(d.lower[k]));
        p += " Z";
        i = j + 1;
    }
    return p;
}

std::string text_element(double x, double y, const std::string &cls, const std::string &attrs, std::string_view body) {
    return "<text class=\"" + cls + "\" x=\"" + format_coord(x) + "\" y=\"" + format_coord(y) + "\"" + attrs + ">" +
           xml_escape(body) + "</text>\n";
}

struct Range {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (!finite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return lo > hi; }
};

struct LegendItem {
    std::string kind;  // "line", "expected", "band", "event", or a severity name
    std::string label;
};

std::string legend(const std::vector<LegendItem> &items, double x0, double y) {
    std::string out = "<g class=\"legend\" font-size=\"12\" fill=\"" + std::string(kAxisText) + "\">\n";
    double x = x0;
    for (const LegendItem &it : items) {
        const std::string cx = format_coord(x), cy = format_coord(y - 4);
        if (it.kind == "line") {
            out += "<line x1=\"" + cx + "\" y1=\"" + cy + "\" x2=\"" + format_coord(x + 18) + "\" y2=\"" + cy +
                   "\" stroke=\"" + kLineColour + "\" stroke-width=\"2.2\"/>\n";
        } else if (it.kind == "expected") {
            out += "<line x1=\"" + cx + "\" y1=\"" + cy + "\" x2=\"" + format_coord(x + 18) + "\" y2=\"" + cy +
                   "\" stroke=\"" + kExpectedColour + "\" stroke-width=\"1.4\" stroke-dasharray=\"4 3\"/>\n";
        } else if (it.kind == "band") {
            out += "<rect x=\"" + cx + "\" y=\"" + format_coord(y - 10) + "\" width=\"18\" height=\"12\" fill=\"" +
                   kBandColour + "\" fill-opacity=\"0.6\"/>\n";
        } else if (it.kind == "event") {
            out += "<rect x=\"" + cx + "\" y=\"" + format_coord(y - 10) + "\" width=\"18\" height=\"12\" fill=\"" +
                   kEventColour + "\" fill-opacity=\"0.35\"/>\n";
        } else {
            const MarkSeverity s = parse_mark_severity(it.kind);
            const bool hollow = s == MarkSeverity::suppressed;
            out += std::string("<circle class=\"legend-mark\" cx=\"") + format_coord(x + 9) + "\" cy=\"" + cy +
                   "\" r=\"5\" fill=\"" + (hollow ? "#ffffff" : mark_severity_colour(s)) + "\" stroke=\"" +
                   (hollow ? mark_severity_colour(s) : "#ffffff") + "\" stroke-width=\"" + (hollow ? "2" : "1.5") +
                   "\"/>\n";
        }
        out += text_element(x + 24, y, "legend-label", "", it.label);
        x += 24 + text_length(it.label) * kCharWidth + 18;
    }
    return out + "</g>\n";
}

}  // namespace

MarkSeverity parse_mark_severity(std::string_view s) {
    if (s == "critical") return MarkSeverity::critical;
    if (s == "warning") return MarkSeverity::warning;
    if (s == "info") return MarkSeverity::info;
    if (s == "suppressed") return MarkSeverity::suppressed;
    throw InvalidParameter("severity must be critical, warning, info or suppressed, not \"" + std::string(s) + "\"");
}

const char *mark_severity_name(MarkSeverity s) {
    switch (s) {
    case MarkSeverity::critical: return "critical";
    case MarkSeverity::warning: return "warning";
    case MarkSeverity::info: return "info";
    case MarkSeverity::suppressed: return "suppressed";
    }
    return "";
}

const char *mark_severity_colour(MarkSeverity s) {
    switch (s) {
    case MarkSeverity::critical: return "#d62728";
    case MarkSeverity::warning: return "#ff8c00";
    case MarkSeverity::info: return "#8e44ad";
    case MarkSeverity::suppressed: return "#8c8c8c";
    }
    return "#000000";
}

std::string render_svg_chart(const ChartData &d, StopToken &stop) {
    validate(d);
    const std::size_t n = d.t.size();
    const std::string id = [&] {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fingerprint(d)));
        return std::string("plot-clip-") + buf;
    }();

    // Value range: the values, the band, the expected values and the marks.
    Range yr;
    for (std::size_t i = 0; i < n; ++i) {
        stop.poll();
        yr.add(d.value[i]);
        yr.add(at(d.expected, i));
        yr.add(at(d.lower, i));
        yr.add(at(d.upper, i));
    }
    const double t0 = n > 0 ? d.t.front() : 0, t1 = n > 0 ? d.t.back() : 0;
    for (const ChartMark &m : d.marks)
        if (n > 0 && m.t >= t0 && m.t <= t1) yr.add(m.value);
    const bool has_data = !yr.empty();
    // Known events are named along the top: leave them a little headroom.
    const bool events_shown = n > 0 && std::any_of(d.events.begin(), d.events.end(), [&](const ChartEvent &e) {
        return e.end >= t0 && e.start <= t1;
    });
    if (has_data && events_shown) yr.hi += 0.08 * std::max(yr.hi - yr.lo, std::fabs(yr.hi) * 0.1);
    const NumberTicks yt = has_data ? nice_number_ticks(yr.lo, yr.hi, 5) : nice_number_ticks(0, 1, 5);

    // Left margin: room for the widest value label.
    int widest = 1;
    for (double v : yt.values) widest = std::max(widest, text_length(format_number(v, yt.decimals)));
    const double left = std::min(260.0, std::max(48.0, 14 + widest * kCharWidth + 10));
    const double right = kChartWidth - kPlotRightMargin;

    // Time range: a single point (or none) gets half a day on each side.
    double x0 = t0, x1 = t1;
    if (!(x1 > x0)) {
        x0 -= 43200;
        x1 += 43200;
    }
    const Scale x{x0, x1, left + 6, right - 6};
    // Points keep 6 px off the frame, so that a marker at an extreme is whole.
    const Scale y{yt.lo, yt.hi, kPlotBottom - 6, kPlotTop + 6};

    std::string s;
    s.reserve(8192 + n * 40);
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 900 360\" width=\"900\" height=\"360\" "
         "role=\"img\" font-family=\"";
    s += kFont;
    s += "\">\n";
    s += "<title>" + xml_escape(d.title) + "</title>\n";
    s += "<defs><clipPath id=\"" + id + "\"><rect x=\"" + format_coord(left) + "\" y=\"" + format_coord(kPlotTop) +
         "\" width=\"" + format_coord(right - left) + "\" height=\"" + format_coord(kPlotBottom - kPlotTop) +
         "\"/></clipPath></defs>\n";
    s += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"900\" height=\"360\" fill=\"#ffffff\"/>\n";
    const int title_chars = static_cast<int>((kChartWidth - 32) / 9.2);
    s += text_element(16, 26, "chart-title", " font-size=\"17\" font-weight=\"600\" fill=\"#1a1a1a\"",
                      truncate_text(d.title, title_chars));
    if (!d.subtitle.empty())
        s += text_element(16, 45, "chart-subtitle", " font-size=\"12\" fill=\"#666666\"",
                          truncate_text(d.subtitle, static_cast<int>((kChartWidth - 32) / kCharWidth)));
    s += "<rect class=\"plot-area\" x=\"" + format_coord(left) + "\" y=\"" + format_coord(kPlotTop) + "\" width=\"" +
         format_coord(right - left) + "\" height=\"" + format_coord(kPlotBottom - kPlotTop) +
         "\" fill=\"#fcfcfd\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n";

    // Horizontal grid and value labels.
    s += "<g class=\"y-axis\" font-size=\"12\" fill=\"" + std::string(kAxisText) + "\" text-anchor=\"end\">\n";
    for (double v : yt.values) {
        const std::string yy = format_coord(y(v));
        s += "<line class=\"grid\" x1=\"" + format_coord(left) + "\" y1=\"" + yy + "\" x2=\"" + format_coord(right) +
             "\" y2=\"" + yy + "\" stroke=\"" + kGridColour + "\" stroke-width=\"1\"/>\n";
        s += text_element(left - 8, y(v) + 4, "y-label", "", format_number(v, yt.decimals));
    }
    s += "</g>\n";

    // Time ticks and labels (about one per 90 px).
    if (n > 0) {
        const TimeTicks tt = time_ticks(x0, x1, std::max(2, static_cast<int>((right - left) / 90)));
        s += "<g class=\"x-axis\" font-size=\"12\" fill=\"" + std::string(kAxisText) + "\" text-anchor=\"middle\" data-unit=\"" +
             tt.unit + "\">\n";
        for (const TimeTick &tick : tt.ticks) {
            const double xx = x(tick.t);
            s += "<line class=\"tick\" x1=\"" + format_coord(xx) + "\" y1=\"" + format_coord(kPlotBottom) + "\" x2=\"" +
                 format_coord(xx) + "\" y2=\"" + format_coord(kPlotBottom + 5) + "\" stroke=\"#999999\"/>\n";
            s += text_element(xx, kPlotBottom + 19, "x-label", "", tick.label);
            if (!tick.context.empty())
                s += text_element(xx, kPlotBottom + 34, "x-context", " font-weight=\"600\"", tick.context);
        }
        s += "</g>\n";
    }

    // Everything drawn over time is clipped to the plot area.
    s += "<g clip-path=\"url(#" + id + ")\">\n";
    std::vector<std::pair<double, double>> event_spans;  // to stack overlapping labels
    bool any_event = false;
    for (const ChartEvent &e : d.events) {
        if (n == 0 || e.end < x0 || e.start > x1) continue;
        any_event = true;
        const double ex0 = std::max(x(e.start), left), ex1 = std::min(x(e.end), right);
        s += "<rect class=\"event\" x=\"" + format_coord(ex0) + "\" y=\"" + format_coord(kPlotTop) + "\" width=\"" +
             format_coord(std::max(1.5, ex1 - ex0)) + "\" height=\"" + format_coord(kPlotBottom - kPlotTop) +
             "\" fill=\"" + kEventColour + "\" fill-opacity=\"0.28\"><title>" +
             xml_escape(e.name + ": " + format_wall_time(e.start) + " to " + format_wall_time(e.end)) + "</title></rect>\n";
        // Label rows: the first row whose earlier labels end before this one starts.
        const double width = text_length(e.name) * 6.0 + 4;
        const double lx = std::min(ex0 + 3, right - width);
        int row = 0;
        while (std::any_of(event_spans.begin(), event_spans.end(), [&](const std::pair<double, double> &sp) {
            return static_cast<int>(sp.second) == row && sp.first > lx;
        }))
            ++row;
        event_spans.emplace_back(lx + width, row);
        s += text_element(lx, kPlotTop + 14 + 13 * row, "event-label",
                          std::string(" font-size=\"11\" fill=\"") + kEventText + "\"", e.name);
    }
    const bool has_band = !d.lower.empty() && !d.upper.empty();
    const std::string band = has_band ? band_path(d, x, y, stop) : "";
    if (!band.empty())
        s += "<path class=\"band\" d=\"" + band + "\" fill=\"" + kBandColour + "\" fill-opacity=\"0.45\" stroke=\"none\"/>\n";
    const std::string expected = d.expected.empty() ? "" : line_path(d.t, d.expected, x, y, stop);
    if (!expected.empty())
        s += "<path class=\"expected-line\" d=\"" + expected + "\" fill=\"none\" stroke=\"" + kExpectedColour +
             "\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\"/>\n";
    const std::string line = line_path(d.t, d.value, x, y, stop);
    if (!line.empty())
        s += "<path class=\"series-line\" d=\"" + line + "\" fill=\"none\" stroke=\"" + kLineColour +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n";
    s += "</g>\n";

    // Anomaly markers, most severe drawn last (on top).
    bool present[4] = {false, false, false, false};
    std::vector<const ChartMark *> marks;
    for (const ChartMark &m : d.marks)
        if (n > 0 && m.t >= x0 && m.t <= x1) marks.push_back(&m);
    std::stable_sort(marks.begin(), marks.end(), [](const ChartMark *a, const ChartMark *b) {
        return static_cast<int>(a->severity) > static_cast<int>(b->severity);
    });
    s += "<g class=\"marks\">\n";
    for (const ChartMark *m : marks) {
        stop.poll();
        present[static_cast<int>(m->severity)] = true;
        double v = finite(m->value) ? m->value : value_at(d, m->t);
        const double yy = finite(v) ? y(v) : kPlotBottom - 6;
        const bool hollow = m->severity == MarkSeverity::suppressed;
        const char *colour = mark_severity_colour(m->severity);
        std::string tip = format_wall_time(m->t) + ": " + (finite(v) ? format_number(v, std::max(yt.decimals, 0) + 1) : "no value") +
                          " (" + mark_severity_name(m->severity) + ")";
        if (!m->label.empty()) tip += " " + m->label;
        s += std::string("<circle class=\"mark mark-") + mark_severity_name(m->severity) + "\" cx=\"" + format_coord(x(m->t)) +
             "\" cy=\"" + format_coord(yy) + "\" r=\"5.5\" fill=\"" + (hollow ? "#ffffff" : colour) + "\" stroke=\"" +
             (hollow ? colour : "#ffffff") + "\" stroke-width=\"" + (hollow ? "2.2" : "1.5") + "\"><title>" +
             xml_escape(tip) + "</title></circle>\n";
    }
    s += "</g>\n";

    if (!has_data)
        s += text_element((left + right) / 2, (kPlotTop + kPlotBottom) / 2, "no-data",
                          " font-size=\"15\" fill=\"#888888\" text-anchor=\"middle\"", "No data in this period");

    std::vector<LegendItem> items;
    items.push_back({"line", "value"});
    if (!expected.empty()) items.push_back({"expected", "expected"});
    if (!band.empty()) items.push_back({"band", "normal range"});
    for (MarkSeverity sev : {MarkSeverity::critical, MarkSeverity::warning, MarkSeverity::info, MarkSeverity::suppressed})
        if (present[static_cast<int>(sev)]) items.push_back({mark_severity_name(sev), mark_severity_name(sev)});
    if (any_event) items.push_back({"event", "known event"});
    s += legend(items, left, kChartHeight - 10);
    s += "</svg>\n";
    return s;
}

}  // namespace anomaly
