#include "core/stl_input.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(StlInput, InterpolatesInsideAndRepeatsAtTheEnds) {
    std::vector<double> y{kNaN, kNaN, 2, kNaN, kNaN, 8, 9, kNaN};
    EXPECT_EQ(fill_missing_linear(y.data(), y.size()), 3u);
    EXPECT_EQ(y, (std::vector<double>{2, 2, 2, 4, 6, 8, 9, 9}));
}

TEST(StlInput, LeavesCompleteSeriesAlone) {
    std::vector<double> y{1, -2, 3};
    EXPECT_EQ(fill_missing_linear(y.data(), y.size()), 3u);
    EXPECT_EQ(y, (std::vector<double>{1, -2, 3}));
    EXPECT_EQ(fill_missing_linear(nullptr, 0), 0u);
}

TEST(StlInput, RejectsInfinityAndAllMissing) {
    std::vector<double> y{1, std::numeric_limits<double>::infinity(), 3};
    EXPECT_THROW(fill_missing_linear(y.data(), y.size()), DataError);
    std::vector<double> z{kNaN, kNaN};
    EXPECT_THROW(fill_missing_linear(z.data(), z.size()), DataError);
}

}  // namespace
}  // namespace anomaly
