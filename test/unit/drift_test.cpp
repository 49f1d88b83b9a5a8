#include "core/drift.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<DriftPoint> run(const std::vector<double> &values, const std::vector<double> *expected,
                            const DriftParams &params) {
    std::vector<DriftPoint> out(values.size());
    StopToken stop;
    drift_score(values.data(), expected ? expected->data() : nullptr, values.size(), params, out.data(), stop);
    return out;
}

// ---- hand-computed values ---------------------------------------------------

// expected = 0 everywhere, residuals = the values. scale_window = min_scale = 4.
// Rows 0-3 have no scale. Row 4: history {1,-1,1,-1}: median 0, MAD 1,
// σ = 1/0.6745 = 1.482580; z = 2·0.6745 = 1.349; S+ = 1.349 - 0.5 = 0.849,
// score 0.849/2 = 0.4245. Row 5: history {-1,1,-1,2}: median 0, |dev| {1,1,1,2},
// MAD 1; z = 3·0.6745 = 2.0235; S+ = 0.849 + 1.5235 = 2.3725 ≥ h = 2: alert,
// score 1.18625, run length 2, sums restart. Row 6: history {1,-1,2,3}: median
// 1.5, |dev| {0.5,2.5,0.5,1.5}, MAD 1; z = (-3 - 1.5)·0.6745 = -3.03525,
// clipped to -3; S- = 3 - 0.5 = 2.5: alert down, score -1.25, run length 1.
TEST(DriftScore, HandComputedCusum) {
    const std::vector<double> v = {1, -1, 1, -1, 2, 3, -3};
    const std::vector<double> e(v.size(), 0.0);
    DriftParams p;
    p.k = 0.5;
    p.h = 2.0;
    p.clip = 3.0;
    p.scale_window = 4;
    p.min_scale = 4;
    const auto out = run(v, &e, p);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(out[i].score)) << i;
    EXPECT_NEAR(out[4].score, (2 * 0.6745 - 0.5) / 2, 1e-12);
    EXPECT_EQ(out[4].direction, 1);
    EXPECT_EQ(out[4].run_length, 1);
    EXPECT_FALSE(out[4].alert);
    EXPECT_NEAR(out[5].score, (2 * 0.6745 - 0.5 + 3 * 0.6745 - 0.5) / 2, 1e-12);
    EXPECT_TRUE(out[5].alert);
    EXPECT_EQ(out[5].run_length, 2);
    EXPECT_NEAR(out[6].score, -(3 - 0.5) / 2, 1e-12);
    EXPECT_EQ(out[6].direction, -1);
    EXPECT_EQ(out[6].run_length, 1);
    EXPECT_TRUE(out[6].alert);
    EXPECT_EQ(out[6].expected, 0.0);
    // Row 6: centre 1.5, sigma 1/0.6745: band 1.5 -/+ 0.5/0.6745.
    EXPECT_NEAR(out[6].lower, 1.5 - 0.5 / 0.6745, 1e-12);
    EXPECT_NEAR(out[6].upper, 1.5 + 0.5 / 0.6745, 1e-12);
    EXPECT_TRUE(std::isnan(out[3].lower));
}

// The rows of the hand-computed drift tests below: rows 0-19 alternate 1, -1
// (|z| >= 1.349, clipped to 1 by clip 1): the sums never pass 0.5; then
// `tail`. Expected value 0; k 0.5, h 1, scale_window 20, hold 3.
std::vector<DriftPoint> flagged_at_row_20(const std::vector<double> &tail) {
    std::vector<double> v;
    for (int i = 0; i < 20; ++i) v.push_back(i % 2 == 0 ? 1 : -1);
    v.insert(v.end(), tail.begin(), tail.end());
    const std::vector<double> e(v.size(), 0.0);
    DriftParams p;
    p.k = 0.5;
    p.h = 1;
    p.clip = 1;
    p.scale_window = 20;
    p.hold = 3;
    return run(v, &e, p);
}

