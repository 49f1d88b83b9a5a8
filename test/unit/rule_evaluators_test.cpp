#include "core/rule_evaluators.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kDay = 86400LL * 1000000LL;

// A series of one point per day and the columns of its rows.
struct Fixture {
    std::vector<std::int64_t> times;
    std::vector<double> values;
    std::vector<double> value, expected, lower, upper, score;
    std::vector<std::int8_t> is_anomaly;
    RuleSeries series{};
    RuleRows rows{};

    explicit Fixture(std::vector<double> v, std::size_t first = 0) : values(std::move(v)) {
        for (std::size_t i = 0; i < values.size(); ++i) times.push_back(static_cast<std::int64_t>(i) * kDay);
        const std::size_t n = values.size() - first;
        value.assign(n, -1);
        expected.assign(n, -1);
        lower.assign(n, -1);
        upper.assign(n, -1);
        score.assign(n, -1);
        is_anomaly.assign(n, 7);
        series = RuleSeries{times.data(), values.data(), values.size(), first};
        rows = RuleRows{value.data(), expected.data(), lower.data(), upper.data(), score.data(), is_anomaly.data()};
    }
};

TEST(RuleEvaluators, MinScoresFiniteValuesOnly) {
    Fixture f({5, 1, kNaN, kInf});
    evaluate_min(f.series, ThresholdParams{2}, f.rows);
    EXPECT_EQ(f.expected[0], 2);
    EXPECT_EQ(f.lower[0], 2);
    EXPECT_TRUE(std::isnan(f.upper[0]));
    EXPECT_EQ(f.score[0], 3);
    EXPECT_EQ(f.is_anomaly[0], 0);
    EXPECT_EQ(f.score[1], -1);
    EXPECT_EQ(f.is_anomaly[1], 1);
    EXPECT_TRUE(std::isnan(f.score[2]));
    EXPECT_EQ(f.is_anomaly[2], kNullBool);
    EXPECT_EQ(f.value[3], kInf);
    EXPECT_EQ(f.is_anomaly[3], kNullBool);
}

TEST(RuleEvaluators, MaxReturnsOnlyRowsFromFirst) {
    Fixture f({1, 9, 3}, 1);
    evaluate_max(f.series, ThresholdParams{4}, f.rows);
    ASSERT_EQ(f.score.size(), 2u);
    EXPECT_EQ(f.upper[0], 4);
    EXPECT_TRUE(std::isnan(f.lower[0]));
    EXPECT_EQ(f.score[0], 5);
    EXPECT_EQ(f.is_anomaly[0], 1);
    EXPECT_EQ(f.is_anomaly[1], 0);
}

TEST(RuleEvaluators, ZeroDayByHand) {
    // lookback 2. Point 0: no history -> expected NULL, not anomalous (false).
    // Point 2 (0): mean(4, 2) = 3 > 0 -> anomaly, score (0-3)/3 = -1.
    // Point 3 (NaN): NULL row. Point 4 (0): history 2, 0 -> mean 1 -> anomaly.
    Fixture f({4, 2, 0, kNaN, 0});
    StopToken stop;
    evaluate_zero_day(f.series, ZeroDayParams{2}, f.rows, stop);
    EXPECT_TRUE(std::isnan(f.expected[0]));
    EXPECT_EQ(f.is_anomaly[0], 0);
    EXPECT_EQ(f.expected[1], 4);
    EXPECT_EQ(f.score[1], -0.5);
    EXPECT_EQ(f.is_anomaly[1], 0);
    EXPECT_EQ(f.expected[2], 3);
    EXPECT_EQ(f.score[2], -1);
    EXPECT_EQ(f.is_anomaly[2], 1);
    EXPECT_EQ(f.is_anomaly[3], kNullBool);
    EXPECT_EQ(f.expected[4], 1);
    EXPECT_EQ(f.is_anomaly[4], 1);
}

