#include "core/kpi_features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kDay = 86400;

enum Element {
    kValue, kLog1p, kMean7, kStd7, kMean30, kStd30, kWow, kMom, kZ7, kZ30,
    kDow, kDom, kMonthEnd, kQuarterEnd, kVolatility
};

struct Rows {
    std::vector<double> f;
    double at(std::size_t row, Element e) const { return f[row * kKpiFeatureCount + e]; }
};

Rows features(const std::vector<double> &v, const std::vector<std::int64_t> &t) {
    Rows r{std::vector<double>(v.size() * kKpiFeatureCount)};
    StopToken stop;
    kpi_features(v.data(), t.data(), v.size(), r.f.data(), stop);
    return r;
}

std::vector<std::int64_t> daily(std::int64_t first_day, std::size_t n) {
    std::vector<std::int64_t> t(n);
    for (std::size_t i = 0; i < n; ++i) t[i] = (first_day + static_cast<std::int64_t>(i)) * kDay;
    return t;
}

TEST(KpiFeatures, NamesInOrder) {
    EXPECT_STREQ(kpi_feature_name(0), "value");
    EXPECT_STREQ(kpi_feature_name(6), "wow_change");
    EXPECT_STREQ(kpi_feature_name(14), "volatility_30");
    EXPECT_EQ(kpi_feature_name(15), nullptr);
}

TEST(KpiFeatures, CivilCalendar) {
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
    const CivilDate d = civil_from_days(days_from_civil(2024, 2, 29));
    EXPECT_EQ(d.year, 2024);
    EXPECT_EQ(d.month, 2);
    EXPECT_EQ(d.day, 29);
    const CivilDate before = civil_from_days(-1);
    EXPECT_EQ(before.year, 1969);
    EXPECT_EQ(before.month, 12);
    EXPECT_EQ(before.day, 31);
    EXPECT_EQ(days_in_month(2024, 2), 29);
    EXPECT_EQ(days_in_month(1900, 2), 28);
    EXPECT_EQ(days_in_month(2000, 2), 29);
}

// Hand-computed on 9 days from Wed 2024-03-27 to Thu 2024-04-04.
TEST(KpiFeatures, HandComputedDailyRows) {
    const std::vector<double> v = {10, 12, 8, 10, -3, 0, 14, 15, 9};
    const auto r = features(v, daily(days_from_civil(2024, 3, 27), v.size()));
    // Row 0 (Wed 27 Mar): only itself.
    EXPECT_EQ(r.at(0, kValue), 10);
    EXPECT_DOUBLE_EQ(r.at(0, kLog1p), std::log(11.0));
    EXPECT_EQ(r.at(0, kMean7), 10);
    EXPECT_TRUE(std::isnan(r.at(0, kStd7)));
    EXPECT_TRUE(std::isnan(r.at(0, kZ7)));
    EXPECT_TRUE(std::isnan(r.at(0, kWow)));
    EXPECT_EQ(r.at(0, kDow), 3);
    EXPECT_EQ(r.at(0, kDom), 27);
    EXPECT_EQ(r.at(0, kMonthEnd), 0);
    // Row 2: mean {10,12,8} = 10, std = 2; z7 of 8 against {10,12}: mean 11,
    // std sqrt(2) -> -3/sqrt(2).
    EXPECT_DOUBLE_EQ(r.at(2, kMean7), 10);
    EXPECT_DOUBLE_EQ(r.at(2, kStd7), 2);
    EXPECT_DOUBLE_EQ(r.at(2, kZ7), -3 / std::sqrt(2.0));
    // Row 4 (Sun 31 Mar): month and quarter end; log1p of -3 = -log 4.
    EXPECT_EQ(r.at(4, kDow), 7);
    EXPECT_EQ(r.at(4, kMonthEnd), 1);
    EXPECT_EQ(r.at(4, kQuarterEnd), 1);
    EXPECT_DOUBLE_EQ(r.at(4, kLog1p), -std::log(4.0));
    // Row 7 (Wed 3 Apr): week-over-week against row 0: (15 - 10) / 10;
    // mean_7 over rows 1..7 = (12+8+10-3+0+14+15)/7 = 8.
    EXPECT_DOUBLE_EQ(r.at(7, kWow), 0.5);
    EXPECT_DOUBLE_EQ(r.at(7, kMean7), 8);
    EXPECT_DOUBLE_EQ(r.at(7, kMean30), (56.0 + 10) / 8);
    // Row 8 (Thu 4 Apr): against row 1 (12): -0.25. Row 5 had value 0: a
    // change against it would be undefined (checked below).
    EXPECT_DOUBLE_EQ(r.at(8, kWow), -0.25);
    // Volatility at row 2: changes log(13)-log(11), log(9)-log(13): sample std
    // of two numbers a, b = |a - b| / sqrt(2).
    const double a = std::log(13.0) - std::log(11.0), b = std::log(9.0) - std::log(13.0);
    EXPECT_DOUBLE_EQ(r.at(2, kVolatility), std::fabs(a - b) / std::sqrt(2.0));
    EXPECT_TRUE(std::isnan(r.at(1, kVolatility)));
}