// After a flag the sums restart and the flagged side is held: it gathers no
// evidence for `hold` rows while the residuals stay on its side, so a drift
// that goes on is one flag; the other side is free.
TEST(DriftScore, AFlagHoldsItsSide) {
    // Rows 20-24 are -10 (z clipped to -1), rows 25-26 are +10 (z = +1).
    const auto out = flagged_at_row_20({-10, -10, -10, -10, -10, 10, 10});
    EXPECT_EQ(out[19].direction, -1);  // row 19 (-1): S- = 0.5, run 1
    EXPECT_EQ(out[19].run_length, 1);
    // Row 20: S- = 1 = h -> flagged (score -1, run 2); both sums restart and
    // the down side is held for 3 rows; its shadow sum (capped at h) stays
    // at 1 on rows of z = -1, so the hold runs its full length: rows 21, 22
    // and 23 gather nothing (score 0, held -1 while rows of hold are left).
    EXPECT_TRUE(out[20].alert);
    EXPECT_DOUBLE_EQ(out[20].score, -1.0);
    EXPECT_EQ(out[20].run_length, 2);
    for (int i = 21; i <= 23; ++i) {
        EXPECT_FALSE(out[i].alert) << i;
        EXPECT_DOUBLE_EQ(out[i].score, 0.0) << i;
        EXPECT_EQ(out[i].direction, 0) << i;
        EXPECT_EQ(out[i].held, i < 23 ? -1 : 0) << i;
    }
    // Row 24: the hold is over, S- = 0.5 (run 1); row 25 (+10): S- back to
    // 0, S+ = 0.5; row 26: S+ = 1 = h, a new flag upwards.
    EXPECT_DOUBLE_EQ(out[24].score, -0.5);
    EXPECT_EQ(out[24].run_length, 1);
    EXPECT_FALSE(out[24].alert);
    EXPECT_EQ(out[25].direction, 1);
    EXPECT_DOUBLE_EQ(out[25].score, 0.5);
    EXPECT_TRUE(out[26].alert);
    EXPECT_DOUBLE_EQ(out[26].score, 1.0);
    EXPECT_EQ(out[26].run_length, 2);
}

// A hold ends early once the residuals are back around their centre: the
// shadow sum drains to 0 (a new level absorbed, or a flag on noise).
TEST(DriftScore, AHoldEndsWhenTheResidualsComeBack) {
    // Row 20 (-10) flags; row 21 is +1: z = (1 - (-1)) / 1.4826 = 1.349,
    // clipped to 1 (centre -1, MAD 1 of rows 1-20), so the shadow sum is
    // min(1, max(0, 1 - 1 - 0.5)) = 0: the hold ends on row 21 (held 0) and
    // S+ = 0.5 already; row 22 (-1) adds to S- again.
    const auto out = flagged_at_row_20({-10, 1, -1});
    EXPECT_TRUE(out[20].alert);
    EXPECT_EQ(out[21].held, 0);
    EXPECT_DOUBLE_EQ(out[21].score, 0.5);
    EXPECT_EQ(out[22].direction, -1);
    EXPECT_GT(out[22].run_length, 0);
}

// While its side is held, a flagged side restarts from the new level (the
// median z of the `settle` rows after the flag, here max(3, period 1) = 3):
// a drift that goes on is flagged again, a new level that stays is not.
// 100 rows of a deterministic wobble (sd 0.7), then `tail`; expected 0.
std::vector<int> flag_rows(const std::vector<double> &tail) {
    std::vector<double> v;
    for (int i = 0; i < 100; ++i) v.push_back(std::sin(1.7 * i * i));
    for (std::size_t i = 0; i < tail.size(); ++i) v.push_back(tail[i] + std::sin(1.7 * (100.0 + i) * (100.0 + i)));
    const std::vector<double> e(v.size(), 0.0);
    DriftParams p;  // k 0.5, h 5, clip 3, scale_window 56, hold: 28 rows (period 1)
    p.period = 1;
    std::vector<int> rows;
    const auto out = run(v, &e, p);
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i].alert) rows.push_back(static_cast<int>(i) * (out[i].direction > 0 ? 1 : -1));
    return rows;
}

