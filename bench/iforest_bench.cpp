// Google Benchmark of the isolation forest core (make bench).
//
//   IForestFit       iforest_fit with 100 trees × sample_size 256 on 10,000
//                    rows of d features; time per fit, and per sampled row.
//   IForestScore     scoring rows with a fitted forest: from the decoded
//                    forest and straight from the model bytes (what
//                    anomaly.iforest_score does per row), against a baseline
//                    that is the obvious alternative outlier score: the mean
//                    distance to the 10 nearest of 256 sampled rows (kNN).
//   IForestWindow    the causal window scorer (window 256, refit every 32).
// Each prints ns per row; the score benchmarks print vs_knn = their time per
// row / the kNN baseline's (below 1 = faster). A summary goes to stderr.
#include "bench_timing.hpp"
#include "core/cancellation.hpp"
#include "core/isolation_forest.hpp"
#include "core/seeded_random.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

// Gaussian-ish rows (sum of three uniforms per value) with 1% far outliers.
std::vector<double> make_rows(std::size_t n, std::size_t d, std::uint64_t seed) {
    anomaly::SeededRandom rng(seed);
    std::vector<double> x(n * d);
    for (std::size_t i = 0; i < n; ++i) {
        const bool outlier = rng.below(100) == 0;
        for (std::size_t f = 0; f < d; ++f) {
            const double v = rng.uniform_open() + rng.uniform_open() + rng.uniform_open() - 1.5;
            x[i * d + f] = outlier ? v * 6 : v;
        }
    }
    return x;
}

std::map<std::string, double> g_ns;  // "name/d" -> ns per row

void record(benchmark::State &state, const std::string &name, double ns) {
    state.counters["ns_per_row"] = ns;
    g_ns[name + "/" + std::to_string(state.range(0))] = ns;
}

void BM_IForestFit(benchmark::State &state) {
    const std::size_t d = static_cast<std::size_t>(state.range(0)), n = 10000;
    const std::vector<double> x = make_rows(n, d, 1);
    anomaly::IForestOptions o;  // 100 × 256
    anomaly::StopToken stop;
    const double ns = ns_per_item(state, 100 * 256, [&] {
        benchmark::DoNotOptimize(anomaly::iforest_fit(x.data(), n, d, o, stop));
    });
    record(state, "fit per sampled row", ns);
    state.counters["ms_per_fit"] = ns * 100 * 256 / 1e6;
}

constexpr std::size_t kScoreRows = 2000;

void BM_IForestScoreForest(benchmark::State &state) {
    const std::size_t d = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = make_rows(10000, d, 2);
    anomaly::StopToken stop;
    const anomaly::IsolationForest f = anomaly::iforest_fit(x.data(), 10000, d, {}, stop);
    const double ns = ns_per_item(state, kScoreRows, [&] {
        double s = 0;
        for (std::size_t i = 0; i < kScoreRows; ++i) s += anomaly::iforest_score(f, &x[i * d]);
        benchmark::DoNotOptimize(s);
    });
    record(state, "score (forest)", ns);
}

void BM_IForestScoreBytes(benchmark::State &state) {
    const std::size_t d = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = make_rows(10000, d, 2);
    anomaly::StopToken stop;
    const std::vector<std::uint8_t> m = anomaly::iforest_serialize(anomaly::iforest_fit(x.data(), 10000, d, {}, stop));
    const double ns = ns_per_item(state, kScoreRows, [&] {
        double s = 0;
        for (std::size_t i = 0; i < kScoreRows; ++i) s += anomaly::iforest_score_model(m.data(), &x[i * d]);
        benchmark::DoNotOptimize(s);
    });
    record(state, "score (model bytes)", ns);
}

// Baseline: mean distance to the 10 nearest of 256 sampled rows.
void BM_KnnBaseline(benchmark::State &state) {
    const std::size_t d = static_cast<std::size_t>(state.range(0)), k = 10, m = 256;
    const std::vector<double> x = make_rows(10000, d, 2);
    const std::vector<double> ref(x.end() - static_cast<long>(m * d), x.end());
    std::vector<double> dist(m);
    const double ns = ns_per_item(state, kScoreRows, [&] {
        double s = 0;
        for (std::size_t i = 0; i < kScoreRows; ++i) {
            for (std::size_t j = 0; j < m; ++j) {
                double q = 0;
                for (std::size_t f = 0; f < d; ++f) q += (x[i * d + f] - ref[j * d + f]) * (x[i * d + f] - ref[j * d + f]);
                dist[j] = q;
            }
            std::nth_element(dist.begin(), dist.begin() + k, dist.end());
            for (std::size_t j = 0; j < k; ++j) s += std::sqrt(dist[j]);
        }
        benchmark::DoNotOptimize(s);
    });
    record(state, "kNN baseline", ns);
}

void BM_IForestWindow(benchmark::State &state) {
    const std::size_t d = static_cast<std::size_t>(state.range(0)), n = 2000;
    const std::vector<double> x = make_rows(n, d, 3);
    anomaly::IForestWindowOptions o;  // window 256, refit 32, 100 × 256
    anomaly::StopToken stop;
    const double ns = ns_per_item(state, static_cast<std::int64_t>(n), [&] {
        benchmark::DoNotOptimize(anomaly::iforest_window_scores(x.data(), n, d, o, stop));
    });
    record(state, "window scorer", ns);
}

BENCHMARK(BM_IForestFit)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KnnBaseline)->Arg(2)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IForestScoreForest)->Arg(2)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IForestScoreBytes)->Arg(2)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IForestWindow)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond);

struct Summary {
    ~Summary() {
        if (g_ns.empty()) return;
        std::fprintf(stderr, "\nisolation forest, ns per row (d = features):\n");
        for (const auto &[name, ns] : g_ns) {
            const std::string d = name.substr(name.rfind('/') + 1);
            const auto knn = g_ns.find("kNN baseline/" + d);
            if (name.rfind("score", 0) == 0 && knn != g_ns.end())
                std::fprintf(stderr, "  %-28s %10.1f ns   vs kNN(10 of 256) %.2f\n", name.c_str(), ns, ns / knn->second);
            else
                std::fprintf(stderr, "  %-28s %10.1f ns\n", name.c_str(), ns);
        }
    }
} g_summary;

}  // namespace
