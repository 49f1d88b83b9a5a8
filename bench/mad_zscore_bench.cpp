// Google Benchmark of the core's rolling modified z-score (make bench).
//
// For each series length n and lookback w, three programs score the same
// seeded series:
//   tree    anomaly::mad_zscore_rolling: the sliding order-statistic tree;
//   naive   per row, copy the last w finite values and find median and MAD
//           with std::nth_element: O(n·w), the obvious implementation;
//   mean    a rolling mean over the last w finite values (running sum, O(n)):
//           not a detector, a floor for "touch every row once".
// Every benchmark reports items/s (rows scored per second) and the counter
// time_vs_tree = its time per row / the tree's time per row for the same
// (n, w): above 1 the tree is that many times faster. A summary table with the
// same ratios is printed on stderr when the program ends.
//
// Before timing, the naive scores are checked against the tree's on the
// benchmark's own series (a benchmark whose baseline computes something else
// would be meaningless); a mismatch fails that benchmark.
#include "bench_timing.hpp"
#include "core/cancellation.hpp"
#include "core/mad_zscore.hpp"
#include "core/robust_statistics.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A daily business metric: a level around 1000 with a weekly pattern,
// multiplicative noise, a slow trend, rare spikes and dips, and rare gaps
// (NaN, which never enter the history).
std::vector<double> make_series(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 0.05);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    static const double weekly[7] = {1.00, 1.04, 1.06, 1.05, 1.02, 0.80, 0.75};
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        double x = 1000.0 * (1.0 + 1e-5 * static_cast<double>(i)) * weekly[i % 7] * std::exp(noise(rng));
        const double r = u(rng);
        if (r < 0.003)
            x *= 3.0;  // spike
        else if (r < 0.006)
            x *= 0.2;  // outage
        else if (r < 0.010)
            x = kNaN;  // missing
        v[i] = x;
    }
    return v;
}

const std::vector<double> &series(std::size_t n) {
    static std::map<std::size_t, std::vector<double>> cache;
    auto it = cache.find(n);
    if (it == cache.end()) it = cache.emplace(n, make_series(n, 20240601u + n)).first;
    return it->second;
}

// Median of v[0..k) (reordered in place), k ≥ 1, as the core defines it.
double median_nth(double *v, std::size_t k) {
    const std::size_t h = k / 2;
    std::nth_element(v, v + h, v + k);
    const double upper = v[h];
    if (k % 2 == 1) return upper;
    return anomaly::midpoint(*std::max_element(v, v + h), upper);
}

// The naive O(n·w) rolling modified z-score: a ring of the last w finite
// values; per row a copy of it, std::nth_element for the median, the
// deviations, std::nth_element again for the MAD.
void naive_rolling(const double *values, std::size_t n, const anomaly::MadZscoreParams &p, double *out,
                   std::vector<double> &ring, std::vector<double> &work) {
    const std::size_t w = static_cast<std::size_t>(p.lookback);
    const std::size_t min_history = static_cast<std::size_t>(p.min_history);
    ring.assign(w, 0.0);
    work.resize(w);
    std::size_t count = 0, head = 0;  // head: where the next value goes
    for (std::size_t i = 0; i < n; ++i) {
        const double x = values[i];
        if (!std::isfinite(x)) {
            out[i] = kNaN;
            continue;
        }
        if (count >= min_history) {
            std::copy(ring.begin(), ring.begin() + static_cast<std::ptrdiff_t>(count), work.begin());
            anomaly::RobustLocation loc{};
            loc.median = median_nth(work.data(), count);
            double sum = 0.0;
            for (std::size_t j = 0; j < count; ++j) {
                work[j] = std::fabs(ring[j] - loc.median);
                sum += work[j];
            }
            loc.mean_abs_dev = sum / static_cast<double>(count);
            loc.mad = median_nth(work.data(), count);
            out[i] = anomaly::modified_zscore(x, loc);
        } else {
            out[i] = kNaN;
        }
        ring[head] = x;
        head = head + 1 == w ? 0 : head + 1;
        if (count < w) ++count;
    }
}

// Rolling mean of the last w finite values before each row (running sum).
void rolling_mean(const double *values, std::size_t n, const anomaly::MadZscoreParams &p, double *out,
                  std::vector<double> &ring) {
    const std::size_t w = static_cast<std::size_t>(p.lookback);
    const std::size_t min_history = static_cast<std::size_t>(p.min_history);
    ring.assign(w, 0.0);
    std::size_t count = 0, head = 0;
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = values[i];
        if (!std::isfinite(x)) {
            out[i] = kNaN;
            continue;
        }
        out[i] = count >= min_history ? sum / static_cast<double>(count) : kNaN;
        if (count == w) sum -= ring[head];
        else ++count;
        ring[head] = x;
        sum += x;
        head = head + 1 == w ? 0 : head + 1;
    }
}