TEST(DriftScore, AHeldSideRestartsFromTheNewLevel) {
    std::vector<double> step(25, -3.0), ramp;
    for (int i = 0; i < 25; ++i) ramp.push_back(-3.0 - 0.5 * i);
    // The step (about 4 sigma) is flagged on its 2nd row, 101, once: after
    // the 3 settling rows its level is the new normal.
    EXPECT_EQ(flag_rows(step), std::vector<int>({-101}));
    // The ramp goes on below the level it had after the flag: flagged again
    // (row 108), not before the settling rows 102-104 are in. Held without
    // a restart (0.4.0), it was flagged once in these 25 rows.
    const std::vector<int> r = flag_rows(ramp);
    ASSERT_GE(r.size(), 2u);
    EXPECT_EQ(r[0], -101);
    EXPECT_LT(r[1], -104);
    for (int x : r) EXPECT_LT(x, 0);
}

// h per day: hourly data gets the h whose in-control run length is 24 times
// longer (Siegmund: ARL(h) = (e^{2kb} - 2kb - 1) / (2k^2), b = h + 1.166).
TEST(DriftScore, HPerDayKeepsTheRunLengthInDays) {
    auto arl = [](double h, double k) {
        const double b = h + 1.166;
        return (std::exp(2 * k * b) - 2 * k * b - 1) / (2 * k * k);
    };
    EXPECT_EQ(drift_h_per_point(5.0, 0.5, 1.0), 5.0);
    const double h24 = drift_h_per_point(5.0, 0.5, 24.0);
    EXPECT_NEAR(arl(h24, 0.5) / arl(5.0, 0.5), 24.0, 1e-6);
    EXPECT_NEAR(h24, 8.16, 0.01);  // the 8.2 of the documentation
    // k = 0: ARL ~ b^2, so b grows by sqrt(24).
    EXPECT_NEAR(drift_h_per_point(5.0, 0.0, 24.0) + 1.166, (5.0 + 1.166) * std::sqrt(24.0), 1e-6);
}

// Own baseline, period 1: cycles = 28, so with 2..28 earlier values the
// expected value is their median.
TEST(DriftScore, OwnBaselineIsTheMedianOfEarlierSamePhaseValues) {
    const std::vector<double> v = {5, 1, 9, 4, 100};
    DriftParams p;
    p.period = 1;
    const auto out = run(v, nullptr, p);
    EXPECT_TRUE(std::isnan(out[0].expected));
    EXPECT_TRUE(std::isnan(out[1].expected));
    EXPECT_EQ(out[2].expected, 3.0);  // median {5, 1}
    EXPECT_EQ(out[3].expected, 5.0);  // median {5, 1, 9}
    EXPECT_EQ(out[4].expected, 4.5);  // median {5, 1, 9, 4}
    p.period = 2;                     // cycles = 14: values 2, 4, ... rows back
    const auto out2 = run(v, nullptr, p);
    EXPECT_TRUE(std::isnan(out2[3].expected));  // only row 1
    EXPECT_EQ(out2[4].expected, 7.0);           // median {9, 5}
}

TEST(DriftScore, NonFiniteValuesAreSkippedAndCausal) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<double> v(120);
    for (auto &x : v) x = 100 + noise(rng);
    v[50] = kNaN;
    v[60] = kInf;
    v[70] = -kInf;
    const auto full = run(v, nullptr, DriftParams{});
    EXPECT_TRUE(std::isnan(full[50].score));
    EXPECT_TRUE(std::isnan(full[60].score));
    EXPECT_TRUE(std::isnan(full[70].score));
    EXPECT_FALSE(std::isnan(full[80].score));
    // Causality: the scores of a prefix are those of the whole series.
    for (std::size_t len : {1u, 30u, 61u, 119u}) {
        const std::vector<double> prefix(v.begin(), v.begin() + len);
        const auto part = run(prefix, nullptr, DriftParams{});
        for (std::size_t i = 0; i < len; ++i) {
            if (std::isnan(full[i].score)) {
                EXPECT_TRUE(std::isnan(part[i].score));
            } else {
                EXPECT_EQ(part[i].score, full[i].score) << len << " " << i;
            }
        }
    }
}

