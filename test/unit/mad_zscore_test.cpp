#include "core/mad_zscore.hpp"

#include "core/errors.hpp"
#include "score_assertions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> rolling(const std::vector<double> &v, int lookback, int min_history) {
    std::vector<double> out(v.size());
    StopToken stop;
    mad_zscore_rolling(v.data(), v.size(), MadZscoreParams{lookback, min_history}, out.data(), stop);
    return out;
}

double sorted_median(std::vector<double> s) {
    std::sort(s.begin(), s.end());
    const std::size_t n = s.size();
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

// The definition, computed the slow way: sort the history of every row.
std::vector<double> naive(const std::vector<double> &v, std::size_t lookback, std::size_t min_history) {
    std::vector<double> out(v.size(), kNaN);
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!std::isfinite(v[i])) continue;
        std::vector<double> h;
        for (std::size_t j = i; j-- > 0 && h.size() < lookback;)
            if (std::isfinite(v[j])) h.push_back(v[j]);
        if (h.size() < min_history) continue;
        const double m = sorted_median(h);
        std::vector<double> dev;
        double sum = 0;
        for (double x : h) {
            dev.push_back(std::fabs(x - m));
            sum += std::fabs(x - m);
        }
        const double mad = sorted_median(dev);
        const double meanad = sum / static_cast<double>(h.size());
        const double d = v[i] - m;
        if (mad > 0)
            out[i] = 0.6745 * d / mad;
        else if (meanad > 0)
            out[i] = d / (1.253314 * meanad);
        else
            out[i] = d == 0 ? 0.0 : std::copysign(kInf, d);
    }
    return out;
}

void expect_same_scores(const std::vector<double> &got, const std::vector<double> &want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(testing::same_score(got[i], want[i], 1e-9)) << "i=" << i;
}

TEST(MadZscoreRolling, HandComputedSeries) {
    // lookback 5, min_history 3
    //  i  x    history        median MAD  score
    //  3  4    1 2 3          2      1    0.6745*2/1
    //  5  6    2 3 4 5 (…)    3.5    1    ... (history 1..5 -> median 3, MAD 1)
    //  7  100  3 4 5 6 7      5      1    0.6745*95
    //  8  3    4 5 6 7 100    6      1    0.6745*-3
    const std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 100, 3};
    const std::vector<double> z = rolling(v, 5, 3);
    EXPECT_TRUE(std::isnan(z[0]) && std::isnan(z[1]) && std::isnan(z[2]));
    EXPECT_DOUBLE_EQ(z[3], 0.6745 * 2.0);          // 1 2 3: median 2, MAD 1
    EXPECT_DOUBLE_EQ(z[4], 0.6745 * 2.5 / 1.0);    // 1 2 3 4: median 2.5, MAD 1
    EXPECT_DOUBLE_EQ(z[5], 0.6745 * 3.0 / 1.0);    // 1..5: median 3, MAD 1
    EXPECT_DOUBLE_EQ(z[7], 0.6745 * 95.0);         // 3..7: median 5, MAD 1
    EXPECT_DOUBLE_EQ(z[8], 0.6745 * -3.0);         // 4 5 6 7 100: median 6, MAD 1
}

TEST(MadZscoreRolling, MadZeroFallsBackToMeanAbsoluteDeviation) {
    // history 10 10 10 10 14: median 10, MAD 0, mean|dev| 0.8
    const std::vector<double> v{10, 10, 14, 10, 10, 12};
    const std::vector<double> z = rolling(v, 28, 5);
    EXPECT_DOUBLE_EQ(z[5], 2.0 / (1.253314 * 0.8));
}

TEST(MadZscoreRolling, ConstantHistoryGivesZeroOrSignedInfinity) {
    const std::vector<double> v{3, 3, 3, 3, 2, 3, 4};
    const std::vector<double> z = rolling(v, 4, 4);
    EXPECT_EQ(z[4], -kInf);  // 3 3 3 3 vs 2
    // history 3 3 3 2: median 3, MAD 0, mean|dev| 0.25
    EXPECT_EQ(z[5], 0.0);
    EXPECT_DOUBLE_EQ(z[6], 1.0 / (1.253314 * 0.25));
}

TEST(MadZscoreRolling, NonFiniteValuesAreSkippedAndNeverCount) {
    const std::vector<double> v{1, kNaN, 2, kInf, 3, -kInf, 4, kNaN};
    const std::vector<double> z = rolling(v, 3, 3);
    for (std::size_t i : {0u, 1u, 2u, 3u, 4u, 5u, 7u}) EXPECT_TRUE(std::isnan(z[i])) << i;
    EXPECT_DOUBLE_EQ(z[6], 0.6745 * 2.0);  // 1 2 3: median 2, MAD 1
    // Same as the series without the non-finite values.
    const std::vector<double> z2 = rolling({1, 2, 3, 4}, 3, 3);
    EXPECT_EQ(z[6], z2[3]);
}

