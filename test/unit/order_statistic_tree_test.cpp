#include "core/order_statistic_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

namespace anomaly {
namespace {

TEST(OrderStatisticTree, SelectsInOrderWithDuplicates) {
    OrderStatisticTree t(8, 0.0);
    const std::vector<double> v{5, 1, 3, 3, 9, 1};
    for (std::size_t i = 0; i < v.size(); ++i) t.insert(v[i], i);
    ASSERT_EQ(t.size(), 6u);
    const std::vector<double> sorted{1, 1, 3, 3, 5, 9};
    for (std::size_t k = 0; k < sorted.size(); ++k) EXPECT_EQ(t.select(k), sorted[k]) << "k=" << k;
    EXPECT_EQ(t.lower_sum(3), 5.0);
    EXPECT_EQ(t.total_sum(), 22.0);
    t.erase(3, 2);
    t.erase(1, 1);
    EXPECT_EQ(t.size(), 4u);
    EXPECT_EQ(t.select(0), 1.0);
    EXPECT_EQ(t.select(1), 3.0);
    EXPECT_EQ(t.select(3), 9.0);
    EXPECT_THROW(t.select(4), std::out_of_range);
    EXPECT_THROW(t.erase(3, 2), std::logic_error);
}

TEST(OrderStatisticTree, SumsAreRelativeToOrigin) {
    OrderStatisticTree t(4, 1e12);
    t.insert(1e12 + 1, 0);
    t.insert(1e12 + 2, 1);
    EXPECT_EQ(t.total_sum(), 3.0);
    EXPECT_EQ(t.lower_sum(1), 1.0);
    EXPECT_EQ(t.origin(), 1e12);
}

TEST(OrderStatisticTree, MatchesSortedVectorUnderRandomSlidingUse) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> small(0, 20);  // many ties
    const std::size_t w = 37;
    OrderStatisticTree t(w, 0.0);
    std::vector<std::pair<double, std::uint64_t>> live;
    for (std::uint64_t id = 0; id < 5000; ++id) {
        const double x = small(rng) * 0.5;
        t.insert(x, id);
        live.emplace_back(x, id);
        if (live.size() > w) {
            const std::size_t victim = rng() % live.size();
            t.erase(live[victim].first, live[victim].second);
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
        }
        std::vector<double> sorted;
        for (const auto &p : live) sorted.push_back(p.first);
        std::sort(sorted.begin(), sorted.end());
        ASSERT_EQ(t.size(), sorted.size());
        const std::size_t k = id % sorted.size();
        ASSERT_EQ(t.select(k), sorted[k]);
        double prefix = 0;
        for (std::size_t i = 0; i < k; ++i) prefix += sorted[i];
        ASSERT_NEAR(t.lower_sum(k), prefix, 1e-9);
    }
}

}  // namespace
}  // namespace anomaly

namespace anomaly {
namespace {

double brute_median_deviation(std::vector<double> v, double center) {
    for (double &x : v) x = std::fabs(x - center);
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

TEST(OrderStatisticTree, MedianDeviationByHand) {
    OrderStatisticTree t(8, 0.0);
    const std::vector<double> v{1, 2, 4, 10};  // median 3; |dev| 2 1 1 7 -> 1.5
    for (std::size_t i = 0; i < v.size(); ++i) t.insert(v[i], i);
    EXPECT_EQ(t.median_deviation(3.0, 2), 1.5);
    // The tree is unchanged by the split and merge inside.
    EXPECT_EQ(t.size(), 4u);
    for (std::size_t k = 0; k < v.size(); ++k) EXPECT_EQ(t.select(k), v[k]);
}

TEST(OrderStatisticTree, MedianDeviationMatchesSortingOnRandomWindows) {
    std::mt19937_64 rng(99);
    for (int trial = 0; trial < 2000; ++trial) {
        const std::size_t n = 1 + rng() % 60;
        OrderStatisticTree t(n, 0.0);
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i) {
            v[i] = trial % 3 == 0 ? static_cast<double>(rng() % 4) : static_cast<double>(rng() % 1000) / 7.0;
            t.insert(v[i], i * 31 % 1009);
        }
        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t h = n / 2;
        const double median = n % 2 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2.0;
        const std::size_t below = n % 2 ? h + 1 : h;
        ASSERT_DOUBLE_EQ(t.median_deviation(median, below), brute_median_deviation(v, median)) << "trial " << trial;
    }
}

}  // namespace
}  // namespace anomaly