TEST(DriftScore, ConstantSeriesThenStepIsFlaggedQuickly) {
    std::vector<double> v(60, 10.0);
    for (std::size_t i = 40; i < v.size(); ++i) v[i] = 9.0;
    const auto out = run(v, nullptr, DriftParams{});
    EXPECT_EQ(out[39].score, 0.0);
    // σ falls back to its floor: every deviating row adds clip - k = 2.5.
    EXPECT_FALSE(out[40].alert);
    EXPECT_TRUE(out[41].alert);
    EXPECT_EQ(out[41].direction, -1);
}

TEST(DriftScore, RejectsAbsurdParameters) {
    const std::vector<double> v = {1, 2, 3};
    auto bad = [&](auto set) {
        DriftParams p;
        set(p);
        EXPECT_THROW(run(v, nullptr, p), InvalidParameter);
    };
    bad([](DriftParams &p) { p.period = 0; });
    bad([](DriftParams &p) { p.period = 10001; });
    bad([](DriftParams &p) { p.k = -1; });
    bad([](DriftParams &p) { p.k = kNaN; });
    bad([](DriftParams &p) { p.h = 0; });
    bad([](DriftParams &p) { p.h = kInf; });
    bad([](DriftParams &p) { p.clip = 0; });
    bad([](DriftParams &p) { p.min_scale = 1; });
    bad([](DriftParams &p) { p.scale_window = 10; });
}

// ---- the target, as a property ---------------------------------------
//
// Seeded synthetic daily series of 240 days: level 100..10,000, a trend of
// -0.1..+0.3 %/day of the level (growth is common; the baseline lags behind
// it), a weekly profile (multiplicative, weekend dips up to 40 %), noise of
// one of three kinds: gaussian with CV 1..6 %, Student-t with 3 degrees of
// freedom (scale 1..4 % of the mean, so a standard deviation of 1.7..6.9 %),
// Poisson counts with mean 200..5,000 (CV 1.4..7 %). A ramp of -2 %/day of
// the level starts at a random day in [120, 200] and lasts 14 days (then the
// level stays down). Detected = a downward alert within 7 days of the ramp's
// start (start day included). The same series without the ramp give the
// false alarm rate: runs of flagged rows (either direction) per 30 scored days.

enum class Noise { gaussian, student_t, poisson };

struct Synthetic {
    std::vector<double> values;
    std::size_t start;
};

// One series; with_ramp = false gives the same series (same draws) without
// it. fixed_cv > 0 fixes the gaussian/Student-t noise level.
Synthetic synthetic_series(std::uint64_t seed, Noise kind, bool with_ramp, double fixed_cv = 0.0) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::size_t n = 240;
    const double level = kind == Noise::poisson ? 200 + 4800 * u(rng) : std::exp(std::log(100.0) + u(rng) * std::log(100.0));
    const double trend = -0.001 + 0.004 * u(rng);
    double weekly[7];
    for (int d = 0; d < 7; ++d) weekly[d] = 1.0 + 0.1 * (u(rng) - 0.5);
    const double weekend = 1.0 - 0.4 * u(rng);
    weekly[5] *= weekend;
    weekly[6] *= weekend;
    const std::size_t start = 120 + static_cast<std::size_t>(u(rng) * 81);
    double cv = kind == Noise::gaussian ? 0.01 + 0.05 * u(rng) : 0.01 + 0.03 * u(rng);
    if (fixed_cv > 0.0) cv = fixed_cv;
    std::normal_distribution<double> normal(0.0, 1.0);
    std::student_t_distribution<double> student(3.0);
    Synthetic s{std::vector<double>(n), start};
    for (std::size_t t = 0; t < n; ++t) {
        const double days = with_ramp && t >= start ? std::min<double>(static_cast<double>(t - start + 1), 14.0) : 0.0;
        const double mean = level * (1.0 + trend * static_cast<double>(t)) * weekly[t % 7] * (1.0 - 0.02 * days);
        switch (kind) {
            case Noise::gaussian: s.values[t] = mean * (1.0 + cv * normal(rng)); break;
            case Noise::student_t: s.values[t] = mean * (1.0 + cv * student(rng)); break;
            case Noise::poisson: s.values[t] = static_cast<double>(std::poisson_distribution<long>(mean)(rng)); break;
        }
    }
    return s;
}

