#include "core/drift_series.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

constexpr double kDay = 86400.0;
constexpr double kMonday = 1704067200.0;  // 2024-01-01 00:00 UTC

std::vector<DriftPoint> run(const std::vector<double> &ts, const std::vector<double> &values,
                            const DriftSeriesOptions &options) {
    std::vector<DriftPoint> out(ts.size());
    StopToken stop;
    drift_score_series(ts.data(), values.data(), ts.size(), options, out.data(), stop);
    return out;
}

// Daily values with a weekly pattern and gaussian noise (seeded).
std::vector<double> daily_values(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 2.0);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = 100.0 + (i % 7 >= 5 ? -30.0 : 0.0) + noise(rng);
    return v;
}

std::vector<double> days(std::size_t n) {
    std::vector<double> t(n);
    for (std::size_t i = 0; i < n; ++i) t[i] = kMonday + kDay * static_cast<double>(i);
    return t;
}

int flags(const std::vector<DriftPoint> &out, std::size_t from, std::size_t to) {
    int f = 0;
    for (std::size_t i = from; i < to; ++i) f += out[i].alert;
    return f;
}

TEST(DriftSeries, ScaleWindowCoversTheBaseline) {
    EXPECT_EQ(drift_scale_window(7), 56);     // daily: 56 days, as the row form
    EXPECT_EQ(drift_scale_window(1), 56);
    EXPECT_EQ(drift_scale_window(168), 672);  // hourly: 4 weeks, not 56 hours
}

TEST(DriftSeries, DefaultPeriodFromTheStep) {
    EXPECT_EQ(drift_default_period(3600.0), 168);     // hourly: a week
    EXPECT_EQ(drift_default_period(900.0), 672);      // 15 minutes: a week
    EXPECT_EQ(drift_default_period(60.0), 1440);      // a minute: a week is 10,080 slots, so a day
    EXPECT_EQ(drift_default_period(kDay), 7);         // daily
    EXPECT_EQ(drift_default_period(7 * kDay), 1);     // weekly: non-seasonal
    EXPECT_EQ(drift_default_period(std::nan("")), 1);
}

// On daily data the series form is the row form over the grid with period 7.
TEST(DriftSeries, DailyEqualsTheRowFormWithPeriod7) {
    const auto v = daily_values(200, 1);
    const auto out = run(days(v.size()), v, DriftSeriesOptions{});
    DriftParams p;
    p.period = 7;
    std::vector<DriftPoint> rows(v.size());
    StopToken stop;
    drift_score(v.data(), nullptr, v.size(), p, rows.data(), stop);
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (std::isnan(rows[i].score)) {
            EXPECT_TRUE(std::isnan(out[i].score)) << i;
            continue;
        }
        EXPECT_EQ(out[i].score, rows[i].score) << i;
        EXPECT_EQ(out[i].alert, rows[i].alert) << i;
    }
}

// A campaign is not a drift: its rows carry no evidence and stay out of the
// baseline, so neither the campaign nor the weeks after it flag.
TEST(DriftSeries, KnownEventsAreLeftOut) {
    auto v = daily_values(200, 2);
    for (std::size_t i = 100; i < 110; ++i) v[i] *= 1.6;  // a 10-day campaign
    const auto t = days(v.size());
    const auto plain = run(t, v, DriftSeriesOptions{});
    EXPECT_GT(flags(plain, 100, 140), 0);  // without the event: a "drift" up, then down
    DriftSeriesOptions o;
    o.events.push_back(EventRange{0, t[100], t[110]});
    const auto with_event = run(t, v, o);
    EXPECT_EQ(flags(with_event, 100, 200), 0);
    for (std::size_t i = 100; i < 110; ++i) EXPECT_TRUE(std::isnan(with_event[i].score)) << i;
    for (std::size_t i = 0; i < 100; ++i)  // causal: the rows before the event are unchanged
        EXPECT_TRUE((std::isnan(plain[i].score) && std::isnan(with_event[i].score)) ||
                    with_event[i].score == plain[i].score) << i;
}

