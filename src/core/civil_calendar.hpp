// Proleptic Gregorian calendar arithmetic on days since 1970-01-01, shared by
// every module that needs calendar fields (forecast phases, KPI features,
// chart axes). Howard Hinnant's algorithms (public domain).
#pragma once

#include "core/no_postgres.hpp"

#include <cstdint>

namespace anomaly {

struct CivilDate {
    std::int64_t year;
    int month;  // 1..12
    int day;    // 1..31
};

// Days since 1970-01-01 of a date, and back; exact for any int64 year range
// the callers use (they bound their inputs).
std::int64_t days_from_civil(std::int64_t year, int month, int day);
CivilDate civil_from_days(std::int64_t days);

bool is_leap_year(std::int64_t year);
int days_in_month(std::int64_t year, int month);

// ISO weekday of a day number: 1 = Monday .. 7 = Sunday.
int iso_weekday(std::int64_t days);

}  // namespace anomaly
