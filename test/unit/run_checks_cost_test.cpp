// The shortcuts that make a daily check with the rule ensemble_anomaly cheap
// must not change a single bit of what it returns: each is compared here with
// the straightforward computation on seeded series like the benchmark's
// metrics (weekly pattern, trend, log-normal noise, spikes, outages, gaps,
// a known event).
#include "core/ensemble.hpp"
#include "core/ensemble_layers.hpp"
#include "core/error_window.hpp"
#include "core/robust_statistics.hpp"
#include "core/seasonal_forecast_model.hpp"
#include "core/sorted_window.hpp"
#include "core/stl_residual.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <random>
#include <vector>

namespace anomaly {
namespace {

constexpr double kDay = 86400.0;
constexpr double kStart = 1672531200.0;  // 2023-01-01 00:00 UTC, a Sunday

struct Series {
    std::vector<double> ts, values;
};

// Like bench/lib/metric_table.sql: a level over four orders of magnitude,
// a weekend factor, a trend, log-normal noise, 0.3 % spikes and outages,
// values in cents; plus 2 % missing values.
Series metric_series(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<double> g(0.0, 1.0);
    const double level = std::exp(1.0 + 8.0 * u(rng)), noise = 0.02 + 0.2 * u(rng);
    const double weekend = 0.5 + 0.6 * u(rng), trend = 0.001 * (u(rng) - 0.3);
    Series s;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(i);
        const bool is_weekend = i % 7 == 0 || i % 7 == 6;
        const double r = u(rng);
        double x = level * (1.0 + trend * d) * (is_weekend ? weekend : 1.0) * std::exp(noise * g(rng)) *
                   (r < 0.003 ? 3.0 : r > 0.997 ? 0.2 : 1.0);
        x = std::round(x * 100.0) / 100.0;
        s.ts.push_back(kStart + kDay * d);
        s.values.push_back(u(rng) < 0.02 ? std::nan("") : x);
    }
    return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_same_numbers(const EnsembleResult &a, const EnsembleResult &b, std::size_t row) {
    EXPECT_EQ(a.has_row, b.has_row) << row;
    EXPECT_EQ(a.has_value, b.has_value) << row;
    EXPECT_EQ(a.is_anomaly, b.is_anomaly) << row;
    EXPECT_TRUE(same_bits(a.score, b.score)) << row;
    EXPECT_TRUE(same_bits(a.expected, b.expected)) << row;
    EXPECT_TRUE(same_bits(a.lower, b.lower)) << row;
    EXPECT_TRUE(same_bits(a.upper, b.upper)) << row;
    EXPECT_TRUE(same_bits(a.deviation_pct, b.deviation_pct)) << row;
    EXPECT_TRUE(same_bits(a.data_quality, b.data_quality)) << row;
    EXPECT_EQ(a.severity, b.severity) << row;
    EXPECT_EQ(a.direction, b.direction) << row;
    EXPECT_EQ(a.warming_up, b.warming_up) << row;
    EXPECT_EQ(a.event, b.event) << row;
    EXPECT_EQ(a.new_level_run, b.new_level_run) << row;
    for (int d = 0; d < kDetectorCount; ++d) {
        EXPECT_EQ(a.detectors[d].available, b.detectors[d].available) << row << " " << kDetectorNames[d];
        EXPECT_EQ(a.detectors[d].fired, b.detectors[d].fired) << row << " " << kDetectorNames[d];
        EXPECT_TRUE(same_bits(a.detectors[d].raw, b.detectors[d].raw)) << row << " " << kDetectorNames[d];
        EXPECT_TRUE(same_bits(a.detectors[d].calibrated, b.detectors[d].calibrated)) << row << " " << kDetectorNames[d];
    }
}

// explain = false (the rule's window function) leaves out the explanation
// texts and nothing else: a block of the rule (365 + 28 daily rows) with the
// rule's default options, and one with the isolation forest and an event.
TEST(RunChecksCost, EnsembleWithoutExplanationIsTheSameComputation) {
    int anomalies = 0;
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        const Series s = metric_series(393, seed);
        EnsembleOptions full;
        full.threshold = 0.9999;
        full.weights[kIforest] = seed % 10 == 0 ? 0.05 : 0.0;
        if (seed % 3 == 0) add_event(full.forecast, "promo", "2023-11-24", "2023-11-26");
        EnsembleOptions lean = full;
        lean.explain = false;
        StopToken stop;
        const std::vector<EnsembleResult> a = ensemble_anomaly(s.ts.data(), s.values.data(), s.ts.size(), full, stop);
        const std::vector<EnsembleResult> b = ensemble_anomaly(s.ts.data(), s.values.data(), s.ts.size(), lean, stop);
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            expect_same_numbers(a[i], b[i], i);
            EXPECT_TRUE(b[i].explanation.empty());
            EXPECT_EQ(a[i].has_row, !a[i].explanation.empty()) << i;
            anomalies += a[i].is_anomaly;
        }
    }
    EXPECT_GT(anomalies, 0);  // the comparison covers flagged rows too
}

