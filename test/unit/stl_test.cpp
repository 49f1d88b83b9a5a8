#include "core/stl.hpp"

#include "core/errors.hpp"
#include "stl_fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

using testing::read_csv;

std::optional<int> opt_int(const std::string &cell) {
    if (cell.empty()) return std::nullopt;
    return std::stoi(cell);
}

StlParams params_of(const testing::CsvTable &cases, std::size_t row) {
    StlParams p;
    p.period = std::stoi(cases.cell(row, "period"));
    if (auto v = opt_int(cases.cell(row, "seasonal"))) p.seasonal = *v;
    p.trend = opt_int(cases.cell(row, "trend"));
    p.low_pass = opt_int(cases.cell(row, "low_pass"));
    if (auto v = opt_int(cases.cell(row, "seasonal_deg"))) p.seasonal_deg = *v;
    if (auto v = opt_int(cases.cell(row, "trend_deg"))) p.trend_deg = *v;
    if (auto v = opt_int(cases.cell(row, "low_pass_deg"))) p.low_pass_deg = *v;
    if (auto v = opt_int(cases.cell(row, "robust"))) p.robust = *v != 0;
    if (auto v = opt_int(cases.cell(row, "seasonal_jump"))) p.seasonal_jump = *v;
    if (auto v = opt_int(cases.cell(row, "trend_jump"))) p.trend_jump = *v;
    if (auto v = opt_int(cases.cell(row, "low_pass_jump"))) p.low_pass_jump = *v;
    return p;
}

TEST(Stl, MatchesStatsmodelsOnEveryFixture) {
    const testing::CsvTable cases = read_csv("stl_cases.csv");
    ASSERT_GE(cases.rows.size(), 20u);
    for (std::size_t r = 0; r < cases.rows.size(); ++r) {
        const std::string file = cases.cell(r, "file");
        SCOPED_TRACE(file);
        const testing::CsvTable ref = read_csv(file);
        const std::vector<double> y = ref.column("y");
        StopToken stop;
        const StlComponents c = stl_decompose(y.data(), y.size(), params_of(cases, r), stop);
        // 1e-8 absolute; for series beyond |y| = 1e5 (stl_negative_large),
        // 1e-13 relative to max |y| (rounding of sums at that magnitude).
        double scale = 0.0;
        for (double v : y) scale = std::max(scale, std::fabs(v));
        const double tol = std::max(1e-8, 1e-13 * scale);
        testing::expect_close(c.trend, ref.column("trend"), tol, file + " trend");
        testing::expect_close(c.seasonal, ref.column("seasonal"), tol, file + " seasonal");
        testing::expect_close(c.resid, ref.column("resid"), tol, file + " resid");
        testing::expect_close(c.weights, ref.column("weight"), 1e-8, file + " weight");
    }
}

TEST(Stl, DefaultsFollowStatsmodels) {
    StlParams p;
    p.period = 7;
    StlParams r = resolve_stl_params(p, 100);
    EXPECT_EQ(*r.trend, 15);      // ceil(10.5 / (1 - 1.5/7)) = 14 -> odd 15
    EXPECT_EQ(*r.low_pass, 9);    // 8 -> 9
    EXPECT_EQ(*r.inner_iter, 5);
    EXPECT_EQ(*r.outer_iter, 0);
    p.period = 24;
    p.robust = true;
    r = resolve_stl_params(p, 100);
    EXPECT_EQ(*r.trend, 47);      // ceil(36 / 0.7857) = 46 -> 47
    EXPECT_EQ(*r.low_pass, 25);
    EXPECT_EQ(*r.inner_iter, 2);
    EXPECT_EQ(*r.outer_iter, 15);
    p.seasonal = 13;
    r = resolve_stl_params(p, 100);
    EXPECT_EQ(*r.trend, 41);      // ceil(36 / (1 - 1.5/13)) = 41
    p.period = 2;
    p.seasonal = 7;
    r = resolve_stl_params(p, 4);
    EXPECT_EQ(*r.trend, 5);       // ceil(3 / 0.7857) = 4 -> 5
    EXPECT_EQ(*r.low_pass, 3);
}

