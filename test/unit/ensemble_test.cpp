#include "core/ensemble.hpp"

#include "core/ensemble_explanation.hpp"
#include "core/errors.hpp"
#include "core/score_calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDay = 86400.0;
// 2024-01-02, a Tuesday, 00:00 UTC.
constexpr double kTuesday = 1704153600.0;

std::vector<EnsembleResult> run(const std::vector<double> &ts, const std::vector<double> &v,
                                const EnsembleOptions &o = EnsembleOptions()) {
    StopToken stop;
    return ensemble_anomaly(ts.data(), v.data(), ts.size(), o, stop);
}

std::vector<double> days(std::size_t n, double start = kTuesday) {
    std::vector<double> t(n);
    for (std::size_t i = 0; i < n; ++i) t[i] = start + kDay * static_cast<double>(i);
    return t;
}

// Daily revenue: weekends at 60 %, a deterministic ±2 % wobble.
std::vector<double> weekly_series(std::size_t n) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const int weekday = static_cast<int>((i + 1) % 7);  // day 0 is a Tuesday: 1 = Tuesday ... 5 = Saturday
        const double level = (weekday == 5 || weekday == 6) ? 600.0 : 1000.0;
        v[i] = level * (1.0 + 0.02 * std::sin(1.7 * static_cast<double>(i) * static_cast<double>(i)));
    }
    return v;
}

TEST(EnsembleExplanation, ReadableNumbers) {
    EXPECT_EQ(format_readable(1230.0), "1,230");
    EXPECT_EQ(format_readable(1049.6), "1,050");
    EXPECT_EQ(format_readable(1234567.0), "1,234,567");
    EXPECT_EQ(format_readable(99.96), "100");
    EXPECT_EQ(format_readable(42.46), "42.5");
    EXPECT_EQ(format_readable(0.034567), "0.0346");
    EXPECT_EQ(format_readable(-5.1), "\xE2\x88\x92" "5.1");
    EXPECT_EQ(format_readable(0.0), "0");
    EXPECT_EQ(format_readable(kNaN), "NULL");
}

TEST(EnsembleExplanation, WeekdaysInLocalTime) {
    EXPECT_STREQ(weekday_name(kTuesday, 0), "Tuesday");
    EXPECT_STREQ(weekday_name(kTuesday + 3600, -7200), "Monday");
    EXPECT_STREQ(weekday_name(0, 0), "Thursday");  // 1970-01-01
    EXPECT_STREQ(weekday_name(-1, 0), "Wednesday");
}

TEST(EnsembleExplanation, TheIssueExample) {
    EnsembleResult r;
    r.has_row = r.has_value = r.is_anomaly = true;
    r.warming_up = false;
    r.expected = 1230;
    r.lower = 1050;
    r.upper = 1410;
    r.deviation_pct = 100.0 * (713.4 - 1230.0) / 1230.0;  // −42.0
    r.detectors[kForecast] = DetectorScore{true, true, -3.2, 0.99999};
    r.detectors[kStl] = DetectorScore{true, true, -5.1, 0.9999997};
    r.detectors[kRobustZ] = DetectorScore{true, false, -3.0, 0.997};
    r.detectors[kDrift] = DetectorScore{true, true, -1.2, 0.995};
    r.drift_direction = -1;
    r.drift_run = 6;
    const std::string name = "revenue";
    const ExplanationInput in{&name, 713.4, kTuesday + 3600, 0.0, kDay, 30, 200, nullptr};
    EXPECT_EQ(explain(r, in),
              "revenue 42% below expected 1,230 (range 1,050\xE2\x80\x93" "1,410) for a Tuesday; forecast interval "
              "breached, STL residual \xE2\x88\x92" "5.1\xCF\x83, drifting down for 6 days");
    // Hourly data names the hour; an event replaces the verdict.
    const ExplanationInput hourly{&name, 713.4, kTuesday + 14 * 3600, 0.0, 3600.0, 30, 200, nullptr};
    EXPECT_NE(explain(r, hourly).find("for a Tuesday at 14:00;"), std::string::npos);
    const ExplanationInput event{&name, 713.4, kTuesday, 0.0, kDay, 30, 200, "black_friday"};
    r.is_anomaly = false;
    EXPECT_EQ(explain(r, event), "revenue 42% below expected 1,230 (range 1,050\xE2\x80\x93" "1,410) during known "
                                 "event black_friday: expected, not an anomaly");
}

