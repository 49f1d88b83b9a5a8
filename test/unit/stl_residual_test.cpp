#include "core/stl_residual.hpp"

#include "core/errors.hpp"
#include "core/stl.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> weekly_series(std::size_t n, unsigned seed, double noise = 1.0) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> e(0.0, noise);
    const double pattern[7] = {5, 3, 0, -1, -2, -8, 3};
    std::vector<double> y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = 100.0 + 0.05 * i + pattern[i % 7] + e(rng);
    return y;
}

// The definition: a literal STL of every trailing window.
std::vector<double> literal_residuals(const std::vector<double> &y, int period, bool robust, int history) {
    std::vector<double> out(y.size(), kNaN);
    StlParams p;
    p.period = period;
    p.robust = robust;
    StopToken stop;
    for (std::size_t m = static_cast<std::size_t>(history) - 1; m < y.size(); ++m) {
        const StlComponents c = stl_decompose(y.data() + m + 1 - history, history, p, stop);
        out[m] = c.resid.back();
    }
    return out;
}

std::vector<double> fast_residuals(const std::vector<double> &y, StlResidualParams p) {
    std::vector<double> r(y.size());
    StopToken stop;
    stl_residual_rolling(y.data(), y.size(), p, nullptr, r.data(), stop);
    return r;
}

TEST(StlResidual, LinearPathEqualsLiteralStl) {
    for (int period : {7, 12}) {
        const std::vector<double> y = weekly_series(150, 3 + period);
        StlResidualParams p;
        p.period = period;
        p.robust = false;
        const int h = std::max(8 * period, 56);
        const std::vector<double> got = fast_residuals(y, p), want = literal_residuals(y, period, false, h);
        for (std::size_t i = 0; i < y.size(); ++i) {
            if (std::isnan(want[i])) {
                EXPECT_TRUE(std::isnan(got[i])) << i;
            } else {
                EXPECT_NEAR(got[i], want[i], 1e-9) << "period " << period << " row " << i;
            }
        }
    }
}

TEST(StlResidual, RobustPathIsLiteralAtRefreshRowsAndCloseInBetween) {
    std::vector<double> y = weekly_series(300, 11);
    const std::size_t outliers[] = {70, 97, 150, 180, 230};
    for (std::size_t i : outliers) y[i] += 20.0;  // noise sd is 1
    StlResidualParams p;  // period 7, robust, history 56, refresh 7
    const std::vector<double> got = fast_residuals(y, p), want = literal_residuals(y, 7, true, 56);
    std::vector<double> diff;
    for (std::size_t m = 55; m < y.size(); ++m) {
        if ((m - 55) % 7 == 0) {
            EXPECT_NEAR(got[m], want[m], 1e-9) << "refresh row " << m;
        }
        diff.push_back(std::fabs(got[m] - want[m]));
    }
    // In between, the warm-started fit is not the literal one: measured on
    // this series, the median |difference| is about 0.1 noise sd (a few rows
    // next to outliers differ by several sd, where the literal robust fit
    // itself jumps).
    std::nth_element(diff.begin(), diff.begin() + diff.size() / 2, diff.end());
    EXPECT_LT(diff[diff.size() / 2], 0.25);
    // Every outlier keeps a large residual in both.
    for (std::size_t i : outliers) {
        EXPECT_GT(want[i], 12.0) << i;
        EXPECT_GT(got[i], 12.0) << i;
    }
}

TEST(StlResidual, ScoresFlagOutliersAndStayCausal) {
    std::vector<double> y = weekly_series(200, 5);
    y[120] += 30.0;
    y[60] = kNaN;  // skipped: no score, not part of any window
    StlResidualParams p;
    std::vector<double> r(y.size()), s(y.size());
    StopToken stop;
    stl_residual_rolling(y.data(), y.size(), p, nullptr, r.data(), stop);
    stl_residual_scores(y.data(), r.data(), y.size(), p, s.data(), stop);
    // Residuals from the 56th finite value (row 55) on; row 60 is skipped, so
    // the 7 residuals a score needs are those of rows 55-59, 61, 62.
    for (std::size_t i = 0; i < 55; ++i) EXPECT_TRUE(std::isnan(r[i])) << i;
    EXPECT_FALSE(std::isnan(r[55]));
    EXPECT_TRUE(std::isnan(r[60]));
    EXPECT_TRUE(std::isnan(s[60]));
    for (std::size_t i = 0; i < 63; ++i) EXPECT_TRUE(std::isnan(s[i])) << "too early " << i;
    EXPECT_FALSE(std::isnan(s[63]));
    EXPECT_GT(s[120], 3.5);
    std::size_t flagged = 0, scored = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
        if (!std::isnan(s[i]) && i != 120) {
            ++scored;
            flagged += std::fabs(s[i]) > 3.5;
        }
    EXPECT_GT(scored, 120u);
    EXPECT_LE(flagged, 4u);
    // Causal: the scores of a prefix are the prefix of the scores.
    for (std::size_t cut : {100u, 121u, 150u}) {
        std::vector<double> rp(cut), sp(cut);
        stl_residual_rolling(y.data(), cut, p, nullptr, rp.data(), stop);
        stl_residual_scores(y.data(), rp.data(), cut, p, sp.data(), stop);
        for (std::size_t i = 0; i < cut; ++i) {
            if (std::isnan(s[i])) {
                EXPECT_TRUE(std::isnan(sp[i])) << cut << " " << i;
            } else {
                EXPECT_DOUBLE_EQ(sp[i], s[i]) << cut << " " << i;
            }
        }
    }
}

TEST(StlResidual, ExactlyPeriodicSeriesScoresZero) {
    std::vector<double> y(90);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 10.0 + (i % 7 == 5 ? -4.0 : 1.0);
    StlResidualParams p;
    std::vector<double> r(y.size()), s(y.size());
    StopToken stop;
    stl_residual_rolling(y.data(), y.size(), p, nullptr, r.data(), stop);
    stl_residual_scores(y.data(), r.data(), y.size(), p, s.data(), stop);
    for (std::size_t i = 63; i < y.size(); ++i) EXPECT_EQ(s[i], 0.0) << i;
    y.push_back(20.0);  // a jump after an exactly periodic history: +Infinity
    r.resize(y.size());
    s.resize(y.size());
    stl_residual_rolling(y.data(), y.size(), p, nullptr, r.data(), stop);
    stl_residual_scores(y.data(), r.data(), y.size(), p, s.data(), stop);
    EXPECT_EQ(s.back(), std::numeric_limits<double>::infinity());
}

TEST(StlResidual, RejectsBadParameters) {
    StlResidualParams p;
    p.period = 1;
    EXPECT_THROW(resolve_stl_residual_params(p), InvalidParameter);
    p.period = 7;
    p.history = 13;
    EXPECT_THROW(resolve_stl_residual_params(p), InvalidParameter);
    p.history = 14;
    EXPECT_EQ(*resolve_stl_residual_params(p).history, 14);
    p.history.reset();
    EXPECT_EQ(*resolve_stl_residual_params(p).history, 56);
    p.period = 24;
    EXPECT_EQ(*resolve_stl_residual_params(p).history, 192);
}

}  // namespace
}  // namespace anomaly
