#include "core/kpi_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace anomaly {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kSecondsPerDay = 86400;

const char *const kNames[kKpiFeatureCount] = {
    "value",     "log1p",       "mean_7",       "std_7",     "mean_30",     "std_30",
    "wow_change", "mom_change", "zscore_7",     "zscore_30", "day_of_week", "day_of_month",
    "month_end", "quarter_end", "volatility_30"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

double signed_log1p(double x) { return std::copysign(std::log1p(std::fabs(x)), x); }

// Mean and sample standard deviation of the finite values among xs[first..last).
struct Moments {
    std::size_t count;
    double mean;
    double std;  // NaN when count < 2
};

// Values near the float8 limit: the sums are taken of x / scale, so that
// only a result beyond double precision overflows (to ±Infinity).
Moments moments(const double *xs, std::size_t first, std::size_t last) {
    std::size_t count = 0;
    double largest = 0.0;
    for (std::size_t j = first; j < last; ++j)
        if (std::isfinite(xs[j])) {
            largest = std::max(largest, std::fabs(xs[j]));
            ++count;
        }
    Moments m{count, kNaN, kNaN};
    if (count == 0) return m;
    // scale = 1 in the usual case (exact sums), a power of two otherwise.
    const double scale = largest > 1e300 ? std::ldexp(1.0, std::ilogb(largest)) : 1.0;
    double sum = 0.0;
    for (std::size_t j = first; j < last; ++j)
        if (std::isfinite(xs[j])) sum += xs[j] / scale;
    const double mean = sum / static_cast<double>(count);
    m.mean = mean * scale;
    if (count >= 2) {
        double ss = 0.0;
        for (std::size_t j = first; j < last; ++j)
            if (std::isfinite(xs[j])) ss += (xs[j] / scale - mean) * (xs[j] / scale - mean);
        m.std = std::sqrt(ss / static_cast<double>(count - 1)) * scale;
    }
    return m;
}

double relative_change(double x, double reference) {
    if (!std::isfinite(x) || !std::isfinite(reference) || reference == 0.0) return kNaN;
    const double difference = x - reference;
    // Only when the difference overflows: the same quotient, taken apart.
    if (!std::isfinite(difference)) return x / std::fabs(reference) - std::copysign(1.0, reference);
    return difference / std::fabs(reference);
}

double zscore(double x, const Moments &m) {
    if (!std::isfinite(x) || !(m.std > 0.0)) return kNaN;
    return (x - m.mean) / m.std;
}

std::size_t window_start(std::size_t end, std::size_t width) { return end > width ? end - width : 0; }

// The local time on the same day of the previous month (day clamped).
std::int64_t month_ago(std::int64_t local_seconds) {
    const std::int64_t days = floor_div(local_seconds, kSecondsPerDay);
    const std::int64_t second_of_day = local_seconds - days * kSecondsPerDay;
    const CivilDate d = civil_from_days(days);
    std::int64_t year = d.year;
    int month = d.month - 1;
    if (month == 0) {
        month = 12;
        --year;
    }
    const int day = d.day < days_in_month(year, month) ? d.day : days_in_month(year, month);
    return days_from_civil(year, month, day) * kSecondsPerDay + second_of_day;
}

}  // namespace

const char *kpi_feature_name(std::size_t i) { return i < kKpiFeatureCount ? kNames[i] : nullptr; }

// Howard Hinnant's civil-date algorithms (public domain), proleptic Gregorian.
CivilDate civil_from_days(std::int64_t days) {
    const std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return CivilDate{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = floor_div(year, 400);
    const std::int64_t yoe = year - era * 400;
    const std::int64_t mp = month > 2 ? month - 3 : month + 9;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int days_in_month(std::int64_t year, int month) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

void kpi_features(const double *values, const std::int64_t *local_seconds, std::size_t n, double *out,
                  StopToken &stop) {
    // The last row (so far) at each local time, for the week/month lookups.
    std::unordered_map<std::int64_t, std::size_t> row_at;
    row_at.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        stop.poll();
        double *f = out + i * kKpiFeatureCount;
        const double x = values[i];
        f[0] = x;
        f[1] = std::isnan(x) ? kNaN : signed_log1p(x);

        const Moments m7 = moments(values, window_start(i + 1, 7), i + 1);
        const Moments m30 = moments(values, window_start(i + 1, 30), i + 1);
        f[2] = m7.mean;
        f[3] = m7.std;
        f[4] = m30.mean;
        f[5] = m30.std;

        const std::int64_t t = local_seconds[i];
        const auto week = row_at.find(t - 7 * kSecondsPerDay);
        f[6] = week == row_at.end() ? kNaN : relative_change(x, values[week->second]);
        const auto month = row_at.find(month_ago(t));
        f[7] = month == row_at.end() ? kNaN : relative_change(x, values[month->second]);

        f[8] = zscore(x, moments(values, window_start(i, 7), i));
        f[9] = zscore(x, moments(values, window_start(i, 30), i));

        const std::int64_t days = floor_div(t, kSecondsPerDay);
        const CivilDate d = civil_from_days(days);
        const bool month_end = d.day == days_in_month(d.year, d.month);
        f[10] = static_cast<double>(days + 3 - 7 * floor_div(days + 3, 7) + 1);  // 1970-01-01 was a Thursday (4)
        f[11] = d.day;
        f[12] = month_end ? 1.0 : 0.0;
        f[13] = month_end && d.month % 3 == 0 ? 1.0 : 0.0;

        // Volatility: changes of log1p between consecutive finite rows of the last 30.
        const std::size_t first = window_start(i + 1, 30);
        std::size_t count = 0;
        double sum = 0.0, ss = 0.0;
        for (int pass = 0; pass < 2; ++pass) {
            const double mean = count > 0 ? sum / static_cast<double>(count) : 0.0;
            for (std::size_t j = first + 1; j <= i; ++j) {
                if (!std::isfinite(values[j]) || !std::isfinite(values[j - 1])) continue;
                const double change = signed_log1p(values[j]) - signed_log1p(values[j - 1]);
                if (pass == 0) {
                    sum += change;
                    ++count;
                } else {
                    ss += (change - mean) * (change - mean);
                }
            }
        }
        f[14] = count >= 2 ? std::sqrt(ss / static_cast<double>(count - 1)) : kNaN;

        row_at[t] = i;
    }
}

}  // namespace anomaly