TEST(RuleEvaluators, MissingDataGapsAgainstNextPointAndAsOf) {
    Fixture f({1, 2, 3});
    f.times = {0, 1 * kDay, 4 * kDay};
    f.series.times = f.times.data();
    MissingDataParams p;
    p.frequency_us = kDay;
    p.max_gap_span = static_cast<__int128>(2) * kDay;  // 2 periods
    p.as_of = 7 * kDay + kDay / 2;
    evaluate_missing_data(f.series, p, f.rows);
    EXPECT_EQ(f.score[0], -1);
    EXPECT_EQ(f.is_anomaly[0], 0);
    EXPECT_EQ(f.score[1], -3);
    EXPECT_EQ(f.is_anomaly[1], 1);
    EXPECT_EQ(f.score[2], -3.5);
    EXPECT_EQ(f.is_anomaly[2], 1);
    EXPECT_TRUE(std::isnan(f.expected[2]));
}

TEST(RuleEvaluators, ZscoreByHand) {
    // The monitoring_methods story: lookback 4 = min_history. Day 5 (index 4)
    // against 1, 2, 3, 4: mean 2.5, stddev sqrt(5/3); day 6 against 2, 3, 4, 10.
    Fixture f({1, 2, 3, 4, 10, 4});
    StopToken stop;
    evaluate_zscore(f.series, WindowParams{3, 4, 4}, f.rows, stop);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(f.is_anomaly[i], kNullBool) << i;
    EXPECT_DOUBLE_EQ(f.expected[4], 2.5);
    EXPECT_NEAR(f.score[4], 7.5 / std::sqrt(5.0 / 3.0), 1e-12);
    EXPECT_NEAR(f.upper[4], 2.5 + 3 * std::sqrt(5.0 / 3.0), 1e-12);
    EXPECT_EQ(f.is_anomaly[4], 1);
    EXPECT_DOUBLE_EQ(f.expected[5], 4.75);
    EXPECT_NEAR(f.score[5], -0.75 / std::sqrt(38.75 / 3.0), 1e-12);
    EXPECT_EQ(f.is_anomaly[5], 0);
}

TEST(RuleEvaluators, ZscoreOfAFlatHistoryIsZeroOrInfinite) {
    Fixture f({5, 5, 5, 6});
    StopToken stop;
    evaluate_zscore(f.series, WindowParams{3, 3, 3}, f.rows, stop);
    EXPECT_EQ(f.score[3], kInf);
    EXPECT_EQ(f.is_anomaly[3], 1);
}

TEST(RuleEvaluators, PctDeviationByHand) {
    // lookback 2, min_history 2: index 2 against mean(10, 20) = 15 -> 100*(30-15)/15 = 100.
    Fixture f({10, 20, 30, -5});
    StopToken stop;
    evaluate_pct_deviation(f.series, WindowParams{50, 2, 2}, f.rows, stop);
    EXPECT_EQ(f.is_anomaly[1], kNullBool);
    EXPECT_EQ(f.expected[2], 15);
    EXPECT_EQ(f.score[2], 100);
    EXPECT_EQ(f.lower[2], 7.5);
    EXPECT_EQ(f.upper[2], 22.5);
    EXPECT_EQ(f.is_anomaly[2], 1);
    EXPECT_EQ(f.expected[3], 25);
    EXPECT_EQ(f.score[3], -120);
}

TEST(RuleEvaluators, MadZscoreByHand) {
    // lookback 5, min_history 5; index 5 against 1 2 3 4 100: median 3,
    // |dev| 2 1 0 1 97 -> MAD 1; score 0.6745 * (10 - 3) / 1; range 3 -/+ 3.5/0.6745.
    Fixture f({1, 2, 3, 4, 100, 10});
    StopToken stop;
    evaluate_mad_zscore(f.series, WindowParams{3.5, 5, 5}, f.rows, stop);
    EXPECT_EQ(f.is_anomaly[4], kNullBool);
    EXPECT_EQ(f.expected[5], 3);
    EXPECT_DOUBLE_EQ(f.score[5], 0.6745 * 7);
    EXPECT_DOUBLE_EQ(f.lower[5], 3 - 3.5 * (1 / 0.6745));
    EXPECT_EQ(f.is_anomaly[5], 1);
}

