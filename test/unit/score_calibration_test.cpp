#include "core/score_calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ScoreCalibration, NormalTailOfKnownQuantiles) {
    EXPECT_DOUBLE_EQ(normal_two_sided_p(0.0), 1.0);
    EXPECT_NEAR(normal_two_sided_p(1.959963985), 0.05, 1e-9);
    EXPECT_NEAR(normal_two_sided_p(-2.575829304), 0.01, 1e-9);
    EXPECT_NEAR(normal_two_sided_p(3.290526731), 0.001, 1e-9);
    // Clipped at 1e-16: doubles cannot tell 1 − p from 1 beyond.
    EXPECT_DOUBLE_EQ(normal_two_sided_p(40.0), 1e-16);
    EXPECT_DOUBLE_EQ(normal_two_sided_p(-kInf), 1e-16);
    EXPECT_TRUE(std::isnan(normal_two_sided_p(kNaN)));
}

TEST(ScoreCalibration, EmpiricalRankSkipsNonFinite) {
    const double h[] = {1, 2, kNaN, 3, 4, kInf};
    // N = 4 finite; 3 and 4 are >= 3: (1 + 2) / 5.
    EXPECT_DOUBLE_EQ(empirical_upper_p(h, 6, 3.0), 0.6);
    EXPECT_DOUBLE_EQ(empirical_upper_p(h, 6, 10.0), 0.2);
    EXPECT_DOUBLE_EQ(empirical_upper_p(h, 6, 0.0), 1.0);
    EXPECT_DOUBLE_EQ(empirical_upper_p(h, 0, 5.0), 1.0);
    EXPECT_TRUE(std::isnan(empirical_upper_p(h, 6, kNaN)));
}

TEST(ScoreCalibration, SurpriseAndBack) {
    EXPECT_NEAR(surprise(0.001), 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(surprise(1.0), 0.0);
    EXPECT_DOUBLE_EQ(surprise(0.0), kMaxSurprise);
    EXPECT_DOUBLE_EQ(surprise(1e-30), kMaxSurprise);
    EXPECT_NEAR(calibrated_from_surprise(3.0), 0.999, 1e-12);
    EXPECT_DOUBLE_EQ(calibrated_from_surprise(0.0), 0.0);
    EXPECT_TRUE(std::isnan(calibrated_from_surprise(kNaN)));
}

TEST(ScoreCalibration, WeightedSurpriseRenormalisesOverAvailableLayers) {
    const double s[] = {2.0, 4.0, 10.0};
    const double w[] = {1.0, 3.0, 1.0};
    const bool all[] = {true, true, false};
    // (1·2 + 3·4) / 4 = 3.5; the third is not available.
    EXPECT_DOUBLE_EQ(weighted_surprise(s, w, all, 3), 3.5);
    const double w0[] = {0.0, 0.0, 1.0};
    EXPECT_TRUE(std::isnan(weighted_surprise(s, w0, all, 3)));
    const double sn[] = {kNaN, 4.0, 1.0};
    const bool yes[] = {true, true, true};
    // NaN layers are skipped: (3·4 + 1·1) / 4.
    EXPECT_DOUBLE_EQ(weighted_surprise(sn, w, yes, 3), 13.0 / 4.0);
    // Capped at 8 each: (1·8 + 3·4) / 4.
    const double big[] = {16.0, 4.0, 0.0};
    EXPECT_DOUBLE_EQ(weighted_surprise(big, w, all, 3), 5.0);
}

}  // namespace
}  // namespace anomaly