TEST(Ensemble, DefaultStlPeriodFromTheStep) {
    EXPECT_EQ(default_stl_period(3600), 24);
    EXPECT_EQ(default_stl_period(300), 288);
    EXPECT_EQ(default_stl_period(60), 0);  // 1,440 per day: beyond STL's 666
    EXPECT_EQ(default_stl_period(kDay), 7);
    EXPECT_EQ(default_stl_period(7 * kDay), 52);
    EXPECT_EQ(default_stl_period(30 * kDay), 12);
    EXPECT_EQ(default_stl_period(91 * kDay), 4);
    EXPECT_EQ(default_stl_period(kNaN), 0);
}

TEST(Ensemble, ColdStartOnlyTheRobustZScoreSpeaks) {
    // Nine values around 100, then 200: median 100; MAD 1 (σ 1.482580) and
    // inter-decile range: sorted 97 98 99 100 100 100 101 102 103, q10 at
    // position 0.8 = 97.8, q90 at 7.2 = 102.2, (102.2 − 97.8)/2.5631031 =
    // 1.716669 (the larger): z = 100/1.716669.
    const std::vector<double> v = {100, 102, 98, 101, 99, 100, 103, 97, 100, 200, 100};
    const auto r = run(days(v.size()), v);
    for (std::size_t i = 0; i < v.size(); ++i) {
        EXPECT_TRUE(r[i].warming_up);
        for (int d = kForecast; d < kDetectorCount; ++d) EXPECT_FALSE(r[i].detectors[d].available);
    }
    // Fewer than 7 values before: no score.
    EXPECT_FALSE(r[6].detectors[kRobustZ].available);
    EXPECT_FALSE(r[6].is_anomaly);
    const EnsembleResult &spike = r[9];
    EXPECT_NEAR(spike.detectors[kRobustZ].raw, 100.0 / (4.4 / 2.5631031), 1e-5);
    EXPECT_TRUE(spike.is_anomaly);
    EXPECT_EQ(spike.direction, 1);
    EXPECT_EQ(spike.severity, Severity::critical);
    EXPECT_DOUBLE_EQ(spike.expected, 100.0);
    EXPECT_NEAR(spike.lower, 100.0 - 4.0 * 4.4 / 2.5631031, 1e-9);
    EXPECT_DOUBLE_EQ(spike.deviation_pct, 100.0);
    EXPECT_NE(spike.explanation.find("warming up (10 of 30 points)"), std::string::npos);
    EXPECT_FALSE(r[10].is_anomaly);
}

TEST(Ensemble, WeekendsAreNotAnomaliesWhileWarmingUp) {
    const auto r = run(days(29), weekly_series(29));
    for (const auto &x : r) EXPECT_FALSE(x.is_anomaly) << x.explanation;
}

TEST(Ensemble, FindsTheOutageAndNotTheWeekends) {
    std::vector<double> v = weekly_series(150);
    v[120] *= 0.5;  // a weekday (day 120 is a Wednesday)
    const auto r = run(days(v.size()), v);
    std::vector<std::size_t> flagged;
    for (std::size_t i = 0; i < r.size(); ++i)
        if (r[i].is_anomaly) flagged.push_back(i);
    EXPECT_EQ(flagged, std::vector<std::size_t>{120});
    EXPECT_EQ(r[120].direction, -1);
    EXPECT_TRUE(r[120].detectors[kForecast].fired);
    EXPECT_NEAR(r[120].deviation_pct, -50.0, 5.0);
    EXPECT_EQ(r[120].explanation.rfind("value 49% below expected 1,000", 0), 0u) << r[120].explanation;
    EXPECT_NE(r[120].explanation.find("for a Wednesday"), std::string::npos);
}