TEST(Stl, RejectsBadParameters) {
    auto bad = [](auto mutate, std::size_t n = 100) {
        StlParams p;
        p.period = 7;
        mutate(p);
        EXPECT_THROW(resolve_stl_params(p, n), InvalidParameter);
    };
    bad([](StlParams &p) { p.period = 1; });
    bad([](StlParams &p) { p.period = -3; });
    bad([](StlParams &p) { p.seasonal = 8; });
    bad([](StlParams &p) { p.seasonal = 1; });
    bad([](StlParams &p) { p.trend = 12; });
    bad([](StlParams &p) { p.trend = 7; });      // not > period
    bad([](StlParams &p) { p.low_pass = 7; });   // not > period
    bad([](StlParams &p) { p.low_pass = 10; });
    bad([](StlParams &p) { p.seasonal_deg = 2; });
    bad([](StlParams &p) { p.trend_deg = -1; });
    bad([](StlParams &p) { p.low_pass_deg = 3; });
    bad([](StlParams &p) { p.seasonal_jump = 0; });
    bad([](StlParams &p) { p.trend_jump = -1; });
    bad([](StlParams &p) { p.low_pass_jump = 0; });
    bad([](StlParams &) {}, 13);  // fewer than 2 periods
    StlParams ok;
    ok.period = 7;
    EXPECT_NO_THROW(resolve_stl_params(ok, 14));
}

TEST(Stl, RejectsNonFiniteValues) {
    std::vector<double> y(28, 1.0);
    y[5] = std::numeric_limits<double>::quiet_NaN();
    StopToken stop;
    StlParams p;
    EXPECT_THROW(stl_decompose(y.data(), y.size(), p, stop), DataError);
    y[5] = std::numeric_limits<double>::infinity();
    EXPECT_THROW(stl_decompose(y.data(), y.size(), p, stop), DataError);
    y[5] = 1e200;  // would overflow the sums
    EXPECT_THROW(stl_decompose(y.data(), y.size(), p, stop), DataError);
    y[5] = -1e150;
    EXPECT_NO_THROW(stl_decompose(y.data(), y.size(), p, stop));
}

TEST(Stl, ComponentsAddUpAndPureSeasonIsRecovered) {
    // y = level + exact weekly pattern (mean 0): trend = level, seasonal = pattern.
    const double pattern[7] = {3, -1, 0.5, -2, 4, -3, -1.5};
    std::vector<double> y(140);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 50.0 + pattern[i % 7];
    StopToken stop;
    StlParams p;
    p.robust = true;
    const StlComponents c = stl_decompose(y.data(), y.size(), p, stop);
    for (std::size_t i = 0; i < y.size(); ++i) {
        EXPECT_DOUBLE_EQ(c.trend[i] + c.seasonal[i] + c.resid[i], y[i]);
        EXPECT_NEAR(c.trend[i], 50.0, 1e-9) << i;
        EXPECT_NEAR(c.seasonal[i], pattern[i % 7], 1e-9) << i;
    }
}

TEST(Stl, HugeSpansStayFiniteAndCheap) {
    // Spans far beyond the series: every point in every neighbourhood, the
    // tricube weights computed directly (no table of that bandwidth).
    std::vector<double> y(30);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(0.9 * i) + 0.1 * i;
    StlParams p;
    p.seasonal = 2000000001;
    p.trend = 1999999999;
    p.low_pass = 2147483647;
    p.robust = true;
    StopToken stop;
    const StlComponents c = stl_decompose(y.data(), y.size(), p, stop);
    for (std::size_t i = 0; i < y.size(); ++i) {
        EXPECT_TRUE(std::isfinite(c.trend[i]) && std::isfinite(c.seasonal[i])) << i;
        EXPECT_NEAR(c.trend[i] + c.seasonal[i] + c.resid[i], y[i], 1e-12);
    }
}

bool always_stop() { return true; }

TEST(Stl, StopsOnCancel) {
    // 520 phases × 2 inner loops: more polls per pass than the token's stride.
    std::vector<double> y(1040);
    std::mt19937 rng(7);
    std::normal_distribution<double> noise;
    for (double &v : y) v = noise(rng);
    StopToken stop(&always_stop);
    StlParams p;
    p.period = 520;
    p.robust = true;
    EXPECT_THROW(stl_decompose(y.data(), y.size(), p, stop), Interrupted);
}

}  // namespace
}  // namespace anomaly