TEST(KpiFeatures, ChangeAgainstZeroOrMissingIsUndefined) {
    std::vector<double> v(15, 5.0);
    v[1] = 0.0;
    v[2] = kNaN;
    const auto r = features(v, daily(0, v.size()));
    EXPECT_TRUE(std::isnan(r.at(8, kWow)));  // week ago was 0
    EXPECT_TRUE(std::isnan(r.at(9, kWow)));  // week ago was missing
    EXPECT_EQ(r.at(10, kWow), 0.0);
    // The missing row: value NaN, changes and z-scores NaN, rolling stats of
    // the others, calendar defined.
    EXPECT_TRUE(std::isnan(r.at(2, kValue)));
    EXPECT_TRUE(std::isnan(r.at(2, kLog1p)));
    EXPECT_TRUE(std::isnan(r.at(2, kZ7)));
    EXPECT_DOUBLE_EQ(r.at(2, kMean7), 2.5);
    EXPECT_EQ(r.at(2, kDow), 6);  // 1970-01-03 was a Saturday
}

TEST(KpiFeatures, InfinityIsMissingForStatistics) {
    std::vector<double> v = {1, 2, kInf, 4, -kInf};
    const auto r = features(v, daily(0, v.size()));
    EXPECT_EQ(r.at(2, kValue), kInf);
    EXPECT_EQ(r.at(2, kLog1p), kInf);
    EXPECT_EQ(r.at(4, kLog1p), -kInf);
    EXPECT_TRUE(std::isnan(r.at(2, kZ7)));
    EXPECT_DOUBLE_EQ(r.at(3, kMean7), 7.0 / 3);
    EXPECT_DOUBLE_EQ(r.at(4, kMean7), 7.0 / 3);
}

TEST(KpiFeatures, NearTheFloat8LimitOnlyTrueOverflowIsInfinite) {
    const std::vector<double> v = {1e308, 1e308, -1e308};
    const auto r = features(v, daily(0, v.size()));
    EXPECT_DOUBLE_EQ(r.at(1, kMean7), 1e308);
    EXPECT_EQ(r.at(1, kStd7), 0.0);
    EXPECT_DOUBLE_EQ(r.at(2, kMean7), 1e308 / 3);
    EXPECT_DOUBLE_EQ(r.at(2, kStd7), std::sqrt(4.0 / 3.0) * 1e308);  // sample std of {1, 1, -1} = sqrt(4/3)
    EXPECT_TRUE(std::isnan(r.at(2, kZ7)));                            // std of {1e308, 1e308} is 0
    std::vector<double> w(8, 1e308);
    w[0] = -1e308;
    EXPECT_DOUBLE_EQ(features(w, daily(0, w.size())).at(7, kWow), 2.0);  // (1e308 + 1e308) / 1e308
}

TEST(KpiFeatures, MonthOverMonthIsCalendarBasedWithClampedDay) {
    // 2023-12-31 .. 2024-03-31 daily, value = day index + 1.
    const std::int64_t first = days_from_civil(2023, 12, 31);
    const std::size_t n = static_cast<std::size_t>(days_from_civil(2024, 3, 31) - first + 1);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i + 1);
    const auto r = features(v, daily(first, n));
    // 2024-01-31 (row 31, value 32) against 2023-12-31 (value 1).
    EXPECT_DOUBLE_EQ(r.at(31, kMom), 31.0);
    // 2024-03-31 (last row) against 2024-02-29 (row 60, value 61): clamped.
    EXPECT_DOUBLE_EQ(r.at(n - 1, kMom), (static_cast<double>(n) - 61) / 61);
    // 2024-03-30 against 2024-02-29 too.
    EXPECT_DOUBLE_EQ(r.at(n - 2, kMom), (static_cast<double>(n - 1) - 61) / 61);
    EXPECT_EQ(r.at(n - 1, kQuarterEnd), 1);
    EXPECT_EQ(r.at(60, kMonthEnd), 1);  // 29 Feb 2024
    EXPECT_EQ(r.at(60, kQuarterEnd), 0);
}

TEST(KpiFeatures, HourlyWeekOverWeekIsTheSameHourLastWeek) {
    const std::size_t n = 24 * 8;
    std::vector<double> v(n);
    std::vector<std::int64_t> t(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = 100.0 + static_cast<double>(i);
        t[i] = static_cast<std::int64_t>(i) * 3600;
    }
    const auto r = features(v, t);
    EXPECT_TRUE(std::isnan(r.at(24 * 7 - 1, kWow)));
    EXPECT_DOUBLE_EQ(r.at(24 * 7 + 5, kWow), 168.0 / 105.0);
}

TEST(KpiFeatures, DuplicateTimesUseTheLastEarlierRow) {
    std::vector<double> v = {1, 2, 3, 3, 3, 3, 3, 3, 4};
    std::vector<std::int64_t> t = {0, 0, 1, 2, 3, 4, 5, 6, 7};
    for (auto &x : t) x *= kDay;
    const auto r = features(v, t);
    EXPECT_DOUBLE_EQ(r.at(8, kWow), 1.0);  // against 2, not 1
}

TEST(KpiFeatures, CausalAppendingRowsChangesNothingBefore) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> g(100, 10);
    std::vector<double> v(80);
    for (auto &x : v) x = g(rng);
    v[20] = kNaN;
    const auto t = daily(19000, v.size());
    const auto full = features(v, t);
    const std::vector<double> pv(v.begin(), v.begin() + 50);
    const std::vector<std::int64_t> pt(t.begin(), t.begin() + 50);
    const auto part = features(pv, pt);
    for (std::size_t i = 0; i < 50 * kKpiFeatureCount; ++i) {
        const double a = full.f[i], b = part.f[i];
        EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << i;
    }
}

}  // namespace
}  // namespace anomaly