anomaly::MadZscoreParams params_for(std::int64_t lookback) {
    anomaly::MadZscoreParams p;
    p.lookback = static_cast<int>(lookback);
    p.min_history = std::min(7, p.lookback);
    return p;
}

bool same_score(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

// ns per row of the last run of each (program, n, lookback), for the ratios.
enum Program { kTree, kNaive, kMean };
std::map<std::tuple<std::int64_t, std::int64_t, int>, double> &ns_per_row() {
    // Never destroyed: the summary below reads it at exit.
    static auto *m = new std::map<std::tuple<std::int64_t, std::int64_t, int>, double>;
    return *m;
}

struct Summary {
    ~Summary() {
        const auto &m = ns_per_row();
        if (m.empty()) return;
        std::fprintf(stderr, "\nSummary (ns per row; x tree = time per row / the tree's):\n");
        std::fprintf(stderr, "%8s %8s %12s %12s %12s %10s %10s\n", "n", "lookback", "tree_ns", "naive_ns",
                     "mean_ns", "naive/tree", "mean/tree");
        std::map<std::pair<std::int64_t, std::int64_t>, bool> keys;
        for (const auto &kv : m) keys[{std::get<0>(kv.first), std::get<1>(kv.first)}] = true;
        for (const auto &k : keys) {
            auto get = [&](int prog) {
                auto it = m.find({k.first.first, k.first.second, prog});
                return it == m.end() ? kNaN : it->second;
            };
            const double t = get(kTree), nv = get(kNaive), mn = get(kMean);
            std::fprintf(stderr, "%8lld %8lld %12.1f %12.1f %12.1f %10.2f %10.3f\n",
                         static_cast<long long>(k.first.first), static_cast<long long>(k.first.second), t, nv, mn,
                         nv / t, mn / t);
        }
    }
} summary;

template <typename Body>
void run(benchmark::State &state, Program program, Body &&body) {
    const std::int64_t n = state.range(0), lookback = state.range(1);
    const double ns = ns_per_item(state, n, body);
    auto &m = ns_per_row();
    m[{n, lookback, program}] = ns;
    auto tree = m.find({n, lookback, kTree});
    if (tree != m.end()) state.counters["time_vs_tree"] = ns / tree->second;
}

void BM_Tree(benchmark::State &state) {
    const auto &v = series(static_cast<std::size_t>(state.range(0)));
    const auto p = params_for(state.range(1));
    std::vector<double> out(v.size());
    anomaly::StopToken stop;
    run(state, kTree, [&] {
        anomaly::mad_zscore_rolling(v.data(), v.size(), p, out.data(), stop);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    });
}

void BM_Naive(benchmark::State &state) {
    const auto &v = series(static_cast<std::size_t>(state.range(0)));
    const auto p = params_for(state.range(1));
    std::vector<double> out(v.size()), ring, work;
    {
        // The baseline must compute what the tree computes: check on a prefix
        // (the whole series is too slow for the largest lookbacks).
        const std::size_t m = std::min<std::size_t>(v.size(), 20000);
        std::vector<double> expect(m);
        anomaly::StopToken stop;
        anomaly::mad_zscore_rolling(v.data(), m, p, expect.data(), stop);
        naive_rolling(v.data(), m, p, out.data(), ring, work);
        for (std::size_t i = 0; i < m; ++i)
            if (!same_score(out[i], expect[i])) {
                const std::string msg = "naive and tree differ at row " + std::to_string(i) + ": " +
                                        std::to_string(out[i]) + " vs " + std::to_string(expect[i]);
                state.SkipWithError(msg.c_str());
                for (auto _ : state) {
                }
                return;
            }
    }
    run(state, kNaive, [&] {
        naive_rolling(v.data(), v.size(), p, out.data(), ring, work);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    });
}

void BM_RollingMean(benchmark::State &state) {
    const auto &v = series(static_cast<std::size_t>(state.range(0)));
    const auto p = params_for(state.range(1));
    std::vector<double> out(v.size()), ring;
    run(state, kMean, [&] {
        rolling_mean(v.data(), v.size(), p, out.data(), ring);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    });
}

// Registered per (n, lookback) in the order tree, naive, mean, so that the
// ratios of the baselines find the tree's time of the same run.
int register_all() {
    for (std::int64_t n : {1000, 100000})
        for (std::int64_t w : {7, 28, 365, 5000}) {
            benchmark::RegisterBenchmark("mad_zscore_rolling", BM_Tree)
                ->Args({n, w})->ArgNames({"n", "lookback"})->Unit(benchmark::kMicrosecond);
            benchmark::RegisterBenchmark("naive_nth_element", BM_Naive)
                ->Args({n, w})->ArgNames({"n", "lookback"})->Unit(benchmark::kMicrosecond);
            benchmark::RegisterBenchmark("rolling_mean", BM_RollingMean)
                ->Args({n, w})->ArgNames({"n", "lookback"})->Unit(benchmark::kMicrosecond);
        }
    return 0;
}
const int registered = register_all();

}  // namespace
