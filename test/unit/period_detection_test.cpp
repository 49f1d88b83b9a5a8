#include "core/period_detection.hpp"

#include "core/errors.hpp"
#include "core/f_distribution.hpp"
#include "core/fft.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<DetectedPeriod> detect(const std::vector<double> &v, int min_period = 2,
                                   std::optional<int> max_period = std::nullopt) {
    PeriodDetectionParams p;
    p.min_period = min_period;
    p.max_period = max_period;
    StopToken stop;
    return detect_periods(v.data(), v.size(), p, stop);
}

std::string describe(const std::vector<DetectedPeriod> &r) {
    std::ostringstream s;
    s << "[";
    for (const auto &d : r) s << " " << d.period << ":" << d.strength;
    s << " ]";
    return s.str();
}

// ---- seeded synthetic series ------------------------------------------------

// Daily: level 1000, trend +0.8/day, weekly shape (weekend dip) ×200, noise.
std::vector<double> daily_weekly(std::size_t n, double noise, unsigned seed) {
    static const double weekly[7] = {1.0, 1.04, 1.06, 1.05, 1.02, 0.80, 0.75};
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, noise);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = 1000.0 + 0.8 * static_cast<double>(i) + 200.0 * weekly[i % 7] + g(rng);
    return v;
}

// Hourly: a two-harmonic daily shape, weaker on weekends, a weekend level
// drop, a slow trend, noise.
std::vector<double> hourly(std::size_t n, double noise, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, noise);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double h = static_cast<double>(i % 24);
        const bool weekend = (i / 24) % 7 >= 5;
        const double day = 10.0 * std::sin(2.0 * M_PI * (h - 6.0) / 24.0) + 4.0 * std::sin(4.0 * M_PI * h / 24.0);
        v[i] = 50.0 + 0.01 * static_cast<double>(i) + (weekend ? 0.6 : 1.0) * day + (weekend ? -8.0 : 0.0) + g(rng);
    }
    return v;
}

// Monthly: trend, yearly sinusoid and a December peak, noise.
std::vector<double> monthly(std::size_t n, double noise, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, noise);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t month = i % 12;
        v[i] = 200.0 + 0.5 * static_cast<double>(i) + 15.0 * std::sin(2.0 * M_PI * static_cast<double>(month) / 12.0) +
               (month == 11 ? 20.0 : 0.0) + g(rng);
    }
    return v;
}

std::vector<double> white_noise(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> v(n);
    for (double &x : v) x = g(rng);
    return v;
}

std::vector<double> random_walk(std::size_t n, unsigned seed) {
    std::vector<double> v = white_noise(n, seed);
    for (std::size_t i = 1; i < n; ++i) v[i] += v[i - 1];
    return v;
}

// ---- FFT and ACF ------------------------------------------------------------

TEST(Fft, HandComputedTransformAndRoundTrip) {
    // DFT of 1 2 3 4: X0 = 10, X1 = −2 + 2i, X2 = −2, X3 = −2 − 2i.
    std::vector<std::complex<double>> x{1, 2, 3, 4};
    fft(x, false);
    EXPECT_NEAR(x[0].real(), 10, 1e-12);
    EXPECT_NEAR(x[1].real(), -2, 1e-12);
    EXPECT_NEAR(x[1].imag(), 2, 1e-12);
    EXPECT_NEAR(x[2].real(), -2, 1e-12);
    EXPECT_NEAR(x[2].imag(), 0, 1e-12);
    EXPECT_NEAR(x[3].imag(), -2, 1e-12);
    fft(x, true);
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(x[static_cast<std::size_t>(i)].real(), i + 1, 1e-12);
    std::vector<std::complex<double>> bad(6);
    EXPECT_THROW(fft(bad, false), std::invalid_argument);
    EXPECT_EQ(next_power_of_two(1), 1u);
    EXPECT_EQ(next_power_of_two(5), 8u);
    EXPECT_EQ(next_power_of_two(1024), 1024u);
}

// Fixtures: statsmodels' acf (direct sums, not an FFT), written by
// test/generate_period_fixtures.py.
struct AcfFixture {
    std::vector<double> x, acf;
};

AcfFixture read_acf_fixture(const std::string &name) {
    const std::string file = __FILE__;
    const std::string path = file.substr(0, file.rfind("/unit/")) + "/fixtures/period/acf_" + name + ".csv";
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    AcfFixture f;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        const std::size_t comma = line.find(',');
        f.x.push_back(std::stod(line.substr(0, comma)));
        const std::string a = line.substr(comma + 1);
        if (!a.empty()) f.acf.push_back(std::stod(a));
    }
    return f;
}

