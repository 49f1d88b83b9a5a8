#include "core/mad_zscore.hpp"

#include "core/errors.hpp"
#include "core/order_statistic_tree.hpp"
#include "core/robust_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

namespace anomaly {

void validate(const MadZscoreParams &p) {
    if (p.lookback < 1)
        throw InvalidParameter("lookback must be at least 1, got " + std::to_string(p.lookback));
    if (p.min_history < 1)
        throw InvalidParameter("min_history must be at least 1, got " + std::to_string(p.min_history));
    if (p.min_history > p.lookback)
        throw InvalidParameter("min_history (" + std::to_string(p.min_history) + ") must not exceed lookback (" +
                               std::to_string(p.lookback) + ")");
}

namespace {

constexpr double kNoScore = std::numeric_limits<double>::quiet_NaN();

// Median, MAD and mean absolute deviation of the values in the tree, in
// O(log w): with the values sorted, v[0..s-1] ≤ median ≤ v[s..k-1]. The mean
// absolute deviation is computed only when MAD is 0, the one case the score
// uses it (it is left 0 otherwise).
RobustLocation tree_location(OrderStatisticTree &tree) {
    const std::size_t k = tree.size();
    const std::size_t h = k / 2;
    RobustLocation loc{};
    loc.median = k % 2 == 1 ? tree.select(h) : midpoint(tree.select(h - 1), tree.select(h));
    const std::size_t s = k % 2 == 1 ? h + 1 : h;
    const double m = loc.median;
    loc.mad = tree.median_deviation(m, s);
    if (loc.mad > 0.0) return loc;
    // "Every value equals the median" must be exact, as it decides between a
    // finite score and ±∞; the sums below are rounded.
    if (tree.select(0) == m && tree.select(k - 1) == m) return loc;
    // Σ|v − m| from the sums of each side, in coordinates relative to the
    // tree's origin to keep precision when values are large and close.
    const double m0 = m - tree.origin();
    const double sum_below = tree.lower_sum(s);
    const double sum_above = tree.total_sum() - sum_below;
    const double abs_dev =
        (m0 * static_cast<double>(s) - sum_below) + (sum_above - m0 * static_cast<double>(k - s));
    loc.mean_abs_dev = std::max(0.0, abs_dev) / static_cast<double>(k);
    return loc;
}

}  // namespace

void mad_zscore_rolling(const double *values, std::size_t n, const MadZscoreParams &params, double *out,
                        StopToken &stop) {
    validate(params);
    const std::size_t lookback = static_cast<std::size_t>(params.lookback);
    const std::size_t min_history = static_cast<std::size_t>(params.min_history);

    double origin = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(values[i])) {
            origin = values[i];
            break;
        }

    OrderStatisticTree tree(std::min(lookback, n), origin);
    std::deque<std::pair<double, std::uint64_t>> fifo;  // the history, oldest first
    for (std::size_t i = 0; i < n; ++i) {
        stop.poll();
        const double x = values[i];
        if (!std::isfinite(x)) {
            out[i] = kNoScore;
            continue;
        }
        out[i] = tree.size() >= min_history ? modified_zscore(x, tree_location(tree)) : kNoScore;
        tree.insert(x, i);
        fifo.emplace_back(x, i);
        if (fifo.size() > lookback) {
            tree.erase(fifo.front().first, fifo.front().second);
            fifo.pop_front();
        }
    }
}

double mad_zscore_last(const double *history, std::size_t n, double x, const MadZscoreParams &params) {
    validate(params);
    if (!std::isfinite(x)) return kNoScore;
    const std::size_t lookback = static_cast<std::size_t>(params.lookback);
    std::vector<double> window;
    for (std::size_t i = n; i-- > 0 && window.size() < lookback;)
        if (std::isfinite(history[i])) window.push_back(history[i]);
    if (window.size() < static_cast<std::size_t>(params.min_history)) return kNoScore;
    return modified_zscore(x, robust_location(window.data(), window.size()));
}

}  // namespace anomaly