TEST(MadZscoreRolling, LookbackKeepsOnlyTheLastValues) {
    const std::vector<double> v{1000, 1, 2, 3, 4};
    const std::vector<double> z = rolling(v, 3, 3);
    EXPECT_DOUBLE_EQ(z[4], 0.6745 * 2.0);  // 1 2 3 only, 1000 fell out
}

TEST(MadZscoreRolling, EmptyAndShortSeries) {
    EXPECT_TRUE(rolling({}, 28, 7).empty());
    const std::vector<double> z = rolling({5}, 28, 1);
    EXPECT_TRUE(std::isnan(z[0]));
    const std::vector<double> z2 = rolling({5, 6}, 1, 1);
    EXPECT_EQ(z2[1], kInf);  // history {5}: MAD 0 and mean|dev| 0
}

TEST(MadZscoreRolling, ParameterErrors) {
    EXPECT_THROW(rolling({1, 2}, 0, 1), InvalidParameter);
    EXPECT_THROW(rolling({1, 2}, 5, 0), InvalidParameter);
    EXPECT_THROW(rolling({1, 2}, 5, 6), InvalidParameter);
    try {
        rolling({1}, 3, 4);
        FAIL();
    } catch (const InvalidParameter &e) {
        EXPECT_STREQ(e.what(), "min_history (4) must not exceed lookback (3)");
    }
}

TEST(MadZscoreRolling, MatchesNaiveReferenceOnRandomData) {
    std::mt19937_64 rng(42);
    std::normal_distribution<double> gauss(100.0, 15.0);
    std::poisson_distribution<int> counts(2.0);  // many ties, MAD = 0 windows
    std::uniform_real_distribution<double> u(0, 1);
    for (int trial = 0; trial < 40; ++trial) {
        const std::size_t n = 50 + rng() % 400;
        std::vector<double> v(n);
        for (auto &x : v) {
            x = trial % 2 ? gauss(rng) : counts(rng);
            if (u(rng) < 0.05) x = kNaN;
            if (u(rng) < 0.01) x = u(rng) < 0.5 ? kInf : -kInf;
            if (u(rng) < 0.02) x *= 50;  // outliers
        }
        const int lookbacks[] = {1, 2, 3, 7, 28, 100, 1000};
        const int lookback = lookbacks[trial % 7];
        const int min_history = 1 + static_cast<int>(rng() % static_cast<unsigned>(lookback));
        SCOPED_TRACE("trial " + std::to_string(trial) + " lookback " + std::to_string(lookback));
        expect_same_scores(rolling(v, lookback, min_history), naive(v, lookback, min_history));
    }
}

TEST(MadZscoreRolling, LargeCloseValuesKeepPrecision) {
    // MAD = 0 windows of values around 1e12 differing by 1: the mean absolute
    // deviation comes from sums, which must not lose the small differences.
    std::vector<double> v;
    for (int i = 0; i < 200; ++i) v.push_back(1e12 + (i % 5 == 0 ? 1.0 : 0.0));
    expect_same_scores(rolling(v, 10, 5), naive(v, 10, 5));
}

TEST(MadZscoreLast, EqualsTheLastRollingScore) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> gauss(0, 1);
    std::vector<double> v(300);
    for (auto &x : v) x = gauss(rng);
    v[100] = kNaN;
    for (int lookback : {1, 7, 28, 500}) {
        const int min_history = std::min(lookback, 7);
        const std::vector<double> z = rolling(v, lookback, min_history);
        for (std::size_t n : {0ul, 5ul, 101ul, 299ul}) {
            const double last = mad_zscore_last(v.data(), n, v[n], MadZscoreParams{lookback, min_history});
            EXPECT_TRUE(testing::same_score(last, z[n], 1e-12)) << "n=" << n << " lookback=" << lookback;
        }
    }
    EXPECT_TRUE(std::isnan(mad_zscore_last(v.data(), 50, kNaN, MadZscoreParams{})));
}

bool always_stop() { return true; }

TEST(MadZscoreRolling, StopsWhenCancelled) {
    std::vector<double> v(100000, 1.0), out(v.size());
    StopToken stop(&always_stop);
    EXPECT_THROW(mad_zscore_rolling(v.data(), v.size(), MadZscoreParams{}, out.data(), stop), Interrupted);
}

}  // namespace
}  // namespace anomaly