TEST(Autocorrelation, MatchesStatsmodels) {
    for (const char *name : {"daily_weekly_trend", "hourly_daily", "white_noise", "random_walk", "short"}) {
        const AcfFixture f = read_acf_fixture(name);
        ASSERT_GT(f.acf.size(), 1u) << name;
        const std::vector<double> got = autocorrelation(f.x.data(), f.x.size(), f.acf.size() - 1);
        ASSERT_EQ(got.size(), f.acf.size());
        for (std::size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], f.acf[k], 1e-10) << name << " lag " << k;
    }
}

TEST(Autocorrelation, ConstantSeriesAndBadLag) {
    const std::vector<double> c(10, 4.0);
    const std::vector<double> a = autocorrelation(c.data(), c.size(), 3);
    EXPECT_EQ(a[0], 1.0);
    EXPECT_TRUE(std::isnan(a[1]));
    EXPECT_THROW(autocorrelation(c.data(), c.size(), 10), std::invalid_argument);
}

// ---- F distribution ----------------------------------------------------------

TEST(FDistribution, MatchesScipy) {
    // Values from scipy.special.betainc / scipy.stats.f.sf (an independent implementation).
    EXPECT_NEAR(regularized_incomplete_beta(0.3, 2.5, 3.5), 0.2967529892956661, 1e-12);
    EXPECT_NEAR(regularized_incomplete_beta(0.9, 0.5, 0.5), 0.7951672353008662, 1e-12);
    EXPECT_NEAR(regularized_incomplete_beta(0.97, 100, 5), 0.797081450441078, 1e-11);
    EXPECT_NEAR(f_distribution_sf(3.0, 5, 20), 0.03520133745266662, 1e-12);
    EXPECT_NEAR(f_distribution_sf(1.2, 0.7, 40.3), 0.2570498206212714, 1e-12);
    EXPECT_NEAR(f_distribution_sf(0.5, 6, 6), 0.7901234567901234, 1e-12);
    EXPECT_NEAR(f_distribution_sf(50, 23, 1992) / 5.393755096476322e-178, 1.0, 1e-8);
    EXPECT_EQ(f_distribution_sf(0.0, 3, 4), 1.0);
    EXPECT_EQ(f_distribution_sf(kInf, 3, 4), 0.0);
}

// ---- preparation and scoring ---------------------------------------------------

TEST(FillMissing, TrimsEndsAndInterpolatesInside) {
    const std::vector<double> v{kNaN, 1.0, kNaN, kNaN, 7.0, 8.0, kNaN};
    const std::vector<double> got = fill_missing(v.data(), v.size());
    EXPECT_EQ(got, (std::vector<double>{1.0, 3.0, 5.0, 7.0, 8.0}));
    const std::vector<double> none{kNaN, kNaN};
    EXPECT_TRUE(fill_missing(none.data(), none.size()).empty());
    EXPECT_TRUE(fill_missing(nullptr, 0).empty());
    const std::vector<double> inf{1.0, -kInf, 2.0};
    EXPECT_THROW(fill_missing(inf.data(), inf.size()), DataError);
}

TEST(MovingAverageTrend, RemovesThePatternAndExtrapolatesTheLine) {
    // x = 2i + (−1)^i: the 2×2 moving average (¼, ½, ¼) gives 2i exactly,
    // and the extrapolated ends continue the same line.
    std::vector<double> x(12);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 2.0 * static_cast<double>(i) + (i % 2 ? -1.0 : 1.0);
    std::vector<double> t = moving_average_trend(x.data(), x.size(), 2);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(t[i], 2.0 * static_cast<double>(i), 1e-12) << i;
    // Odd period 3: pattern 0, 3, −3 on the line 5 − i.
    const double pattern[3] = {0.0, 3.0, -3.0};
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 5.0 - static_cast<double>(i) + pattern[i % 3];
    t = moving_average_trend(x.data(), x.size(), 3);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(t[i], 5.0 - static_cast<double>(i), 1e-12) << i;
    // Hand-computed on a short irregular series, p = 3 (valid centres 1..4):
    // x = 1 4 2 8 5 7 → trend 7/3, 14/3, 5, 20/3 there.
    const std::vector<double> y{1, 4, 2, 8, 5, 7};
    t = moving_average_trend(y.data(), y.size(), 3);
    EXPECT_NEAR(t[1], 7.0 / 3.0, 1e-12);
    EXPECT_NEAR(t[2], 14.0 / 3.0, 1e-12);
    EXPECT_NEAR(t[3], 5.0, 1e-12);
    EXPECT_NEAR(t[4], 20.0 / 3.0, 1e-12);
    // Ends: the least-squares line through the first p = 3 valid values
    // 7/3, 14/3, 5 (mean 4 at the middle one, slope 4/3), one step before
    // them: 4 − 2·4/3 = 4/3; the line through the last three 14/3, 5, 20/3
    // (mean 49/9, slope 1), one step after them: 49/9 + 2.
    EXPECT_NEAR(t[0], 4.0 / 3.0, 1e-12);
    EXPECT_NEAR(t[5], 49.0 / 9.0 + 2.0, 1e-12);
    EXPECT_THROW(moving_average_trend(y.data(), y.size(), 4), InvalidParameter);
}