// Without seasonality_mode the forecast is multiplicative when every value
// before the first row out of warm-up is > 0, else additive; a value <= 0
// later does not change it, and a given mode is kept.
TEST(Ensemble, SeasonalityModeFollowsTheWarmUpValues) {
    const std::vector<double> ts = days(120);
    EnsembleOptions multiplicative, additive;
    multiplicative.seasonality_mode_given = additive.seasonality_mode_given = true;
    multiplicative.forecast.multiplicative = true;
    additive.forecast.multiplicative = false;
    auto expected_of = [&](const std::vector<double> &v, const EnsembleOptions &o) {
        std::vector<double> e;
        for (const auto &x : run(ts, v, o)) e.push_back(x.expected);
        return e;
    };
    auto same = [](const std::vector<double> &a, const std::vector<double> &b) {
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
        return true;
    };
    std::vector<double> v = weekly_series(ts.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] *= 1.0 + 0.01 * static_cast<double>(i);  // growing: the modes differ
    ASSERT_FALSE(same(expected_of(v, multiplicative), expected_of(v, additive)));
    EXPECT_TRUE(same(expected_of(v, EnsembleOptions()), expected_of(v, multiplicative)));

    std::vector<double> later_zero = v;
    later_zero[60] = 0.0;  // after warm-up (30 points)
    EXPECT_TRUE(same(expected_of(later_zero, EnsembleOptions()), expected_of(later_zero, multiplicative)));

    std::vector<double> early_zero = v;
    early_zero[5] = 0.0;
    EXPECT_TRUE(same(expected_of(early_zero, EnsembleOptions()), expected_of(early_zero, additive)));
    std::vector<double> negative = v;
    negative[29] = -1.0;  // the 30th value: the first row out of warm-up
    EXPECT_TRUE(same(expected_of(negative, EnsembleOptions()), expected_of(negative, additive)));
}

TEST(Ensemble, ScoreIsTheWeightedCombinationOfTheCalibratedLayers) {
    std::vector<double> v = weekly_series(150);
    v[100] *= 1.3;
    EnsembleOptions o;
    const auto r = run(days(v.size()), v, o);
    int checked = 0;
    for (const auto &x : r) {
        if (x.warming_up || !x.has_value) continue;
        double s[kDetectorCount];
        bool available[kDetectorCount];
        for (int d = 0; d < kDetectorCount; ++d) {
            available[d] = x.detectors[d].available;
            s[d] = available[d] ? surprise(1.0 - x.detectors[d].calibrated) : kNaN;
        }
        EXPECT_NEAR(x.score, calibrated_from_surprise(weighted_surprise(s, o.weights, available, kDetectorCount)), 1e-12);
        const bool z = x.detectors[kRobustZ].fired;
        if (!z && x.event < 0 && !x.detectors[kDrift].fired) {
            EXPECT_EQ(x.is_anomaly, x.score >= o.threshold);
        }
        ++checked;
    }
    EXPECT_GT(checked, 100);
    EXPECT_TRUE(r[100].is_anomaly);
}

// Hourly data tests 24 points a day: once the forecast runs, threshold and
// z_threshold are per day, i.e. a point's tail probability must be 24 times
// smaller than on daily data.
TEST(Ensemble, SubDailyThresholdsArePerDay) {
    const std::size_t n = 24 * 56;
    std::vector<double> t(n), v(n);
    for (std::size_t i = 0; i < n; ++i) {
        t[i] = kTuesday + 3600.0 * static_cast<double>(i);
        const double hour = static_cast<double>(i % 24);
        v[i] = 100.0 + 30.0 * std::sin(2.0 * M_PI * hour / 24.0) +
               3.0 * std::sin(1.7 * static_cast<double>(i) * static_cast<double>(i));
    }
    // Spikes of growing size: some below, some beyond the per-day bar.
    for (int k = 0; k < 16; ++k) v[24 * 30 + 37 * static_cast<std::size_t>(k)] += 3.0 + 1.0 * k;
    v[n - 5] += 30.0;  // and one far beyond it
    EnsembleOptions o;
    const auto r = run(t, v, o);
    const double running_threshold = 1.0 - (1.0 - o.threshold) / 24.0;
    const double z_p = normal_two_sided_p(o.z_threshold) / 24.0;
    int checked = 0, flagged = 0, between = 0;
    for (const auto &x : r) {
        if (x.warming_up || !x.has_value) continue;
        const DetectorScore &z = x.detectors[kRobustZ];
        if (z.fired) {
            EXPECT_LE(1.0 - z.calibrated, z_p * (1.0 + 1e-9));
            EXPECT_GT(std::fabs(z.raw), 4.69);  // Φ⁻¹(1 − p(4)/48) = 4.697
        }
        if (!z.fired && !x.detectors[kDrift].fired) {
            EXPECT_EQ(x.is_anomaly, x.score >= running_threshold) << x.score;
            between += x.score >= o.threshold && x.score < running_threshold;
        }
        flagged += x.is_anomaly;
        ++checked;
    }
    EXPECT_GT(checked, 900);
    EXPECT_GT(flagged, 0);
    EXPECT_GT(between, 0);  // rows a daily series would have flagged
}

