#include "core/gap_fill.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace anomaly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDay = 86400.0;

std::vector<double> filled(std::vector<double> v) {
    fill_short_gaps(v);
    return v;
}

void expect_same(const std::vector<double> &a, const std::vector<double> &b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(b[i])) EXPECT_TRUE(std::isnan(a[i])) << "at " << i;
        else EXPECT_DOUBLE_EQ(a[i], b[i]) << "at " << i;
    }
}

TEST(GapFill, ShortRunsForwardFilledMediumInterpolatedLongLeft) {
    expect_same(filled({1, kNaN, 4}), {1, 1, 4});
    expect_same(filled({1, kNaN, kNaN, 4}), {1, 1, 1, 4});
    // 3 missing: interpolated in quarters between 1 and 5.
    expect_same(filled({1, kNaN, kNaN, kNaN, 5}), {1, 2, 3, 4, 5});
    expect_same(filled({0, kNaN, kNaN, kNaN, kNaN, kNaN, 6}), {0, 1, 2, 3, 4, 5, 6});
    // 6 missing: left missing.
    expect_same(filled({0, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, 7}), {0, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, 7});
    // No value after (causal: nothing to interpolate to) or before.
    expect_same(filled({1, 2, kNaN}), {1, 2, kNaN});
    expect_same(filled({kNaN, 2, 3}), {kNaN, 2, 3});
}

TEST(GapFill, GridInsertsMissingDaysAndKeepsRowSlots) {
    // Days 0, 1, 2, 5 (days 3 and 4 missing), 6, 13 (6 days missing), 14.
    const std::vector<double> ts = {0, kDay, 2 * kDay, 5 * kDay, 6 * kDay, 13 * kDay, 14 * kDay};
    const std::vector<double> v = {10, 11, 12, 15, 16, 23, 24};
    StopToken stop;
    const SlotSeries s = build_slot_series(ts.data(), v.data(), ts.size(), kNaN, stop);
    ASSERT_EQ(s.values.size(), 15u);
    const std::vector<std::size_t> slots = {0, 1, 2, 5, 6, 13, 14};
    EXPECT_EQ(s.row_slot, slots);
    expect_same(s.values, {10, 11, 12, 12, 12, 15, 16, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, 23, 24});
    EXPECT_EQ(s.kinds[3], SlotKind::gap);
    EXPECT_EQ(s.kinds[5], SlotKind::real);
}

TEST(GapFill, InvalidRowsAreMissingSlotsFilledLikeGaps) {
    const std::vector<double> ts = {0, 3600, 7200, 10800, 14400};
    const std::vector<double> v = {1, kNaN, std::numeric_limits<double>::infinity(), kNaN, 9};
    StopToken stop;
    const SlotSeries s = build_slot_series(ts.data(), v.data(), ts.size(), kNaN, stop);
    expect_same(s.values, {1, 3, 5, 7, 9});
    EXPECT_EQ(s.kinds[1], SlotKind::invalid);
}

TEST(GapFill, StepGivenOrInferredFromEarlierGapsOnly) {
    // Hourly rows, then a 3-hour gap: 2 missing slots.
    const std::vector<double> ts = {0, 3600, 7200, 18000};
    const std::vector<double> v = {1, 2, 3, 6};
    StopToken stop;
    EXPECT_EQ(build_slot_series(ts.data(), v.data(), 4, kNaN, stop).values.size(), 6u);
    // With a given step of 2 hours the last gap of 3 hours is 1.5 steps → 1 missing slot.
    EXPECT_EQ(build_slot_series(ts.data(), v.data(), 4, 7200.0, stop).values.size(), 5u);
    EXPECT_DOUBLE_EQ(typical_step(ts.data(), 4), 3600.0);
    EXPECT_TRUE(std::isnan(typical_step(ts.data(), 1)));
}

TEST(GapFill, VeryLongGapShortenedKeepingThePhase) {
    const std::vector<double> ts = {0, kDay, 2 * kDay, 10002 * kDay};
    const std::vector<double> v = {1, 2, 3, 4};
    StopToken stop;
    const SlotSeries s = build_slot_series(ts.data(), v.data(), 4, kNaN, stop);
    const std::size_t missing = 9999;
    const std::size_t kept = kMaxGapSlots + missing % kMaxGapSlots;
    EXPECT_EQ(s.values.size(), 3 + kept + 1);
    EXPECT_EQ(kept % 7, missing % 7);
}

}  // namespace
}  // namespace anomaly