// Fixtures: statsmodels' moving-average trend and scipy's one-way ANOVA F,
// written by test/generate_period_fixtures.py.
std::vector<std::vector<double>> read_csv_columns(const std::string &file, std::size_t columns) {
    const std::string self = __FILE__;
    const std::string path = self.substr(0, self.rfind("/unit/")) + "/fixtures/period/" + file;
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    std::vector<std::vector<double>> out(columns);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string field;
        for (std::size_t c = 0; c < columns && std::getline(fields, field, ','); ++c) out[c].push_back(std::stod(field));
    }
    return out;
}

TEST(ScorePeriod, MatchesStatsmodelsTrendAndScipyAnova) {
    const std::string self = __FILE__;
    std::ifstream cases(self.substr(0, self.rfind("/unit/")) + "/fixtures/period/fold_cases.csv");
    ASSERT_TRUE(cases.good());
    std::string line;
    std::getline(cases, line);  // header
    int checked = 0;
    while (std::getline(cases, line)) {
        std::istringstream fields(line);
        std::string name, period, f_oneway;
        std::getline(fields, name, ',');
        std::getline(fields, period, ',');
        std::getline(fields, f_oneway, ',');
        const int p = std::stoi(period);
        const auto cols = read_csv_columns("fold_" + name + ".csv", 2);
        const std::vector<double> &x = cols[0], &want_trend = cols[1];
        const std::size_t m = x.size();
        const std::vector<double> trend = moving_average_trend(x.data(), m, p);
        for (std::size_t i = 0; i < m; ++i) EXPECT_NEAR(trend[i], want_trend[i], 1e-9) << name << " i=" << i;
        // scipy divides SSW by m − p; we by c·m − (p − 1) (see degrees_of_freedom in period_score.cpp).
        const double pd = p, c = p % 2 == 0 ? 1.0 - 1.0 / pd - 1.0 / (2.0 * pd * pd) : 1.0 - 1.0 / pd;
        const double want_f = std::stod(f_oneway) * (c * static_cast<double>(m) - (pd - 1.0)) / (static_cast<double>(m) - pd);
        StopToken stop;
        const PeriodScore s = score_period(x.data(), m, p, stop);
        EXPECT_NEAR(s.f / want_f, 1.0, 1e-9) << name;
        ++checked;
    }
    EXPECT_EQ(checked, 3);
}

TEST(ScorePeriod, ExactPatternHasStrengthOne) {
    std::vector<double> x(70);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 3.0 * static_cast<double>(i) + (i % 7 == 5 ? 10.0 : 0.0);
    StopToken stop;
    const PeriodScore s = score_period(x.data(), x.size(), 7, stop);
    EXPECT_NEAR(s.strength, 1.0, 1e-9);
    EXPECT_TRUE(s.significant);
    EXPECT_LT(s.p_value, 1e-12);
}

TEST(ScorePeriod, StrengthEstimatesTheShareOfVarianceOfThePattern) {
    // Sinusoid of amplitude A plus unit noise: the pattern's share of the
    // variance is (A²/2) / (A²/2 + 1). n = 7000 → standard error ≈ 0.01.
    for (double amplitude : {0.5, 1.0, 2.0, 4.0}) {
        std::vector<double> x = white_noise(7000, 11);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] += amplitude * std::sin(2.0 * M_PI * static_cast<double>(i) / 10.0);
        StopToken stop;
        const PeriodScore s = score_period(x.data(), x.size(), 10, stop);
        const double share = amplitude * amplitude / 2.0 / (amplitude * amplitude / 2.0 + 1.0);
        EXPECT_NEAR(s.strength, share, 0.03) << "amplitude " << amplitude;
        EXPECT_TRUE(s.significant);
    }
    // No pattern: strength near 0 and not significant, for short and long periods.
    const std::vector<double> noise = white_noise(2000, 12);
    for (int p : {2, 7, 50, 400, 1000}) {
        StopToken stop;
        const PeriodScore s = score_period(noise.data(), noise.size(), p, stop);
        EXPECT_LT(s.strength, 0.1) << p;
        EXPECT_FALSE(s.significant) << p;
    }
}