TEST(RuleEvaluators, MadZscoreFromAPointUsesTheFullHistory) {
    // The rows from `first` on equal the same rows of a full evaluation, also
    // where MAD is 0 (the fallback to the mean absolute deviation).
    std::vector<double> v{5, 5, 5, 7, 5, 5, 5, 9, 5, 4, 5, 5, 6, 5, 5};
    Fixture all(v), tail(v, 9);
    StopToken stop;
    evaluate_mad_zscore(all.series, WindowParams{3.5, 6, 3}, all.rows, stop);
    evaluate_mad_zscore(tail.series, WindowParams{3.5, 6, 3}, tail.rows, stop);
    for (std::size_t r = 0; r < tail.score.size(); ++r) {
        EXPECT_EQ(tail.score[r], all.score[r + 9]) << r;
        EXPECT_EQ(tail.expected[r], all.expected[r + 9]) << r;
        EXPECT_EQ(tail.upper[r], all.upper[r + 9]) << r;
    }
}

TEST(RuleEvaluators, RollingMeanShiftByHand) {
    // short 2, long 2: index 3 -> short mean(3, 9) = 6, long mean(1, 3) = 2 -> +200 %.
    Fixture f({1, 3, 3, 9});
    StopToken stop;
    evaluate_rolling_mean_shift(f.series, MeanShiftParams{2, 2, 10}, f.rows, stop);
    EXPECT_EQ(f.value[2], 3);  // not scored: the input value
    EXPECT_EQ(f.is_anomaly[2], kNullBool);
    EXPECT_EQ(f.value[3], 6);
    EXPECT_EQ(f.expected[3], 2);
    EXPECT_EQ(f.score[3], 200);
    EXPECT_EQ(f.is_anomaly[3], 1);
}

TEST(RuleEvaluators, ConsecutiveDirectionByHand) {
    // n 2. Steps: 5->4 down, 4->3 down, 3->NaN skipped, 3->2 down, 2->2 flat,
    // 2->6 up. Run lengths: -1, -2, -3, 0 (flat), +1.
    Fixture f({5, 4, 3, kNaN, 2, 2, 6});
    StopToken stop;
    ConsecutiveParams p;
    p.n = 2;
    p.watch_up = false;  // "moving": "down"
    evaluate_consecutive_direction(f.series, p, f.rows, stop);
    EXPECT_EQ(f.is_anomaly[0], kNullBool);  // fewer than n + 1 finite values
    EXPECT_EQ(f.is_anomaly[1], kNullBool);
    EXPECT_EQ(f.score[2], -2);
    EXPECT_EQ(f.expected[2], 5);  // the run started at 5
    EXPECT_EQ(f.is_anomaly[2], 1);
    EXPECT_EQ(f.is_anomaly[3], kNullBool);
    EXPECT_EQ(f.score[4], -3);
    EXPECT_EQ(f.expected[4], 5);
    EXPECT_EQ(f.score[5], 0);
    EXPECT_EQ(f.expected[5], 2);
    EXPECT_EQ(f.is_anomaly[5], 0);
    EXPECT_EQ(f.score[6], 1);
    EXPECT_EQ(f.expected[6], 2);
    EXPECT_EQ(f.is_anomaly[6], 0);  // rising is not watched
}

TEST(RuleEvaluators, SamePeriodLastWeekByHand) {
    // Points at days 0, 7, 14, 21; weeks 2, min_weeks 2: day 21 against the
    // values of days 14 and 7 -> mean (20 + 30)/2 = 25, +100 % for 50.
    Fixture f({10, 30, 20, 50});
    f.times = {0, 7 * kDay, 14 * kDay, 21 * kDay};
    f.series.times = f.times.data();
    std::vector<std::int64_t> week_ago;
    for (std::int64_t t : f.times)
        for (int k = 1; k <= 2; ++k) week_ago.push_back(t - k * 7 * kDay);
    StopToken stop;
    evaluate_same_period_last_week(f.series, SamePeriodParams{20, 2, 2}, week_ago.data(), f.rows, stop);
    EXPECT_EQ(f.is_anomaly[1], kNullBool);  // one week of history only
    EXPECT_EQ(f.expected[2], 20);            // days 7 and 0
    EXPECT_EQ(f.score[2], 0);
    EXPECT_EQ(f.is_anomaly[2], 0);
    EXPECT_EQ(f.expected[3], 25);
    EXPECT_EQ(f.score[3], 100);
    EXPECT_EQ(f.lower[3], 20);
    EXPECT_EQ(f.is_anomaly[3], 1);
}

