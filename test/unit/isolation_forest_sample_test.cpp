#include "core/isolation_forest_sample.hpp"

#include "core/errors.hpp"
#include "core/seeded_random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>
#include <vector>

namespace anomaly {
namespace {

namespace is = iforest_sample;

// A state that grows like the adapter grows it.
struct State {
    std::vector<std::uint8_t> bytes;
    State(const IForestOptions &o, std::uint32_t d, std::uint32_t capacity = 0) {
        if (capacity == 0) capacity = is::initial_capacity(o);
        bytes.resize(is::bytes_for(capacity, d));
        is::init(bytes.data(), capacity, o, d);
    }
    void add(const double *row) {
        if (std::uint32_t grow = is::capacity_needed(bytes.data())) {
            State bigger(is::options(bytes.data()), is::n_features(bytes.data()), grow);
            is::copy(bytes.data(), bigger.bytes.data());
            bytes.swap(bigger.bytes);
        }
        is::add(bytes.data(), row);
    }
};

State merged(const State &a, const State &b) {
    State out(is::options(a.bytes.data()), is::n_features(a.bytes.data()),
              is::merged_capacity(a.bytes.data(), b.bytes.data()));
    StopToken stop;
    is::merge(a.bytes.data(), b.bytes.data(), out.bytes.data(), stop);
    return out;
}

std::vector<double> rows(std::size_t n, std::uint32_t d, std::uint64_t seed) {
    SeededRandom rng(seed);
    std::vector<double> x(n * d);
    for (double &v : x) v = std::floor(rng.uniform_open() * 50.0);  // many ties and duplicate rows
    return x;
}

std::vector<std::uint8_t> model_of(const State &s) {
    StopToken stop;
    return is::fit_model(s.bytes.data(), stop);
}

TEST(IForestSample, PoolSize) {
    IForestOptions o;
    EXPECT_EQ(is::pool_rows(o), 25600u);
    o.n_trees = 1;
    EXPECT_EQ(is::pool_rows(o), 256u);
    o.n_trees = 10000;
    EXPECT_EQ(is::pool_rows(o), is::kIForestMaxPoolRows);
    o.n_trees = 1;
    o.sample_size = 1u << 20;
    EXPECT_EQ(is::pool_rows(o), 1u << 20);
}

TEST(IForestSample, LimitsAreProgramLimits) {
    IForestOptions o;
    EXPECT_NO_THROW(is::check_limits(o, 10, 1u << 30));
    EXPECT_THROW(is::check_limits(o, 10000, 1u << 27), std::length_error);
    o.n_trees = 10000;
    o.sample_size = 1u << 20;
    EXPECT_THROW(is::check_limits(o, 1, 1u << 30), std::length_error);
    o = {};
    EXPECT_THROW(is::check_limits(o, 0, 1u << 30), InvalidParameter);
    o.n_trees = 0;
    EXPECT_THROW(is::check_limits(o, 1, 1u << 30), InvalidParameter);
}

TEST(IForestSample, KeepsEveryRowUpToThePoolSize) {
    IForestOptions o;
    o.n_trees = 4;
    o.sample_size = 8;  // k = 32
    const std::vector<double> x = rows(32, 2, 1);
    State s(o, 2);
    for (std::size_t i = 0; i < 32; ++i) s.add(&x[2 * i]);
    EXPECT_EQ(is::count(s.bytes.data()), 32u);
    StopToken stop;
    std::vector<double> got = is::sorted_rows(s.bytes.data(), stop);
    std::multiset<std::pair<double, double>> want, have;
    for (std::size_t i = 0; i < 32; ++i) {
        want.insert({x[2 * i], x[2 * i + 1]});
        have.insert({got[2 * i], got[2 * i + 1]});
    }
    EXPECT_EQ(have, want);
    s.add(&x[0]);
    EXPECT_EQ(is::count(s.bytes.data()), 32u);
}

TEST(IForestSample, ModelDoesNotDependOnRowOrderOrSplits) {
    IForestOptions o;
    o.n_trees = 10;
    o.sample_size = 16;  // k = 160 < 1000 rows: sampling is active
    const std::uint32_t d = 3;
    const std::size_t n = 1000;
    const std::vector<double> x = rows(n, d, 7);
    State serial(o, d);
    for (std::size_t i = 0; i < n; ++i) serial.add(&x[d * i]);
    const std::vector<std::uint8_t> want = model_of(serial);
    ASSERT_FALSE(want.empty());
    // Shuffled and split four ways, merged in another order.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    SeededRandom rng(3);
    for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    std::vector<State> parts(4, State(o, d));
    for (std::size_t i = 0; i < n; ++i) parts[rng.below(4)].add(&x[d * order[i]]);
    const State m = merged(merged(parts[3], parts[0]), merged(parts[2], parts[1]));
    EXPECT_EQ(model_of(m), want);
    // A different seed samples (and fits) differently.
    o.seed = 43;
    State other(o, d);
    for (std::size_t i = 0; i < n; ++i) other.add(&x[d * i]);
    EXPECT_NE(model_of(other), want);
}

TEST(IForestSample, KeepsTheRowsWithTheSmallestHashes) {
    // With k = 32 of 500 distinct rows, the sample is the 32 smallest-hash rows:
    // the same set as a state fed only those rows would hold.
    IForestOptions o;
    o.n_trees = 2;
    o.sample_size = 16;
    std::vector<double> x(500);
    std::iota(x.begin(), x.end(), 0.0);
    State all(o, 1);
    for (double &v : x) all.add(&v);
    StopToken stop;
    const std::vector<double> kept = is::sorted_rows(all.bytes.data(), stop);
    ASSERT_EQ(kept.size(), 32u);
    State few(o, 1);
    for (double v : kept) few.add(&v);
    EXPECT_EQ(is::sorted_rows(few.bytes.data(), stop), kept);
    // The kept values look uniform over 0..499, not the first or last rows.
    const double mean = std::accumulate(kept.begin(), kept.end(), 0.0) / 32;
    EXPECT_GT(mean, 150.0);
    EXPECT_LT(mean, 350.0);
}

TEST(IForestSample, NegativeZeroIsZeroAndUsableRowsOnly) {
    IForestOptions o;
    const double a[2] = {-0.0, 1.0}, b[2] = {0.0, 1.0};
    State s1(o, 2), s2(o, 2);
    s1.add(a);
    s1.add(b);
    s2.add(b);
    s2.add(b);
    EXPECT_EQ(model_of(s1), model_of(s2));
    const double nan[2] = {std::nan(""), 1.0}, inf[2] = {1.0, -std::numeric_limits<double>::infinity()};
    EXPECT_FALSE(is::usable(nan, 2));
    EXPECT_FALSE(is::usable(inf, 2));
    EXPECT_TRUE(is::usable(a, 2));
}

TEST(IForestSample, FewerThanTwoRowsGiveNoModel) {
    State s(IForestOptions{}, 2);
    EXPECT_TRUE(model_of(s).empty());
    const double r[2] = {1, 2};
    s.add(r);
    EXPECT_TRUE(model_of(s).empty());
    s.add(r);
    EXPECT_FALSE(model_of(s).empty());
}

TEST(IForestSample, MergeRejectsDifferentOptionsOrWidths) {
    IForestOptions o, p;
    p.seed = 1;
    State a(o, 2), b(p, 2), c(o, 3);
    EXPECT_THROW(is::merged_capacity(a.bytes.data(), b.bytes.data()), InvalidParameter);
    EXPECT_THROW(is::merged_capacity(a.bytes.data(), c.bytes.data()), DataError);
}

TEST(IForestSample, CheckRejectsCorruptStates) {
    State s(IForestOptions{}, 2);
    const double r[2] = {1, 2};
    s.add(r);
    EXPECT_NO_THROW(is::check(s.bytes.data(), s.bytes.size()));
    auto b = s.bytes;
    b[0] = 'x';
    EXPECT_THROW(is::check(b.data(), b.size()), CorruptValue);
    b = s.bytes;
    b[4] = 9;
    EXPECT_THROW(is::check(b.data(), b.size()), CorruptValue);
    b = s.bytes;
    b[36] = 200;  // count > capacity
    EXPECT_THROW(is::check(b.data(), b.size()), CorruptValue);
    b = s.bytes;
    b.pop_back();
    EXPECT_THROW(is::check(b.data(), b.size()), CorruptValue);
    b = s.bytes;
    for (int i = 48; i < 56; ++i) b[i] = 0xff;  // first value NaN
    EXPECT_THROW(is::check(b.data(), b.size()), CorruptValue);
    b = s.bytes;
    b[8] = 0;  // n_trees 0
    EXPECT_THROW(is::check(b.data(), b.size()), CorruptValue);
}

TEST(IForestSample, EverySingleByteChangeIsRejectedOrHarmless) {
    IForestOptions o;
    o.n_trees = 2;
    o.sample_size = 4;  // k = 8
    State good(o, 2);
    const std::vector<double> x = rows(12, 2, 5);
    for (std::size_t i = 0; i < 12; ++i) good.add(&x[2 * i]);
    State other(o, 2);
    other.add(&x[0]);
    StopToken stop;
    for (std::size_t i = 0; i < good.bytes.size(); ++i) {
        for (std::uint8_t v : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{0x7f}, std::uint8_t{0xff}}) {
            State bad = good;
            bad.bytes[i] = v;
            try {
                is::check(bad.bytes.data(), bad.bytes.size());
            } catch (const CorruptValue &) {
                continue;
            }
            // Accepted: merging and fitting must work (the values may differ).
            try {
                const State m = merged(bad, other);
                is::check(m.bytes.data(), m.bytes.size());
                EXPECT_LE(is::count(m.bytes.data()), is::pool_rows(is::options(m.bytes.data())));
                (void)is::fit_model(bad.bytes.data(), stop);
            } catch (const InvalidParameter &) {
                // the change altered the options: merge refuses different options
            }
        }
    }
}

}  // namespace
}  // namespace anomaly