// ---- detect_periods: the requirements -------------------------------------------

TEST(DetectPeriods, WeeklyPatternWithTrendAcrossNoiseLevels) {
    // Pattern sd ≈ 22; noise from far below to above it.
    for (double noise : {2.0, 10.0, 25.0}) {
        for (unsigned seed = 1; seed <= 8; ++seed) {
            const auto r = detect(daily_weekly(730, noise, seed));
            ASSERT_FALSE(r.empty()) << "noise " << noise << " seed " << seed;
            EXPECT_EQ(r[0].period, 7) << "noise " << noise << " seed " << seed << " " << describe(r);
        }
    }
    // The strength falls with the noise (share of variance: ≈ 490/(490+σ²)).
    const double s_low = detect(daily_weekly(730, 2.0, 1))[0].strength;
    const double s_high = detect(daily_weekly(730, 25.0, 1))[0].strength;
    EXPECT_GT(s_low, 0.95);
    EXPECT_NEAR(s_high, 490.0 / (490.0 + 625.0), 0.1);
}

TEST(DetectPeriods, HourlyGives24Then168) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        const auto r = detect(hourly(24 * 7 * 12, 3.0, seed));
        ASSERT_GE(r.size(), 2u) << describe(r);
        EXPECT_EQ(r[0].period, 24) << describe(r);
        EXPECT_EQ(r[1].period, 168) << describe(r);
        EXPECT_GT(r[0].strength, 0.7);
        EXPECT_GT(r[1].strength, 0.1);
    }
}

TEST(DetectPeriods, DailyWithWeeklyAndYearlyGivesBoth) {
    // Three years of daily data, weekly pattern plus a yearly cycle of
    // amplitude 100: 364 (= 52 weeks) holds both patterns and is the
    // strongest period, but 7 is reported too, and the yearly period comes
    // with what it adds to the week.
    for (unsigned seed = 1; seed <= 4; ++seed) {
        std::vector<double> v = daily_weekly(3 * 365 + 1, 20.0, seed);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] += 100.0 * std::sin(2.0 * M_PI * static_cast<double>(i) / 365.25);
        const auto r = detect(v);
        ASSERT_EQ(r.size(), 2u) << describe(r);
        EXPECT_GE(r[0].period, 362) << describe(r);
        EXPECT_LE(r[0].period, 368) << describe(r);
        EXPECT_EQ(r[1].period, 7) << describe(r);
    }
}

TEST(DetectPeriods, NoisyHourlyWeeklyPeriodSnapsTo168) {
    // Noise σ = 10: the week adds a strength of only ≈ 0.1 to the day, and
    // its best lag wanders by a lag or two; a period that close to a multiple
    // of 24 is taken as the multiple when nearly as strong.
    int exact = 0;
    for (unsigned seed = 1; seed <= 20; ++seed) {
        const auto r = detect(hourly(2016, 10.0, seed));
        ASSERT_GE(r.size(), 2u) << describe(r);
        EXPECT_EQ(r[0].period, 24);
        EXPECT_NEAR(r[1].period, 168, 2) << describe(r);
        exact += r[1].period == 168;
    }
    EXPECT_GE(exact, 14);  // 11 of 20 without the snap
}

TEST(DetectPeriods, MonthlyGives12) {
    for (std::size_t years : {4, 10}) {
        for (unsigned seed = 1; seed <= 5; ++seed) {
            const auto r = detect(monthly(12 * years, 5.0, seed));
            ASSERT_FALSE(r.empty()) << years << " years, seed " << seed;
            EXPECT_EQ(r[0].period, 12) << describe(r);
        }
    }
}