TEST(Ensemble, KOfNCountsFiredLayers) {
    std::vector<double> v = weekly_series(150);
    v[100] *= 1.3;
    v[130] *= 0.7;
    for (int k = 1; k <= 3; ++k) {
        EnsembleOptions o;
        o.combine = Combine::k_of_n;
        o.k = k;
        o.drift_decides = false;
        o.z_threshold = 1e6;  // so that only the count decides
        const auto r = run(days(v.size()), v, o);
        for (const auto &x : r) {
            if (x.warming_up || !x.has_value) continue;
            int fired = 0;
            for (const auto &d : x.detectors) fired += d.available && d.fired;
            EXPECT_EQ(x.is_anomaly, fired >= k);
        }
        // The +30 % day: forecast and STL fire (robust_z is switched off,
        // isolation forest and drift stay below theirs).
        EXPECT_EQ(r[100].is_anomaly, k <= 2) << k << ": " << detectors_json(r[100]);
    }
}

TEST(Ensemble, KnownEventsSuppressAndAreNamed) {
    std::vector<double> v = weekly_series(150);
    v[120] *= 0.5;
    EnsembleOptions o;
    add_event(o.forecast, "inventory day", "2024-05-01", "2024-05-01");  // day 120
    const auto r = run(days(v.size()), v, o);
    EXPECT_EQ(r[120].event, 0);
    EXPECT_FALSE(r[120].is_anomaly);
    EXPECT_NE(r[120].explanation.find("during known event inventory day"), std::string::npos) << r[120].explanation;
    for (const auto &x : r) EXPECT_FALSE(x.is_anomaly) << x.explanation;
}

TEST(Ensemble, CausalAppendingRowsNeverChangesEarlierResults) {
    std::vector<double> v = weekly_series(140), t = days(140);
    v[50] = kNaN;
    v[51] = kNaN;
    v[90] *= 1.6;
    t.erase(t.begin() + 70, t.begin() + 73);  // three days absent
    v.erase(v.begin() + 70, v.begin() + 73);
    const auto full = run(t, v);
    for (std::size_t cut : {31u, 60u, 100u}) {
        const auto part = run(std::vector<double>(t.begin(), t.begin() + cut), std::vector<double>(v.begin(), v.begin() + cut));
        for (std::size_t i = 0; i < cut; ++i) {
            EXPECT_EQ(part[i].explanation, full[i].explanation) << i;
            EXPECT_EQ(detectors_json(part[i]), detectors_json(full[i])) << i;
            if (std::isnan(full[i].score)) EXPECT_TRUE(std::isnan(part[i].score));
            else EXPECT_EQ(part[i].score, full[i].score) << i;
            EXPECT_EQ(part[i].data_quality, full[i].data_quality) << i;
        }
    }
}

TEST(Ensemble, MissingValuesAndGapsLowerDataQuality) {
    std::vector<double> t = days(10), v(10, 5.0);
    v[3] = kNaN;
    t.erase(t.begin() + 5);  // day 5 absent
    v.erase(v.begin() + 5);
    const auto r = run(t, v);
    EXPECT_FALSE(r[3].has_value);
    EXPECT_TRUE(std::isnan(r[3].score));
    EXPECT_EQ(r[3].explanation, "value is missing");
    // The last row (day 9): 10 slots, days 3 (NULL) and 5 (absent) not real.
    EXPECT_DOUBLE_EQ(r.back().data_quality, 0.8);
    EXPECT_DOUBLE_EQ(r[2].data_quality, 1.0);
    EXPECT_DOUBLE_EQ(r[3].data_quality, 0.75);
}