// stl_residual_rolling without weights memoises them per (period, history):
// the same residuals and scores as with the weights computed for the call,
// also after more pairs than the memo holds have pushed the first one out.
TEST(RunChecksCost, MemoisedStlWeightsGiveTheSameScores) {
    const Series s = metric_series(300, 7);
    for (int round = 0; round < 2; ++round) {
        for (int period = 2; period <= 12; ++period) {  // 11 pairs: more than the memo keeps
            StlResidualParams p;
            p.period = period;
            const StlResidualParams resolved = resolve_stl_residual_params(p);
            StopToken stop;
            const std::vector<double> b = stl_last_residual_weights(period, *resolved.history, stop);
            std::vector<double> r1(s.values.size()), z1(s.values.size()), r2(s.values.size()), z2(s.values.size());
            stl_residual_rolling(s.values.data(), s.values.size(), p, &b, r1.data(), z1.data(), stop);
            stl_residual_rolling(s.values.data(), s.values.size(), p, nullptr, r2.data(), z2.data(), stop);
            int scored = 0;
            for (std::size_t i = 0; i < s.values.size(); ++i) {
                EXPECT_TRUE(same_bits(r1[i], r2[i])) << period << " " << i;
                EXPECT_TRUE(same_bits(z1[i], z2[i])) << period << " " << i;
                scored += std::isfinite(z1[i]);
            }
            EXPECT_GT(scored, 100) << period;
        }
    }
}

// robust_location selects small samples with its own quickselect: the
// straightforward definition (sort, take the middle; sort the absolute
// deviations, take their middle; sum the deviations in input order) gives
// the same bits, for every size around the small-sample limit, with many
// ties (values in cents) and without.
RobustLocation sorted_reference(const std::vector<double> &v) {
    std::vector<double> s(v);
    std::sort(s.begin(), s.end());
    const std::size_t n = s.size(), h = n / 2;
    RobustLocation loc{};
    loc.median = n % 2 == 1 ? s[h] : midpoint(s[h - 1], s[h]);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = std::fabs(v[i] - loc.median);
        sum += s[i];
    }
    std::sort(s.begin(), s.end());
    loc.mad = n % 2 == 1 ? s[h] : midpoint(s[h - 1], s[h]);
    loc.mean_abs_dev = sum / static_cast<double>(n);
    return loc;
}

TEST(RunChecksCost, RobustLocationEqualsTheSortedDefinition) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0.0, 1.0);
    for (std::size_t n = 1; n <= 140; ++n) {
        for (int trial = 0; trial < 40; ++trial) {
            std::vector<double> v(n);
            const double grain = trial % 2 == 0 ? 100.0 : 1e9;  // cents: ties; fine: none
            for (double &x : v) x = std::round((trial % 4 < 2 ? 1.0 : 1000.0) * g(rng) * grain) / grain + 0.0;
            if (trial == 5) std::fill(v.begin(), v.end(), 3.25);  // MAD 0
            const RobustLocation a = robust_location(v.data(), n), b = sorted_reference(v);
            EXPECT_TRUE(same_bits(a.median, b.median)) << n << " " << trial;
            EXPECT_TRUE(same_bits(a.mad, b.mad)) << n << " " << trial;
            EXPECT_TRUE(same_bits(a.mean_abs_dev, b.mean_abs_dev)) << n << " " << trial;
        }
    }
    // Signed zeros: the same values (the sign of a zero median is std::nth_element's choice).
    const std::vector<double> zeros = {-23.9, 0.1, -0.0, 8.5, -3.3, 5.3, 0.0};
    const RobustLocation z = robust_location(zeros.data(), zeros.size());
    EXPECT_EQ(z.median, 0.0);
    EXPECT_EQ(z.mad, 3.3);
}