TEST(DetectPeriods, WhiteNoiseAndRandomWalkGiveNoRows) {
    for (std::size_t n : {40, 100, 365, 1000, 5000}) {
        for (unsigned seed = 1; seed <= 12; ++seed) {
            EXPECT_TRUE(detect(white_noise(n, seed)).empty()) << "noise n=" << n << " seed " << seed;
            EXPECT_TRUE(detect(random_walk(n, seed + 100)).empty()) << "walk n=" << n << " seed " << seed;
        }
    }
}

TEST(DetectPeriods, RandomWalkThatLooksPeriodicOverThreeCycles) {
    // This walk looks like a pattern of period ≈ 612 over its 3.3 cycles
    // (strength 0.8, F = 13.9); its within-phase residuals have lag-1
    // correlation 0.97, which the AR(1) correction (factor 0.015) found
    // significant. Their integrated autocorrelation time is far longer: not
    // significant.
    const std::vector<double> walk = random_walk(2000, 245);
    StopToken stop;
    const PeriodScore s = score_period(walk.data(), walk.size(), 612, stop);
    EXPECT_GT(s.strength, 0.7);
    EXPECT_FALSE(s.significant) << s.p_value;
    EXPECT_TRUE(detect(walk).empty()) << describe(detect(walk));
}

TEST(DetectPeriods, SpikesAPeriodApartAreNotAPattern) {
    // Noise with 1% spikes of 30σ: two spikes that fall p apart made a
    // strong "pattern" of period p (11 of 200 series of 100 points gave a
    // row, strengths up to 0.9) before the detrended values were clipped at
    // 4 robust standard deviations.
    for (std::size_t n : {100, 1000}) {
        for (unsigned seed = 1; seed <= 40; ++seed) {
            std::vector<double> v = white_noise(n, seed);
            std::mt19937_64 rng(seed + 1000);
            std::uniform_real_distribution<double> u(0.0, 1.0);
            for (double &x : v)
                if (u(rng) < 0.01) x += 30.0;
            EXPECT_TRUE(detect(v).empty()) << "n=" << n << " seed " << seed << " " << describe(detect(v));
        }
    }
    // Two spikes exactly 45 apart in 100 points.
    std::vector<double> v = white_noise(100, 3);
    v[20] += 30.0;
    v[65] += 30.0;
    StopToken stop;
    const PeriodScore s = score_period(v.data(), v.size(), 45, stop);
    EXPECT_LT(s.strength, 0.5);
    EXPECT_FALSE(s.significant) << s.p_value;
    // A real weekly pattern with the same spikes is still found.
    std::vector<double> w = daily_weekly(364, 10.0, 4);
    w[50] += 3000.0;
    w[50 + 49] += 3000.0;
    const auto r = detect(w);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].period, 7) << describe(r);
}

TEST(DetectPeriods, HarmonicsAreNotRankedAboveTheTruePeriod) {
    // A weekly shape dominated by its second harmonic (frequency 2/7, period 3.5).
    for (unsigned seed = 1; seed <= 5; ++seed) {
        std::vector<double> v = white_noise(364, seed);
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double d = static_cast<double>(i % 7);
            v[i] = 2.0 * v[i] + 10.0 * std::cos(2.0 * M_PI * 2.0 * d / 7.0) + 3.0 * std::cos(2.0 * M_PI * d / 7.0);
        }
        const auto r = detect(v);
        ASSERT_FALSE(r.empty());
        EXPECT_EQ(r[0].period, 7) << describe(r);
        for (std::size_t k = 1; k < r.size(); ++k)
            EXPECT_NE(r[k].period % 7, 0) << "multiple of 7 reported besides 7: " << describe(r);
        EXPECT_EQ(r.size(), 1u) << describe(r);
    }
    // A clean weekly series: 14, 21, 28 ... are not reported at all.
    for (unsigned seed = 1; seed <= 5; ++seed) {
        const auto r = detect(daily_weekly(730, 5.0, seed));
        ASSERT_FALSE(r.empty());
        EXPECT_EQ(r[0].period, 7);
        for (std::size_t k = 1; k < r.size(); ++k) EXPECT_NE(r[k].period % 7, 0) << describe(r);
    }
}

TEST(DetectPeriods, ScaleAndShiftInvariant) {
    const std::vector<double> base = hourly(24 * 7 * 6, 3.0, 5);
    const auto want = detect(base);
    ASSERT_FALSE(want.empty());
    for (double scale : {-3.0, 1e-6, 1e6, 1e-300, 1e300}) {
        for (double shift : {0.0, -50.0, 1e6}) {
            std::vector<double> v(base);
            // Shifts scale with the data (1e6 on values of 1e-300 would leave no digits of them).
            for (double &x : v) x = scale * (x + shift);
            const auto got = detect(v);
            ASSERT_EQ(got.size(), want.size()) << scale << " " << shift << " " << describe(got);
            for (std::size_t k = 0; k < got.size(); ++k) {
                EXPECT_EQ(got[k].period, want[k].period);
                EXPECT_NEAR(got[k].strength, want[k].strength, 1e-6) << scale << " " << shift;
            }
        }
    }
}