TEST(Ensemble, EdgeCases) {
    EXPECT_TRUE(run({}, {}).empty());
    const auto one = run({kTuesday}, {3.0});
    ASSERT_EQ(one.size(), 1u);
    EXPECT_TRUE(one[0].has_row && one[0].warming_up && !one[0].is_anomaly);
    const auto null_ts = run({kNaN, kTuesday}, {1.0, 2.0});
    EXPECT_FALSE(null_ts[0].has_row);
    EXPECT_TRUE(null_ts[1].has_row);
    // Rows out of order are judged in time order.
    const auto swapped = run({kTuesday + kDay, kTuesday}, {2.0, 1.0});
    EXPECT_EQ(swapped[0].explanation, "value 2: warming up (2 of 30 points), only the robust z-score speaks");
    EXPECT_THROW(run({kTuesday, kTuesday}, {1.0, 2.0}), DataError);
    EnsembleOptions bad;
    bad.threshold = 1.0;
    EXPECT_THROW(run({kTuesday}, {1.0}, bad), InvalidParameter);
    bad = EnsembleOptions();
    for (double &w : bad.weights) w = 0.0;
    EXPECT_THROW(run({kTuesday}, {1.0}, bad), InvalidParameter);
}

}  // namespace
}  // namespace anomaly

namespace anomaly {
namespace {

TEST(Ensemble, APersistentShiftIsFlaggedAtMostMaxRunTimes) {
    std::vector<double> v = weekly_series(160);
    for (std::size_t i = 120; i < v.size(); ++i) v[i] *= 1.6;
    EnsembleOptions o;
    o.max_run = 3;
    const auto r = run(days(v.size()), v, o);
    int flagged = 0, quiet = 0;
    for (std::size_t i = 120; i < r.size(); ++i) {
        flagged += r[i].is_anomaly;
        if (r[i].new_level_run > 0) {
            ++quiet;
            EXPECT_NE(r[i].explanation.find("a new level, no longer flagged"), std::string::npos) << r[i].explanation;
        }
    }
    EXPECT_TRUE(r[120].is_anomaly);
    EXPECT_LE(flagged, 3);
    EXPECT_GT(quiet, 0);
    o.max_run = 0;  // no limit: the run goes on
    const auto unlimited = run(days(v.size()), v, o);
    int unlimited_flagged = 0;
    for (std::size_t i = 120; i < r.size(); ++i) unlimited_flagged += unlimited[i].is_anomaly;
    EXPECT_EQ(unlimited_flagged, flagged + quiet);
}

}  // namespace
}  // namespace anomaly

#include "core/ensemble_layers.hpp"

namespace anomaly {
namespace {

TEST(EnsembleLayers, TrailingTailEmpiricalInTheBulkExponentialBeyond) {
    // History |1| .. |20|: N = 20, m = max(20/10, 5) = 5 top scores 16..20
    // over the threshold u = 15, mean excess e = (1+2+3+4+5)/5 = 3.
    std::vector<double> s;
    for (int i = 1; i <= 20; ++i) s.push_back(i % 2 ? i : -i);
    StopToken stop;
    std::vector<double> beyond = s, bulk = s;
    beyond.push_back(-24.0);
    bulk.push_back(10.0);
    const auto pb = trailing_tail_p(beyond, 720, 20, stop);
    const auto pm = trailing_tail_p(bulk, 720, 20, stop);
    for (std::size_t k = 0; k < 20; ++k) EXPECT_TRUE(std::isnan(pb[k]));
    EXPECT_NEAR(pb[20], 5.0 / 20.0 * std::exp(-(24.0 - 15.0) / 3.0), 1e-15);
    // Inside: (1 + #{≥ 10} = 11) / 21.
    EXPECT_DOUBLE_EQ(pm[20], 12.0 / 21.0);
    // A window of 10 keeps the last 10 (11..20): m = 5, u = 15, e = 3 again,
    // but N = 10.
    const auto pw = trailing_tail_p(beyond, 10, 10, stop);
    EXPECT_NEAR(pw[20], 5.0 / 10.0 * std::exp(-3.0), 1e-15);
}

}  // namespace
}  // namespace anomaly
