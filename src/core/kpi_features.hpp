// The temporal features of a KPI series that users would otherwise engineer
// by hand (behind anomaly.kpi_features): one fixed-length feature row per
// point, computed causally from that point and the points before it.
//
// Element order (0-based here; SQL arrays are 1-based, names from
// kpi_feature_name / anomaly.kpi_feature_names()):
//   0 value          the value itself
//   1 log1p          sign(x) * log(1 + |x|)  (defined for negatives and 0)
//   2 mean_7         mean of the finite values among the last 7 rows (this one included)
//   3 std_7          sample standard deviation of the same (needs 2 finite values)
//   4 mean_30        as mean_7 over the last 30 rows
//   5 std_30         as std_7 over the last 30 rows
//   6 wow_change     (x - x_w) / |x_w|, x_w = the value of the row whose local
//                    wall-clock time is exactly 7 days earlier (calendar, not
//                    rows: the same hour last week for hourly data)
//   7 mom_change     (x - x_m) / |x_m|, x_m = the row at the same local time
//                    of day on the same day of the previous calendar month
//                    (day clamped to that month's last day: Mar 31 -> Feb 28/29)
//   8 zscore_7       (x - mean) / std of the finite values among the 7 rows
//                    before this one (this row excluded; needs 2 values, std > 0)
//   9 zscore_30      as zscore_7 against the 30 rows before this one
//  10 day_of_week    ISO: 1 = Monday ... 7 = Sunday (local date)
//  11 day_of_month   1 ... 31 (local date)
//  12 month_end      1 on the last day of the month, else 0
//  13 quarter_end    1 on Mar 31, Jun 30, Sep 30, Dec 31, else 0
//  14 volatility_30  sample standard deviation of the row-to-row changes of
//                    log1p (element 1) over the last 30 rows (29 changes
//                    between consecutive rows whose values are both finite;
//                    needs 2 changes): for large positive values, the
//                    volatility of relative changes
//
// Undefined elements are NaN (NULL in SQL). A non-finite value (NULL = NaN,
// ±Infinity) is missing: its row has value = the input (log1p = ±Infinity for
// ±Infinity), every change and z-score of it NaN, and it never enters the
// rolling statistics of any row; calendar elements are always defined.
// Several rows with the same local time: the week/month lookups use the last
// of them before the current row.
#pragma once

#include "core/cancellation.hpp"
#include "core/no_postgres.hpp"

#include <cstddef>
#include <cstdint>

namespace anomaly {

constexpr std::size_t kKpiFeatureCount = 15;

// The name of element i (0-based), e.g. "wow_change"; nullptr when i is out
// of range.
const char *kpi_feature_name(std::size_t i);

// A civil (proleptic Gregorian) date from days since 1970-01-01.
struct CivilDate {
    std::int64_t year;
    int month;  // 1..12
    int day;    // 1..31
};
CivilDate civil_from_days(std::int64_t days);
std::int64_t days_from_civil(std::int64_t year, int month, int day);
int days_in_month(std::int64_t year, int month);

// local_seconds[i]: the local wall-clock time of row i, in seconds since
// 1970-01-01 00:00 of that clock (the adapter converts timestamptz with the
// time zone the caller names). Rows are expected in time order but the
// result of a row depends only on the rows before it in the given order.
// out: n * kKpiFeatureCount doubles, row-major (row i at out + i*kKpiFeatureCount).
// O(30 n) time and O(n) extra memory (the week/month lookup table).
void kpi_features(const double *values, const std::int64_t *local_seconds, std::size_t n, double *out,
                  StopToken &stop);

}  // namespace anomaly
