#include "core/svg_chart.hpp"

#include "core/errors.hpp"
#include "core/svg_chart_axes.hpp"
#include "core/svg_chart_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDay = 86400;

int count(const std::string &s, const std::string &needle) {
    int n = 0;
    for (std::size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    return n;
}

// The d attribute of the first element with class `cls`.
std::string path_of(const std::string &svg, const std::string &cls) {
    const std::size_t at = svg.find("class=\"" + cls + "\" d=\"");
    if (at == std::string::npos) return "<none>";
    const std::size_t start = svg.find("d=\"", at) + 3;
    return svg.substr(start, svg.find('"', start) - start);
}

std::string render(const ChartData &d) {
    StopToken stop;
    return render_svg_chart(d, stop);
}

// ---- numbers and ticks ----------------------------------------------------

TEST(SvgChartTicks, NiceStepIsTheSmallestOneTwoFiveAtOrAboveRaw) {
    EXPECT_DOUBLE_EQ(nice_step(19.4), 20);
    EXPECT_DOUBLE_EQ(nice_step(0.148), 0.2);
    EXPECT_DOUBLE_EQ(nice_step(2750.8), 5000);
    EXPECT_DOUBLE_EQ(nice_step(3), 5);
    EXPECT_DOUBLE_EQ(nice_step(1), 1);
    EXPECT_DOUBLE_EQ(nice_step(0.1), 0.1);
    EXPECT_DOUBLE_EQ(nice_step(0.2 / 2), 0.1);
    EXPECT_DOUBLE_EQ(nice_step(5.01), 10);
}

TEST(SvgChartTicks, RangeIsWidenedToMultiplesOfTheStep) {
    NumberTicks t = nice_number_ticks(0, 97, 5);
    EXPECT_DOUBLE_EQ(t.step, 20);
    EXPECT_DOUBLE_EQ(t.lo, 0);
    EXPECT_DOUBLE_EQ(t.hi, 100);
    EXPECT_EQ(t.values, (std::vector<double>{0, 20, 40, 60, 80, 100}));
    EXPECT_EQ(t.decimals, 0);

    t = nice_number_ticks(48123, 61877, 5);
    EXPECT_DOUBLE_EQ(t.step, 5000);
    EXPECT_EQ(t.values, (std::vector<double>{45000, 50000, 55000, 60000, 65000}));

    t = nice_number_ticks(0.13, 0.87, 5);
    EXPECT_DOUBLE_EQ(t.step, 0.2);
    EXPECT_DOUBLE_EQ(t.lo, 0);
    EXPECT_DOUBLE_EQ(t.hi, 1);
    EXPECT_EQ(t.values.size(), 6u);
    EXPECT_EQ(t.decimals, 1);

    t = nice_number_ticks(-3.2, 4.1, 5);
    EXPECT_DOUBLE_EQ(t.step, 2);
    EXPECT_DOUBLE_EQ(t.lo, -4);
    EXPECT_DOUBLE_EQ(t.hi, 6);
}

TEST(SvgChartTicks, DegenerateAndNonFiniteRanges) {
    NumberTicks t = nice_number_ticks(10, 10, 5);  // widened by 10 %: 9..11
    EXPECT_DOUBLE_EQ(t.step, 0.5);
    EXPECT_DOUBLE_EQ(t.lo, 9);
    EXPECT_DOUBLE_EQ(t.hi, 11);
    t = nice_number_ticks(0, 0, 5);
    EXPECT_DOUBLE_EQ(t.lo, -1);
    EXPECT_DOUBLE_EQ(t.hi, 1);
    t = nice_number_ticks(kNaN, 3, 5);
    EXPECT_DOUBLE_EQ(t.lo, 0);
    EXPECT_DOUBLE_EQ(t.hi, 1);
}

TEST(SvgChartTicks, ExtremeRangesStayFinite) {
    // Near-equal large values: widened, ticks distinct and increasing.
    NumberTicks t = nice_number_ticks(1e17, 1e17 + 1, 5);
    ASSERT_GE(t.values.size(), 2u);
    ASSERT_LE(t.values.size(), 12u);
    for (std::size_t i = 1; i < t.values.size(); ++i) EXPECT_GT(t.values[i], t.values[i - 1]);
    // The whole double range: clamped to +-1e300.
    t = nice_number_ticks(-1.7e308, 1.7e308, 5);
    EXPECT_TRUE(std::isfinite(t.lo));
    EXPECT_TRUE(std::isfinite(t.hi));
    EXPECT_LE(t.values.size(), 12u);
    EXPECT_EQ(format_number(1.234e20, 0), "1.23e+20");
    EXPECT_EQ(format_number(-2e300, 0), "-2.00e+300");
}

TEST(SvgChartText, NumbersHaveThousandsSeparators) {
    EXPECT_EQ(format_number(1234567.891, 2), "1,234,567.89");
    EXPECT_EQ(format_number(-1234, 0), "-1,234");
    EXPECT_EQ(format_number(999.96, 1), "1,000.0");
    EXPECT_EQ(format_number(123, 0), "123");
    EXPECT_EQ(format_number(-0.001, 2), "0.00");
    EXPECT_EQ(format_number(0.25, 1), "0.2");  // round half to even on the exact binary value
    EXPECT_EQ(format_number(kNaN, 1), "NaN");
    EXPECT_EQ(format_coord(12.04), "12");
    EXPECT_EQ(format_coord(-3.25), "-3.3");  // half away from zero
    EXPECT_EQ(format_coord(-0.01), "0");
}

TEST(SvgChartText, XmlEscapingCoversEntitiesControlsAndBadUtf8) {
    EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
    EXPECT_EQ(xml_escape("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(xml_escape("x\x01y"), "x\xEF\xBF\xBDy");
    EXPECT_EQ(xml_escape("x\xFFy"), "x\xEF\xBF\xBDy");
    EXPECT_EQ(xml_escape("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
    EXPECT_EQ(xml_escape("tab\tnl\n"), "tab\tnl\n");
    EXPECT_EQ(truncate_text("abcdef", 4), "abc\xE2\x80\xA6");
    EXPECT_EQ(truncate_text("\xC3\xA9\xC3\xA9\xC3\xA9", 3), "\xC3\xA9\xC3\xA9\xC3\xA9");
    EXPECT_EQ(truncate_text("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xE2\x80\xA6");
}

// ---- time -----------------------------------------------------------------

TEST(SvgChartTime, CivilDatesRoundTrip) {
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
    EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
    const CivilTime c = civil_from_seconds(seconds_from_civil(2024, 11, 29, 14, 30, 15));
    EXPECT_EQ(c.year, 2024);
    EXPECT_EQ(c.month, 11);
    EXPECT_EQ(c.day, 29);
    EXPECT_EQ(c.hour, 14);
    EXPECT_EQ(c.minute, 30);
    EXPECT_DOUBLE_EQ(c.second, 15);
    EXPECT_EQ(c.weekday, 5);  // a Friday
    EXPECT_EQ(civil_from_seconds(-1).year, 1969);
    EXPECT_EQ(civil_from_seconds(-1).day, 31);
}

TEST(SvgChartTime, ParsesWallClockTimesOnly) {
    EXPECT_DOUBLE_EQ(parse_wall_time("2024-02-29", "ts"), 19782 * kDay);
    EXPECT_DOUBLE_EQ(parse_wall_time("2024-02-29T14:30:15.5", "ts"), 19782 * kDay + 14 * 3600 + 30 * 60 + 15.5);
    EXPECT_DOUBLE_EQ(parse_wall_time("2024-02-29 14:30", "ts"), 19782 * kDay + 14 * 3600 + 30 * 60);
    EXPECT_THROW(parse_wall_time("2024-02-29T00:00:00+00:00", "ts"), InvalidParameter);
    EXPECT_THROW(parse_wall_time("2024-02-29T00:00:00Z", "ts"), InvalidParameter);
    EXPECT_THROW(parse_wall_time("2023-02-29", "ts"), InvalidParameter);
    EXPECT_THROW(parse_wall_time("2024-13-01", "ts"), InvalidParameter);
    EXPECT_THROW(parse_wall_time("yesterday", "ts"), InvalidParameter);
    EXPECT_EQ(format_wall_time(19782 * kDay), "2024-02-29");
    EXPECT_EQ(format_wall_time(19782 * kDay + 3600 * 9 + 60 * 5), "2024-02-29 09:05");
}

TEST(SvgChartTime, NinetyDaysGetFortnightlyMondays) {
    const TimeTicks t = time_ticks(19999 * kDay, (19999 + 89) * kDay, 9);  // 2024-10-03 .. 2024-12-31
    EXPECT_EQ(t.unit, "week");
    ASSERT_EQ(t.ticks.size(), 6u);
    EXPECT_DOUBLE_EQ(t.ticks[0].t, days_from_civil(2024, 10, 14) * kDay);
    EXPECT_EQ(t.ticks[0].label, "Oct 14");
    EXPECT_EQ(t.ticks[0].context, "2024");
    EXPECT_EQ(t.ticks[3].label, "Nov 25");
    EXPECT_EQ(t.ticks[3].context, "");
    EXPECT_EQ(t.ticks[5].label, "Dec 23");
    for (const TimeTick &k : t.ticks) EXPECT_EQ(civil_from_seconds(k.t).weekday, 1);
}

TEST(SvgChartTime, OneDayGetsHoursWithTheDateWhereItChanges) {
    const double d0 = seconds_from_civil(2024, 3, 1);
    const TimeTicks t = time_ticks(d0, d0 + kDay, 9);
    EXPECT_EQ(t.unit, "hour");
    ASSERT_EQ(t.ticks.size(), 9u);  // every 3 hours, both midnights included
    EXPECT_EQ(t.ticks[0].label, "00:00");
    EXPECT_EQ(t.ticks[0].context, "Mar 1");
    EXPECT_EQ(t.ticks[1].label, "03:00");
    EXPECT_EQ(t.ticks[1].context, "");
    EXPECT_EQ(t.ticks[8].label, "00:00");
    EXPECT_EQ(t.ticks[8].context, "Mar 2");
}

TEST(SvgChartTime, TwoYearsGetQuartersAndDecadesGetYears) {
    TimeTicks t = time_ticks(seconds_from_civil(2023, 1, 1), seconds_from_civil(2024, 12, 31), 9);
    EXPECT_EQ(t.unit, "month");
    ASSERT_EQ(t.ticks.size(), 8u);
    EXPECT_EQ(t.ticks[0].label, "Jan");
    EXPECT_EQ(t.ticks[0].context, "2023");
    EXPECT_EQ(t.ticks[1].label, "Apr");
    EXPECT_EQ(t.ticks[4].label, "Jan");
    EXPECT_EQ(t.ticks[4].context, "2024");
    t = time_ticks(seconds_from_civil(2000, 1, 1), seconds_from_civil(2020, 1, 1), 9);
    EXPECT_EQ(t.unit, "year");
    ASSERT_EQ(t.ticks.size(), 5u);
    EXPECT_EQ(t.ticks[1].label, "2005");
}

// ---- the chart --------------------------------------------------------------

ChartData three_points() {
    ChartData d;
    const double t0 = seconds_from_civil(2024, 1, 1);
    d.t = {t0, t0 + kDay, t0 + 2 * kDay};
    d.value = {10, 20, 15};
    d.title = "T";
    return d;
}

TEST(SvgChart, ThreePointsHaveExactCoordinates) {
    // y: ticks 10..20 step 2 map to 292 .. 64 (the plot spans 298..58, 6 px
    // inset); x: the plot spans 48..880, the points 54..874 (6 px inset).
    const std::string svg = render(three_points());
    EXPECT_EQ(path_of(svg, "series-line"), "M54,292 L464,64 L874,178");
    EXPECT_EQ(count(svg, "class=\"y-label\""), 6);
    EXPECT_NE(svg.find(">20</text>"), std::string::npos);
    EXPECT_EQ(svg.find("class=\"band\""), std::string::npos);
    EXPECT_EQ(svg.find("class=\"mark "), std::string::npos);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 900 360\"", 0), 0u);
    EXPECT_EQ(count(svg, "<svg"), 1);
    EXPECT_EQ(count(svg, "</svg>"), 1);
}

TEST(SvgChart, MissingValuesBreakTheLine) {
    ChartData d = three_points();
    d.value[1] = kNaN;  // 10 and 15 left: ticks 10..15 step 1
    EXPECT_EQ(path_of(render(d), "series-line"), "M54,292 M874,64");
}

TEST(SvgChart, BandIsOneClosedPolygonPerRun) {
    ChartData d = three_points();
    d.expected = {12, 14, 16};
    d.lower = {10, 10, kNaN};
    d.upper = {14, 20, kNaN};
    const std::string svg = render(d);
    EXPECT_EQ(path_of(svg, "band"), "M54,200.8 L464,64 L464,292 L54,292 Z");
    EXPECT_EQ(path_of(svg, "expected-line"), "M54,246.4 L464,200.8 L874,155.2");
    EXPECT_NE(svg.find(">normal range</text>"), std::string::npos);
}

TEST(SvgChart, MarksBySeverityInsideTheRangeOnly) {
    ChartData d = three_points();
    d.marks = {{d.t[1], kNaN, MarkSeverity::critical, "rule deviation"},
               {d.t[2], 15, MarkSeverity::warning, ""},
               {d.t[2] + 10 * kDay, 15, MarkSeverity::info, "outside"}};
    const std::string svg = render(d);
    EXPECT_EQ(count(svg, "class=\"mark "), 2);
    EXPECT_EQ(count(svg, "class=\"mark mark-critical\" cx=\"464\" cy=\"64\""), 1);  // at the series value
    EXPECT_EQ(count(svg, "class=\"mark mark-warning\" cx=\"874\" cy=\"178\""), 1);
    EXPECT_NE(svg.find("fill=\"#d62728\""), std::string::npos);
    // The legend names the severities shown, and only those.
    EXPECT_NE(svg.find(">critical</text>"), std::string::npos);
    EXPECT_NE(svg.find(">warning</text>"), std::string::npos);
    EXPECT_EQ(svg.find(">info</text>"), std::string::npos);
    EXPECT_NE(svg.find("<title>2024-01-02: 20.0 (critical) rule deviation</title>"), std::string::npos);
}

TEST(SvgChart, EventsAreShadedAndNamed) {
    ChartData d = three_points();
    d.events = {{d.t[0] + kDay / 2, d.t[1] + kDay / 2, "Sale & <promo>"},
                {d.t[2] + kDay, d.t[2] + 2 * kDay, "later"}};
    const std::string svg = render(d);
    EXPECT_EQ(count(svg, "class=\"event\""), 1);
    EXPECT_NE(svg.find("<rect class=\"event\" x=\"259\" y=\"58\" width=\"410\" height=\"240\""), std::string::npos);
    EXPECT_NE(svg.find(">Sale &amp; &lt;promo&gt;</text>"), std::string::npos);
    EXPECT_NE(svg.find(">known event</text>"), std::string::npos);
}

TEST(SvgChart, AllTextIsEscaped) {
    ChartData d = three_points();
    d.title = "Revenue <EU> & \"B2B\"";
    d.subtitle = "it's </svg>";
    const std::string svg = render(d);
    EXPECT_NE(svg.find("Revenue &lt;EU&gt; &amp; &quot;B2B&quot;"), std::string::npos);
    EXPECT_NE(svg.find("it&apos;s &lt;/svg&gt;"), std::string::npos);
    EXPECT_EQ(svg.find("<EU>"), std::string::npos);
    EXPECT_EQ(count(svg, "</svg>"), 1);
}

TEST(SvgChart, EmptyAndSinglePointCharts) {
    ChartData d;
    d.title = "nothing";
    std::string svg = render(d);
    EXPECT_NE(svg.find("No data in this period"), std::string::npos);
    EXPECT_EQ(svg.find("class=\"series-line\""), std::string::npos);
    d.t = {seconds_from_civil(2024, 1, 1)};
    d.value = {5};
    svg = render(d);
    EXPECT_EQ(path_of(svg, "series-line"), "M464,178");  // centred, a dot (round cap)
}

TEST(SvgChart, AbsurdValuesStillGiveAChart) {
    ChartData d = three_points();
    d.value = {1e300, -1e300, 5};
    const std::string svg = render(d);
    EXPECT_EQ(count(svg, "class=\"y-label\""), count(svg, "class=\"grid\""));
    EXPECT_LE(count(svg, "class=\"y-label\""), 12);
    d = three_points();
    d.t = {0, 0.25, 0.5};  // half a second
    EXPECT_NE(render(d).find("class=\"series-line\""), std::string::npos);
}

TEST(SvgChart, BadInputIsAnInvalidParameter) {
    ChartData d = three_points();
    d.value.pop_back();
    EXPECT_THROW(render(d), InvalidParameter);
    d = three_points();
    d.t[2] = d.t[1];
    EXPECT_THROW(render(d), InvalidParameter);
    d = three_points();
    d.lower = {1, 2};
    EXPECT_THROW(render(d), InvalidParameter);
    d = three_points();
    d.events = {{d.t[1], d.t[0], "backwards"}};
    EXPECT_THROW(render(d), InvalidParameter);
    EXPECT_THROW(parse_mark_severity("fatal"), InvalidParameter);
}

TEST(SvgChart, SameInputSameOutputAndDistinctClipIds) {
    ChartData a = three_points();
    ChartData b = three_points();
    b.title = "U";
    const std::string sa = render(a);
    EXPECT_EQ(sa, render(a));
    const auto id = [](const std::string &s) {
        const std::size_t p = s.find("clipPath id=\"") + 13;
        return s.substr(p, s.find('"', p) - p);
    };
    EXPECT_NE(id(sa), id(render(b)));
}

}  // namespace
}  // namespace anomaly