// The forecast's error window answers its quantiles from a sorted copy: the
// same values as selecting them from the last `capacity` errors, with ties,
// zeros and infinite errors, before and after the window is full.
TEST(RunChecksCost, ErrorWindowQuantilesEqualSelection) {
    std::mt19937_64 rng(5);
    std::normal_distribution<double> g(0.0, 1.0);
    for (std::size_t capacity : {10, 12, 100}) {
        ErrorWindow w(capacity);
        std::deque<double> last;
        for (int i = 0; i < 600; ++i) {
            double e = std::round(g(rng) * 20.0) / 4.0;  // many ties and zeros
            if (i % 97 == 50) e = -std::numeric_limits<double>::infinity();
            w.push(e);
            last.push_back(std::fabs(e));
            if (last.size() > capacity) last.pop_front();
            for (double width : {0.5, 0.9, 0.99}) {
                const double got = w.half_width(width);
                if (last.size() < static_cast<std::size_t>(kMinIntervalErrors)) {
                    EXPECT_TRUE(std::isnan(got));
                    continue;
                }
                std::vector<double> s(last.begin(), last.end());
                std::size_t rank = static_cast<std::size_t>(std::ceil(width * static_cast<double>(s.size() + 1)));
                rank = std::min(std::max<std::size_t>(rank, 1), s.size());
                std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(rank - 1), s.end());
                EXPECT_TRUE(same_bits(got, s[rank - 1])) << capacity << " " << i << " " << width;
            }
        }
    }
}

// The robust layers slide a SortedWindow instead of copying and selecting
// their history at every row: the same median, MAD, mean absolute deviation
// and sorted order as robust_location and std::sort of the window, with ties,
// and with negative zeros coming and going.
TEST(RunChecksCost, SortedWindowEqualsRobustLocationOfTheWindow) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> g(0.0, 1.0);
    for (std::size_t capacity : {1, 7, 28, 56, 256}) {
        SortedWindow w(capacity);
        std::deque<double> last;
        int with_negative_zero = 0;
        for (int i = 0; i < 1500; ++i) {
            double x = std::round(g(rng) * 8.0) / 4.0 + 0.0;  // ties and zeros
            if (i % 53 == 7) x = -0.0;
            if (i % 211 == 100) x = std::numeric_limits<double>::infinity();
            w.push(x);
            last.push_back(x);
            if (last.size() > capacity) last.pop_front();
            ASSERT_EQ(w.size(), last.size());
            std::vector<double> v(last.begin(), last.end());
            const RobustLocation a = w.location(), b = robust_location(v.data(), v.size());
            EXPECT_TRUE(same_bits(a.median, b.median)) << capacity << " " << i;
            EXPECT_TRUE(same_bits(a.mad, b.mad) || (std::isnan(a.mad) && std::isnan(b.mad))) << capacity << " " << i;
            EXPECT_TRUE(same_bits(a.mean_abs_dev, b.mean_abs_dev) || (std::isnan(a.mean_abs_dev) && std::isnan(b.mean_abs_dev)))
                << capacity << " " << i;
            std::sort(v.begin(), v.end());
            const std::vector<double> &s = w.sorted();
            ASSERT_EQ(s.size(), v.size());
            for (std::size_t j = 0; j < v.size(); ++j) EXPECT_TRUE(same_bits(s[j], v[j])) << capacity << " " << i << " " << j;
            with_negative_zero += std::any_of(last.begin(), last.end(), [](double y) { return y == 0.0 && std::signbit(y); });
        }
        if (capacity > 1) {
            EXPECT_GT(with_negative_zero, 0);
        }
    }
}

// stl_residual_rolling scores each residual against a SortedWindow of the
// residuals before it: the same bits as the definition, 0.6745 · r / MAD of
// the last `history` residuals (robust_location), on noisy series whose MAD
// is far above the noise floor.
TEST(RunChecksCost, StlScoresEqualTheirDefinition) {
    for (std::uint64_t seed = 20; seed < 26; ++seed) {
        const Series s = metric_series(400, seed);
        for (int period : {2, 7, 12}) {
            StlResidualParams p;
            p.period = period;
            if (period == 2) p.history = 6;  // a history shorter than the 7 residuals a score needs
            const std::size_t h = static_cast<std::size_t>(*resolve_stl_residual_params(p).history);
            std::vector<double> r(s.values.size()), z(s.values.size());
            StopToken stop;
            stl_residual_rolling(s.values.data(), s.values.size(), p, nullptr, r.data(), z.data(), stop);
            std::vector<double> before;  // the residuals of the rows before, in order
            int checked = 0;
            for (std::size_t i = 0; i < r.size(); ++i) {
                if (std::isnan(r[i])) continue;
                if (before.size() >= std::max<std::size_t>(7, static_cast<std::size_t>(period))) {
                    const std::size_t k = std::min(before.size(), h);
                    const RobustLocation loc = robust_location(before.data() + before.size() - k, k);
                    if (loc.mad > 1e-6) {
                        EXPECT_TRUE(same_bits(z[i], kMadConsistency * r[i] / loc.mad)) << seed << " " << period << " " << i;
                        ++checked;
                    }
                } else {
                    EXPECT_TRUE(std::isnan(z[i])) << seed << " " << period << " " << i;
                }
                before.push_back(r[i]);
            }
            EXPECT_GT(checked, 200) << seed << " " << period;
        }
    }
}