TEST(RuleEvaluators, PctChange) {
    EXPECT_EQ(pct_change(15, 10), 50);
    EXPECT_EQ(pct_change(5, -10), 150);
    EXPECT_EQ(pct_change(0, 0), 0);
    EXPECT_EQ(pct_change(1, 0), kInf);
    EXPECT_EQ(pct_change(-1, 0), -kInf);
}

TEST(RuleEvaluators, Float8AccumFollowsYoungsCramer) {
    Float8Accum a;
    EXPECT_TRUE(std::isnan(a.mean()));
    a.add(2);
    EXPECT_TRUE(std::isnan(a.stddev_samp()));
    a.add(4);
    a.add(9);
    EXPECT_EQ(a.mean(), 5);
    EXPECT_DOUBLE_EQ(a.stddev_samp(), std::sqrt(13.0));  // squares 9 + 1 + 16 = 26, / 2
}

TEST(RuleEvaluators, PercentileContMedianInterpolates) {
    std::vector<double> odd{3, 1, 2};
    EXPECT_EQ(percentile_cont_median(odd.data(), odd.size()), 2);
    std::vector<double> even{10, 1, 4, 2};
    EXPECT_EQ(percentile_cont_median(even.data(), even.size()), 3);
}

TEST(RuleEvaluators, NumericEpochRatio) {
    EXPECT_EQ(numeric_epoch_ratio(3 * kDay, kDay), 3);
    EXPECT_EQ(numeric_epoch_ratio(kDay / 2, kDay), 0.5);
    EXPECT_EQ(numeric_epoch_ratio(0, kDay), 0);
    // 1/3 at 20 decimals (rscale 16 - (-1)*4) then to double: the nearest double of 1/3.
    EXPECT_EQ(numeric_epoch_ratio(kDay, 3 * kDay), 1.0 / 3.0);
    // 2/3 rounds half up at the last decimal: 0.66666666666666666667.
    EXPECT_EQ(numeric_epoch_ratio(2 * kDay, 3 * kDay), 2.0 / 3.0);
    EXPECT_THROW(numeric_epoch_ratio(1, 0), InvalidParameter);
}

TEST(RuleEvaluators, Float8OverflowThrowsAsPostgresDoes) {
    // 1e308 - (-1e308) overflows: PostgreSQL's float8mi raises 22003.
    Fixture f({1e308});
    EXPECT_THROW(evaluate_min(f.series, ThresholdParams{-1e308}, f.rows), OutOfRange);
    // float8_accum: the sum of squares of 1e200 and -1e200 overflows even for avg.
    Fixture g({1e200, -1e200, 5});
    StopToken stop;
    EXPECT_THROW(evaluate_zero_day(g.series, ZeroDayParams{2}, g.rows, stop), OutOfRange);
    // An infinite input is never history: no error.
    Fixture h({kInf, 1, 2});
    EXPECT_NO_THROW(evaluate_zero_day(h.series, ZeroDayParams{2}, h.rows, stop));
    // 5e-324 * 20 / 100 rounds to 0: underflow.
    Fixture u({5e-324, 5e-324, 5e-324});
    EXPECT_THROW(evaluate_pct_deviation(u.series, WindowParams{20, 2, 2}, u.rows, stop), OutOfRange);
}

TEST(RuleEvaluators, InvalidParametersThrow) {
    Fixture f({1, 2});
    StopToken stop;
    EXPECT_THROW(evaluate_zscore(f.series, WindowParams{3, 2, 5}, f.rows, stop), InvalidParameter);
    EXPECT_THROW(evaluate_zero_day(f.series, ZeroDayParams{0}, f.rows, stop), InvalidParameter);
}

}  // namespace
}  // namespace anomaly