TEST(DetectPeriods, StrengthsInUnitIntervalAndSorted) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        for (const auto &v : {hourly(2016, 3.0, seed), daily_weekly(400, 10.0, seed), monthly(60, 3.0, seed)}) {
            const auto r = detect(v);
            ASSERT_FALSE(r.empty());
            EXPECT_LE(r.size(), kMaxDetectedPeriods);
            for (std::size_t k = 0; k < r.size(); ++k) {
                EXPECT_GT(r[k].strength, 0.0);
                EXPECT_LE(r[k].strength, 1.0);
                if (k > 0) {
                    EXPECT_GE(r[k - 1].strength, r[k].strength);
                }
            }
        }
    }
}

TEST(DetectPeriods, MissingValuesAreInterpolated) {
    std::vector<double> v = daily_weekly(730, 5.0, 3);
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (double &x : v)
        if (u(rng) < 0.1) x = kNaN;
    v[0] = v[1] = v[v.size() - 1] = kNaN;
    const auto r = detect(v);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].period, 7) << describe(r);
}

TEST(DetectPeriods, TooFewPointsConstantOrAllMissingGiveNoRows) {
    EXPECT_TRUE(detect({}).empty());
    EXPECT_TRUE(detect({kNaN, kNaN, kNaN}).empty());
    EXPECT_TRUE(detect({1.0, 2.0, 3.0}).empty());             // m/2 = 1 < min_period 2
    EXPECT_TRUE(detect(std::vector<double>(50, 4.2)).empty());  // constant
    // 20 points with min_period 11: no period has two cycles.
    EXPECT_TRUE(detect(daily_weekly(20, 1.0, 1), 11).empty());
}

TEST(DetectPeriods, MaxPeriodDefaultsToHalfTheSeries) {
    // Exactly two cycles of a period-10 shape: found by default (10 = n/2),
    // not when max_period or the length excludes it.
    const double shape[10] = {0, 5, 9, 4, -2, -6, -8, -3, 1, 0.5};
    std::vector<double> v(20);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = shape[i % 10];
    auto r = detect(v);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].period, 10) << describe(r);
    for (const auto &d : detect(v, 2, 9)) EXPECT_NE(d.period, 10);
    // Explicit max_period beyond n/2 is lowered to n/2.
    r = detect(v, 2, 1000);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].period, 10);
    v.pop_back();  // 19 points: 10 no longer has two cycles
    for (const auto &d : detect(v)) EXPECT_LE(d.period, 9);
}

TEST(DetectPeriods, MinPeriodSkipsShortPeriods) {
    // Without 24, the daily pattern is reported at a multiple of 24, and 168
    // is still there.
    const auto r = detect(hourly(2016, 3.0, 2), 25);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].period % 24, 0) << describe(r);
    bool weekly = false;
    for (const auto &d : r) {
        EXPECT_GE(d.period, 25);
        weekly = weekly || d.period == 168;
    }
    EXPECT_TRUE(weekly) << describe(r);
}

TEST(DetectPeriods, InvalidParametersAndInfinity) {
    const std::vector<double> v = daily_weekly(50, 1.0, 1);
    EXPECT_THROW(detect(v, 1), InvalidParameter);
    EXPECT_THROW(detect(v, -5), InvalidParameter);
    EXPECT_THROW(detect(v, 7, 6), InvalidParameter);
    EXPECT_THROW(detect({}, 0), InvalidParameter);  // parameters are checked before the data
    EXPECT_THROW(detect({1.0, kInf, 2.0, 3.0}), DataError);
    EXPECT_THROW(detect({kNaN, -kInf}), DataError);
}

bool always_stop() { return true; }

TEST(DetectPeriods, StopsWhenCancelled) {
    const std::vector<double> v = hourly(20000, 3.0, 1);
    PeriodDetectionParams p;
    StopToken stop(&always_stop);
    EXPECT_THROW(detect_periods(v.data(), v.size(), p, stop), Interrupted);
}

}  // namespace
}  // namespace anomaly