struct Outcome {
    int detected = 0, total = 0;
    std::vector<int> delays;  // of the detected ones
    int false_alarms = 0;
    double scored_days = 0;
    int worst_series_alarms = 0;
    double worst_series_days = 0;

    double rate() const { return static_cast<double>(detected) / total; }
    double false_alarms_per_30_days() const { return false_alarms / (scored_days / 30.0); }
    int median_delay() const { return delays.empty() ? -1 : delays[delays.size() / 2]; }
};

template <typename Make>
Outcome evaluate(std::uint64_t seeds, const DriftParams &params, Make make) {
    Outcome o;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        const Synthetic s = make(seed, true);
        const auto with_ramp = run(s.values, nullptr, params);
        ++o.total;
        for (std::size_t t = s.start; t < s.start + 7; ++t)
            if (with_ramp[t].alert && with_ramp[t].direction < 0) {
                ++o.detected;
                o.delays.push_back(static_cast<int>(t - s.start));
                break;
            }
        const auto without = run(make(seed, false).values, nullptr, params);
        // One false alarm = one run of consecutive flagged rows (as the
        // accuracy benchmark's scorer counts them).
        int alarms = 0;
        double days = 0;
        bool flagged_before = false;
        for (const auto &p : without) {
            if (!std::isnan(p.score)) days += 1;
            if (p.alert && !flagged_before) ++alarms;
            flagged_before = p.alert;
        }
        o.false_alarms += alarms;
        o.scored_days += days;
        if (alarms >= o.worst_series_alarms) {
            o.worst_series_alarms = alarms;
            o.worst_series_days = days;
        }
    }
    std::sort(o.delays.begin(), o.delays.end());
    return o;
}

TEST(DriftScore, RampOfMinus2PercentPerDayIsFlaggedWithin7DaysWithFewFalseAlarms) {
    const DriftParams params;  // the defaults users get
    const Outcome o = evaluate(100, params, [](std::uint64_t seed, bool ramp) {
        return synthetic_series(seed, static_cast<Noise>(seed % 3), ramp);
    });
    std::printf("[drift property] detected within 7 days: %d/%d = %.2f; delay (days after start) median %d, max %d;"
                " false alarms %d in %.0f scored days = %.3f per 30 days (worst series %d in %.0f days)\n",
                o.detected, o.total, o.rate(), o.median_delay(), o.delays.empty() ? -1 : o.delays.back(),
                o.false_alarms, o.scored_days, o.false_alarms_per_30_days(), o.worst_series_alarms,
                o.worst_series_days);
    EXPECT_GE(o.rate(), 0.80);
    EXPECT_LE(o.false_alarms_per_30_days(), 1.0);
    EXPECT_LE(o.worst_series_alarms, o.worst_series_days / 30.0);  // also per metric
}

// How detection depends on the noise (gaussian, fixed CV): near-certain up
// to 3 %, then falling, since a -2 %/day ramp adds only 2/CV sigma a day; the
// false alarm rate does not depend on the noise level (self-scaling).
TEST(DriftScore, DetectionByNoiseLevel) {
    const DriftParams params;
    for (double cv : {0.01, 0.02, 0.03, 0.05, 0.07, 0.10}) {
        const Outcome o = evaluate(100, params, [cv](std::uint64_t seed, bool ramp) {
            return synthetic_series(seed, Noise::gaussian, ramp, cv);
        });
        std::printf("[drift by noise] CV %4.1f %%: detected within 7 days %3d/%d, median delay of those %d days;"
                    " false alarms %.3f per 30 days\n",
                    100 * cv, o.detected, o.total, o.median_delay(), o.false_alarms_per_30_days());
        if (cv <= 0.03) {
            // 0.95 until a flag held its side (0.4.0); at 1 % noise 94 of
            // the 100 ramps are found within 7 days since.
            EXPECT_GE(o.rate(), 0.93) << cv;
        }
        EXPECT_LE(o.false_alarms_per_30_days(), 1.0) << cv;
    }
}

}  // namespace
}  // namespace anomaly
