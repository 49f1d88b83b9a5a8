#include "core/mstl.hpp"

#include "core/errors.hpp"
#include "stl_fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace anomaly {
namespace {

std::vector<int> ints(const std::string &cell) {
    std::vector<int> out;
    std::stringstream ss(cell);
    int v;
    while (ss >> v) out.push_back(v);
    return out;
}

TEST(Mstl, MatchesStatsmodelsMstlLoop) {
    const testing::CsvTable cases = testing::read_csv("mstl_cases.csv");
    ASSERT_GE(cases.rows.size(), 4u);
    for (std::size_t r = 0; r < cases.rows.size(); ++r) {
        const std::string file = cases.cell(r, "file");
        SCOPED_TRACE(file);
        const testing::CsvTable ref = testing::read_csv(file);
        const std::vector<double> y = ref.column("y");
        MstlParams p;
        p.periods = ints(cases.cell(r, "periods"));
        p.windows = ints(cases.cell(r, "windows"));
        p.stl.robust = cases.cell(r, "robust") == "1";
        StopToken stop;
        const MstlComponents c = mstl_decompose(y.data(), y.size(), p, stop);
        std::size_t columns = 0;
        for (const auto &h : ref.header) columns += h.rfind("seasonal_", 0) == 0;
        ASSERT_EQ(c.periods.size(), columns);
        for (std::size_t i = 0; i < c.periods.size(); ++i)
            testing::expect_close(c.seasonal[i], ref.column("seasonal_" + std::to_string(c.periods[i])), 1e-8,
                                  file + " seasonal_" + std::to_string(c.periods[i]));
        testing::expect_close(c.trend, ref.column("trend"), 1e-8, file + " trend");
        testing::expect_close(c.resid, ref.column("resid"), 1e-8, file + " resid");
        testing::expect_close(c.weights, ref.column("weight"), 1e-8, file + " weight");
    }
}

TEST(Mstl, SortsPeriodsAndDefaultsWindows) {
    std::vector<double> y(400);
    for (std::size_t t = 0; t < y.size(); ++t) y[t] = std::sin(t * 0.7) + 0.01 * t + (t % 24) * 0.1;
    MstlParams p;
    p.periods = {168, 24, 250};
    StopToken stop;
    const MstlComponents c = mstl_decompose(y.data(), y.size(), p, stop);
    EXPECT_EQ(c.periods, (std::vector<int>{24, 168}));  // 250 >= 400/2 dropped
    EXPECT_EQ(c.windows, (std::vector<int>{11, 15}));
    for (std::size_t t = 0; t < y.size(); ++t)
        EXPECT_NEAR(c.trend[t] + c.seasonal[0][t] + c.seasonal[1][t] + c.resid[t], y[t], 1e-9);
}

TEST(Mstl, RejectsBadInput) {
    std::vector<double> y(100, 1.0);
    StopToken stop;
    auto expect_invalid = [&](MstlParams p) {
        EXPECT_THROW(mstl_decompose(y.data(), y.size(), p, stop), InvalidParameter);
    };
    MstlParams p;
    expect_invalid(p);  // no period
    p.periods = {1};
    expect_invalid(p);
    p.periods = {50, 60};  // every period >= n/2
    expect_invalid(p);
    p.periods = {7, 7};  // duplicate
    expect_invalid(p);
    p.periods.assign(17, 2);
    for (int k = 0; k < 17; ++k) p.periods[static_cast<std::size_t>(k)] = 2 + k;
    expect_invalid(p);  // more than 16 periods
    p.periods = {7, 12};
    p.windows = {7};
    expect_invalid(p);
    p.windows = {7, 8};  // even window
    expect_invalid(p);
    p.windows = {};
    p.iterate = 0;
    expect_invalid(p);
    p.iterate = 2;
    y[3] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(mstl_decompose(y.data(), y.size(), p, stop), DataError);
}

}  // namespace
}  // namespace anomaly
