// Text and time helpers of the SVG chart renderer (svg_chart.hpp): XML
// escaping, numbers with thousands separators, wall-clock times.
//
// Times are "wall clock" seconds: the seconds since 1970-01-01 00:00 of a
// calendar date and time of day, with no time zone (PostgreSQL's timestamp
// without time zone). Labels show them as they are.
#pragma once

#include "core/civil_calendar.hpp"
#include "core/no_postgres.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace anomaly {

// s with & < > " ' replaced by XML entities and the characters XML 1.0 forbids
// (C0 controls other than tab, newline, carriage return; bytes that are not
// UTF-8) replaced by U+FFFD.
std::string xml_escape(std::string_view s);

// At most max_chars characters (code points) of s; a longer s is cut to
// max_chars - 1 and ends with "…". max_chars < 1 gives "".
std::string truncate_text(std::string_view s, int max_chars);

// Number of code points of a UTF-8 string.
int text_length(std::string_view s);

// x with `decimals` digits after the point (0..9), "," between thousands,
// "-" for negatives, never "-0"; from 1e15 on in scientific notation with 3
// significant digits ("1.23e+20"). Non-finite x: "NaN", "Infinity", "-Infinity".
std::string format_number(double x, int decimals);

// A coordinate for SVG output: x rounded to one decimal, trailing ".0" dropped
// (12, 12.5, -3.2).
std::string format_coord(double x);

// Calendar fields of a wall-clock time.
struct CivilTime {
    int64_t year;
    int month;   // 1..12
    int day;     // 1..31
    int hour;    // 0..23
    int minute;  // 0..59
    double second;
    int weekday;  // 1 = Monday .. 7 = Sunday (ISO)
};

// Wall-clock seconds since 1970-01-01 (days: core/civil_calendar.hpp), and back.
CivilTime civil_from_seconds(double seconds);
double seconds_from_civil(int64_t year, int month, int day, int hour = 0, int minute = 0, double second = 0);

// "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.frac]]" or with a "T" between date and
// time -> wall-clock seconds. Throws InvalidParameter (naming `what`) for any
// other form, a field out of range, or a time zone offset.
double parse_wall_time(std::string_view text, const char *what);

// "Jan" .. "Dec".
const char *month_abbrev(int month);

// "2024-11-29" or "2024-11-29 14:30" (minutes shown unless the time is midnight).
std::string format_wall_time(double seconds);

}  // namespace anomaly
