#include "core/latest_points_state.hpp"

#include "core/errors.hpp"
#include "score_assertions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

namespace lp = latest_points;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A state that grows like the adapter grows it.
struct State {
    std::vector<std::uint8_t> bytes;
    explicit State(const MadZscoreParams &p, std::uint32_t capacity = 0) {
        if (capacity == 0) capacity = lp::initial_capacity(p);
        bytes.resize(lp::bytes_for(capacity));
        lp::init(bytes.data(), capacity, p);
    }
    void add(std::int64_t key, double value) {
        if (std::uint32_t grow = lp::capacity_needed(bytes.data())) {
            State bigger(lp::params(bytes.data()), grow);
            lp::copy(bytes.data(), bigger.bytes.data());
            bytes.swap(bigger.bytes);
        }
        lp::add(bytes.data(), key, value);
    }
};

State merged(const State &a, const State &b) {
    State out(lp::params(a.bytes.data()), lp::merged_capacity(a.bytes.data(), b.bytes.data()));
    lp::merge(a.bytes.data(), b.bytes.data(), out.bytes.data());
    return out;
}

double score(const State &s) {
    const lp::FinalScore f = lp::final_score(s.bytes.data());
    EXPECT_NE(f.kind, lp::FinalScore::Kind::duplicate_newest);
    return f.kind == lp::FinalScore::Kind::score ? f.score : kNaN;
}

void expect_same(double got, double want) { EXPECT_TRUE(testing::same_score(got, want, 1e-12)); }

TEST(LatestPointsState, ScoresTheNewestRowInArrivalOrder) {
    const MadZscoreParams p{5, 3};
    State s(p);
    const std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 100};
    for (std::size_t i = 0; i < v.size(); ++i) s.add(static_cast<std::int64_t>(i), v[i]);
    EXPECT_DOUBLE_EQ(score(s), 0.6745 * 95.0);  // 3..7: median 5, MAD 1
}

TEST(LatestPointsState, FixedLayoutStartsWithVersionAndLittleEndianParameters) {
    State s(MadZscoreParams{28, 7});
    ASSERT_GE(s.bytes.size(), lp::kHeaderSize);
    EXPECT_EQ(s.bytes[0], lp::kFormatVersion);
    EXPECT_EQ(s.bytes[4], 28);
    EXPECT_EQ(s.bytes[5], 0);
    EXPECT_EQ(s.bytes[8], 7);
    EXPECT_NO_THROW(lp::check(s.bytes.data(), s.bytes.size()));
}

TEST(LatestPointsState, RejectsCorruptStates) {
    State s(MadZscoreParams{28, 7});
    EXPECT_THROW(lp::check(s.bytes.data(), 10), CorruptValue);
    EXPECT_THROW(lp::check(s.bytes.data(), s.bytes.size() - 1), CorruptValue);
    std::vector<std::uint8_t> bad = s.bytes;
    bad[0] = 99;
    EXPECT_THROW(lp::check(bad.data(), bad.size()), CorruptValue);
    bad = s.bytes;
    bad[8] = 200;  // min_history > lookback
    EXPECT_THROW(lp::check(bad.data(), bad.size()), CorruptValue);
}

TEST(LatestPointsState, MemoryIsBoundedByLookback) {
    const MadZscoreParams p{10, 3};
    State s(p);
    for (int i = 0; i < 10000; ++i) s.add(i, i % 7);
    EXPECT_EQ(s.bytes.size(), lp::bytes_for(11));
}

TEST(LatestPointsState, NonFiniteNewestHasNoScore) {
    State s(MadZscoreParams{5, 2});
    for (int i = 0; i < 5; ++i) s.add(i, i);
    s.add(5, kNaN);
    EXPECT_TRUE(std::isnan(score(s)));
    s.add(6, 10);  // the NaN never entered the history: 0 1 2 3 4, median 2, MAD 1
    EXPECT_DOUBLE_EQ(score(s), 0.6745 * (10 - 2.0) / 1.0);
}

TEST(LatestPointsState, DuplicateNewestKeyIsReported) {
    State s(MadZscoreParams{5, 2});
    for (int i = 0; i < 4; ++i) s.add(i, i);
    s.add(3, 9);
    const lp::FinalScore f = lp::final_score(s.bytes.data());
    EXPECT_EQ(f.kind, lp::FinalScore::Kind::duplicate_newest);
    EXPECT_EQ(f.key, 3);
    s.add(4, 1);  // a newer row clears it
    EXPECT_EQ(lp::final_score(s.bytes.data()).kind, lp::FinalScore::Kind::score);
}

TEST(LatestPointsState, AnyInputOrderAndAnySplitGiveTheSameScore) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> gauss(50, 5);
    for (int trial = 0; trial < 50; ++trial) {
        const MadZscoreParams p{1 + static_cast<int>(rng() % 40), 1};
        const std::size_t n = 1 + rng() % 120;
        std::vector<double> v(n);
        for (auto &x : v) x = rng() % 10 == 0 ? kNaN : gauss(rng);
        const double want = mad_zscore_last(v.data(), n - 1, v[n - 1], p);

        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        State a(p), b(p);
        for (std::size_t i : order) (rng() % 2 ? a : b).add(static_cast<std::int64_t>(i) * 86400, v[i]);
        SCOPED_TRACE("trial " + std::to_string(trial));
        expect_same(score(merged(a, b)), want);
        expect_same(score(merged(b, a)), want);
    }
}

TEST(LatestPointsState, MergeRejectsDifferentParameters) {
    State a(MadZscoreParams{5, 2}), b(MadZscoreParams{6, 2});
    State out(MadZscoreParams{5, 2}, 1);
    EXPECT_THROW(lp::merge(a.bytes.data(), b.bytes.data(), out.bytes.data()), InvalidParameter);
}

}  // namespace
}  // namespace anomaly
