#include "core/robust_statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace anomaly {
namespace {

TEST(RobustLocation, OddSampleByHand) {
    // sorted: 1 2 3 4 100 -> median 3; |dev| = 2 1 0 1 97 -> MAD 1; mean 101/5
    const std::vector<double> v{100, 2, 4, 1, 3};
    const RobustLocation loc = robust_location(v.data(), v.size());
    EXPECT_DOUBLE_EQ(loc.median, 3.0);
    EXPECT_DOUBLE_EQ(loc.mad, 1.0);
    EXPECT_DOUBLE_EQ(loc.mean_abs_dev, 101.0 / 5.0);
}

TEST(RobustLocation, EvenSampleByHand) {
    // sorted: 1 2 4 10 -> median 3; |dev| = 2 1 1 7 -> MAD 1.5; mean 11/4
    const std::vector<double> v{10, 1, 4, 2};
    const RobustLocation loc = robust_location(v.data(), v.size());
    EXPECT_DOUBLE_EQ(loc.median, 3.0);
    EXPECT_DOUBLE_EQ(loc.mad, 1.5);
    EXPECT_DOUBLE_EQ(loc.mean_abs_dev, 11.0 / 4.0);
}

TEST(RobustLocation, EmptySampleThrows) { EXPECT_THROW(robust_location(nullptr, 0), std::invalid_argument); }

TEST(ModifiedZscore, UsesMadWhenPositive) {
    const RobustLocation loc{3.0, 1.0, 20.2};
    EXPECT_DOUBLE_EQ(modified_zscore(10.0, loc), 0.6745 * 7.0);
    EXPECT_DOUBLE_EQ(modified_zscore(1.0, loc), -0.6745 * 2.0);
}

TEST(ModifiedZscore, FallsBackToMeanAbsoluteDeviationWhenMadIsZero) {
    // 5 5 5 5 9: median 5, MAD 0, mean |dev| = 4/5
    const std::vector<double> v{5, 5, 9, 5, 5};
    const RobustLocation loc = robust_location(v.data(), v.size());
    ASSERT_EQ(loc.mad, 0.0);
    EXPECT_DOUBLE_EQ(modified_zscore(6.0, loc), 1.0 / (1.253314 * 0.8));
    EXPECT_DOUBLE_EQ(modified_zscore(4.0, loc), -1.0 / (1.253314 * 0.8));
}

TEST(ModifiedZscore, ConstantHistoryGivesZeroOrInfinity) {
    const std::vector<double> v{7, 7, 7};
    const RobustLocation loc = robust_location(v.data(), v.size());
    EXPECT_EQ(modified_zscore(7.0, loc), 0.0);
    EXPECT_EQ(modified_zscore(7.5, loc), std::numeric_limits<double>::infinity());
    EXPECT_EQ(modified_zscore(-1.0, loc), -std::numeric_limits<double>::infinity());
}

TEST(Midpoint, DoesNotOverflow) {
    const double big = std::numeric_limits<double>::max();
    EXPECT_EQ(midpoint(big, big), big);
    EXPECT_EQ(midpoint(-big, big), 0.0);
    EXPECT_EQ(midpoint(1.0, 2.0), 1.5);
}

}  // namespace
}  // namespace anomaly