// trailing_tail_p reads the threshold and the empirical tail off a sorted
// window and selects only for the scores beyond the threshold: the same bits
// as the definition, computed here the straightforward way (copy the
// history, std::nth_element, mean excess in that order, count).
std::vector<double> tail_reference(const std::vector<double> &scores, std::size_t window, std::size_t min_history) {
    std::vector<double> p(scores.size(), std::nan(""));
    std::deque<double> history;
    for (std::size_t k = 0; k < scores.size(); ++k) {
        if (!std::isfinite(scores[k])) continue;
        const double x = std::fabs(scores[k]);
        const std::size_t n = history.size();
        if (n >= min_history) {
            std::vector<double> h(history.begin(), history.end());
            const std::size_t m = std::max<std::size_t>(n / 10, 5);
            std::nth_element(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(n - m - 1), h.end());
            const double u = h[n - m - 1];
            double excess = 0.0;
            for (std::size_t i = n - m; i < n; ++i) excess += h[i] - u;
            excess /= static_cast<double>(m);
            if (x <= u || !(excess > 0.0)) {
                std::size_t at_least = 0;
                for (double v : history) at_least += v >= x;
                p[k] = static_cast<double>(1 + at_least) / static_cast<double>(1 + n);
            } else {
                p[k] = std::max(1e-16, static_cast<double>(m) / static_cast<double>(n) * std::exp(-(x - u) / excess));
            }
        }
        history.push_back(x);
        if (history.size() > window) history.pop_front();
    }
    return p;
}

TEST(RunChecksCost, TrailingTailEqualsItsDefinition) {
    std::mt19937_64 rng(9);
    std::student_t_distribution<double> heavy(3.0);
    for (std::size_t window : {60, 720}) {
        std::vector<double> scores(2000);
        for (std::size_t i = 0; i < scores.size(); ++i)
            scores[i] = i % 97 == 3 ? std::nan("") : std::round(heavy(rng) * 100.0) / 100.0;  // ties
        StopToken stop;
        const std::vector<double> got = trailing_tail_p(scores, window, window == 60 ? 50 : 200, stop);
        const std::vector<double> want = tail_reference(scores, window, window == 60 ? 50 : 200);
        int beyond = 0;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            EXPECT_TRUE(same_bits(got[i], want[i]) || (std::isnan(got[i]) && std::isnan(want[i]))) << window << " " << i;
            beyond += want[i] < 0.01;
        }
        EXPECT_GT(beyond, 10) << window;  // the exponential tail is exercised too
    }
}

// The forecast's normal equations add a row by Eigen packets: the same
// X'WX and X'Wy, bit for bit, as the scalar loop over the row's prefix.
TEST(RunChecksCost, NormalEquationsAddEqualsTheScalarLoop) {
    std::mt19937_64 rng(17);
    std::normal_distribution<double> g(0.0, 1.0);
    const std::size_t p = 71;
    NormalEquations ne(p);
    std::vector<double> xtx(p * p, 0.0), xty(p, 0.0);
    std::vector<double> x(p);
    for (int row = 0; row < 400; ++row) {
        const std::size_t prefix = 1 + static_cast<std::size_t>(row) % p;
        for (std::size_t i = 0; i < p; ++i) x[i] = i < prefix ? (i % 13 == 5 ? 0.0 : g(rng) * 100.0) : 0.0;
        const double y = g(rng), w = row % 9 == 0 ? 0.37 : 1.0;
        ne.add(x.data(), prefix, y, static_cast<double>(row), w);
        for (std::size_t j = 0; j < prefix; ++j) {
            const double wxj = w * x[j];
            if (wxj == 0.0) continue;
            for (std::size_t i = j; i < prefix; ++i) xtx[j * p + i] += x[i] * wxj;
            xty[j] += wxj * y;
        }
    }
    for (std::size_t j = 0; j < p; ++j) {
        EXPECT_TRUE(same_bits(ne.xty[static_cast<Eigen::Index>(j)], xty[j])) << j;
        for (std::size_t i = j; i < p; ++i)
            EXPECT_TRUE(same_bits(ne.xtx(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), xtx[j * p + i]))
                << i << " " << j;
    }
}

}  // namespace
}  // namespace anomaly