// Rows in any order, with a gap: each row gets the result of its time.
TEST(DriftSeries, RowOrderAndGaps) {
    auto v = daily_values(150, 3);
    auto t = days(v.size());
    t.erase(t.begin() + 60, t.begin() + 63);  // three missing days
    v.erase(v.begin() + 60, v.begin() + 63);
    const auto sorted = run(t, v, DriftSeriesOptions{});
    std::vector<std::size_t> perm(t.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = (i * 37) % perm.size();  // 37 is prime to 147
    std::vector<double> pt(t.size()), pv(t.size());
    for (std::size_t i = 0; i < perm.size(); ++i) pt[i] = t[perm[i]], pv[i] = v[perm[i]];
    const auto shuffled = run(pt, pv, DriftSeriesOptions{});
    for (std::size_t i = 0; i < perm.size(); ++i) {
        const double a = shuffled[i].score, b = sorted[perm[i]].score;
        EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << i;
    }
    // Row 60 is 2024-03-04 (day 63): its baseline is the median of days 56,
    // 49, 42 and 35 (rows 56, 49, 42, 35) -- the grid keeps the weekday.
    std::vector<double> same_day = {v[56], v[49], v[42], v[35]};
    std::sort(same_day.begin(), same_day.end());
    EXPECT_DOUBLE_EQ(sorted[60].expected, (same_day[1] + same_day[2]) / 2);
}

TEST(DriftSeries, HourlyDataGetsHPerDay) {
    // Flat hourly noise. The series form (h 5, 24 points a day) equals the
    // row form given h' = drift_h_per_point(5, 0.5, 24) = 8.16 directly,
    // period 168 and the 4-week scale window, on every row.
    std::mt19937_64 rng(4);
    std::normal_distribution<double> noise(0.0, 1.0);
    const std::size_t n = 24 * 7 * 12;
    std::vector<double> t(n), v(n);
    for (std::size_t i = 0; i < n; ++i) t[i] = kMonday + 3600.0 * static_cast<double>(i), v[i] = 50 + noise(rng);
    const auto out = run(t, v, DriftSeriesOptions{});
    DriftParams p;
    p.period = 168;
    p.scale_window = drift_scale_window(168);  // 672: 4 weeks of residuals
    p.h = drift_h_per_point(5.0, 0.5, 24.0);
    std::vector<DriftPoint> rows(n);
    StopToken stop;
    drift_score(v.data(), nullptr, n, p, rows.data(), stop);
    int scored = 0, flags = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(rows[i].score)) {
            EXPECT_TRUE(std::isnan(out[i].score)) << i;
            continue;
        }
        EXPECT_DOUBLE_EQ(out[i].score, rows[i].score) << i;
        EXPECT_EQ(out[i].alert, rows[i].alert) << i;
        ++scored;
        flags += rows[i].alert;
    }
    EXPECT_GT(scored, 1500);
    EXPECT_LE(flags, 1);  // noise: about one flag per 470 days at this h'
}

TEST(DriftSeries, BadInput) {
    const std::vector<double> t = {kMonday, kMonday + kDay, kMonday + kDay};
    const std::vector<double> v = {1, 2, 3};
    EXPECT_THROW(run(t, v, DriftSeriesOptions{}), DataError);  // two rows at one time
    DriftSeriesOptions o;
    o.step = -1;
    EXPECT_THROW(run(days(3), v, o), InvalidParameter);
    // NaN times get no score; an empty series is fine.
    const auto out = run({std::nan(""), kMonday}, {1, 2}, DriftSeriesOptions{});
    EXPECT_TRUE(std::isnan(out[0].score));
    EXPECT_TRUE(run({}, {}, DriftSeriesOptions{}).empty());
}

}  // namespace
}  // namespace anomaly
