// Google Benchmark of anomaly::detect_periods (make bench).
//
// For each seeded synthetic series with a known period (daily data with a
// weekly pattern; hourly data with daily and weekly patterns), three programs:
//   detect      anomaly::detect_periods: periodogram candidates, a few scored;
//   exhaustive  score every period 2..n/2 with anomaly::score_period and keep
//               the strongest: the obvious O(n²) search (only up to n = 10,080;
//               it would take minutes beyond);
//   acf         one FFT autocorrelation of the series: not a detector, the floor
//               of any ACF/periodogram method.
// Benchmark names carry kind:0 (daily) or kind:1 (hourly) and n.
// Each reports items/s (points per second) and time_vs_detect = its time / the
// detector's time on the same series. A summary table is printed on stderr.
//
// Before timing, detect must find the series' known period first; otherwise
// the benchmark fails (SkipWithError). detect_periods_quality reports, as
// counters, false-positive and detection rates on seeded series (see there).
#include "bench_timing.hpp"
#include "core/cancellation.hpp"
#include "core/fft.hpp"
#include "core/period_detection.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

enum Kind { kDaily = 0, kHourly = 1 };
const char *const kKindNames[] = {"daily", "hourly"};
const int kKnownPeriod[] = {7, 24};

// Daily: growth, weekend dip, noise. Hourly: a daily shape, quieter weekends,
// noise.
std::vector<double> make_series(Kind kind, std::size_t n, std::uint64_t seed) {
    static const double weekly[7] = {1.00, 1.04, 1.06, 1.05, 1.02, 0.80, 0.75};
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i);
        if (kind == kDaily) {
            v[i] = 1000.0 + 0.8 * t + 200.0 * weekly[i % 7] + 20.0 * noise(rng);
        } else {
            const double h = static_cast<double>(i % 24);
            const bool weekend = (i / 24) % 7 >= 5;
            v[i] = 50.0 + 0.001 * t + (weekend ? 0.6 : 1.0) * 10.0 * std::sin(2.0 * M_PI * (h - 6.0) / 24.0) +
                   (weekend ? -8.0 : 0.0) + 3.0 * noise(rng);
        }
    }
    return v;
}

const std::vector<double> &series(Kind kind, std::size_t n) {
    static std::map<std::pair<int, std::size_t>, std::vector<double>> cache;
    auto key = std::make_pair(static_cast<int>(kind), n);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, make_series(kind, n, 20261123u + n)).first;
    return it->second;
}

enum Program { kDetect, kExhaustive, kAcf };
using Key = std::tuple<int, std::int64_t, int>;  // kind, n, program
std::map<Key, double> &ns_per_point() {
    static auto *m = new std::map<Key, double>;  // never destroyed: read at exit
    return *m;
}

struct Summary {
    ~Summary() {
        const auto &m = ns_per_point();
        if (m.empty()) return;
        std::fprintf(stderr, "\nPeriod detection summary (ms per series; x detect = time / detect's time):\n");
        std::fprintf(stderr, "%8s %8s %12s %14s %10s %14s %10s\n", "series", "n", "detect_ms", "exhaustive_ms",
                     "acf_ms", "exhaust/det", "acf/det");
        std::map<std::pair<int, std::int64_t>, bool> keys;
        for (const auto &kv : m) keys[{std::get<0>(kv.first), std::get<1>(kv.first)}] = true;
        for (const auto &entry : keys) {
            const int kind = entry.first.first;
            const std::int64_t n = entry.first.second;
            auto ms = [&](int prog) {
                auto it = m.find(Key{kind, n, prog});
                return it == m.end() ? NAN : it->second * static_cast<double>(n) / 1e6;
            };
            const double d = ms(kDetect), e = ms(kExhaustive), a = ms(kAcf);
            std::fprintf(stderr, "%8s %8lld %12.3f %14.3f %10.3f %14.1f %10.3f\n", kKindNames[kind],
                         static_cast<long long>(n), d, e, a, e / d, a / d);
        }
    }
} summary;

template <typename Body>
void run(benchmark::State &state, Program program, Body &&body) {
    const int kind = static_cast<int>(state.range(0));
    const std::int64_t n = state.range(1);
    const double ns = ns_per_item(state, n, body);
    auto &m = ns_per_point();
    m[{kind, n, program}] = ns;
    auto det = m.find({kind, n, kDetect});
    if (det != m.end()) state.counters["time_vs_detect"] = ns / det->second;
}

void BM_Detect(benchmark::State &state) {
    const Kind kind = static_cast<Kind>(state.range(0));
    const auto &v = series(kind, static_cast<std::size_t>(state.range(1)));
    anomaly::PeriodDetectionParams p;
    anomaly::StopToken stop;
    const auto found = anomaly::detect_periods(v.data(), v.size(), p, stop);
    if (found.empty() || found[0].period != kKnownPeriod[kind]) {
        const std::string msg = std::string("detect_periods did not find ") + std::to_string(kKnownPeriod[kind]) +
                                " first on the " + kKindNames[kind] + " series";
        state.SkipWithError(msg.c_str());
        for (auto _ : state) {
        }
        return;
    }
    state.SetLabel("found " + std::to_string(found[0].period) +
                   (found.size() > 1 ? " then " + std::to_string(found[1].period) : std::string()));
    run(state, kDetect, [&] {
        auto r = anomaly::detect_periods(v.data(), v.size(), p, stop);
        benchmark::DoNotOptimize(r.data());
        benchmark::ClobberMemory();
    });
}

void BM_Exhaustive(benchmark::State &state) {
    const auto &v = series(static_cast<Kind>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    anomaly::StopToken stop;
    int best = 0;
    run(state, kExhaustive, [&] {
        double best_strength = -1.0;
        for (int p = 2; p <= static_cast<int>(v.size() / 2); ++p) {
            const anomaly::PeriodScore s = anomaly::score_period(v.data(), v.size(), p, stop);
            if (s.significant && s.strength > best_strength) best = p, best_strength = s.strength;
        }
        benchmark::DoNotOptimize(best);
    });
    state.SetLabel("strongest " + std::to_string(best));
}

void BM_Acf(benchmark::State &state) {
    const auto &v = series(static_cast<Kind>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    run(state, kAcf, [&] {
        auto a = anomaly::autocorrelation(v.data(), v.size(), v.size() / 2);
        benchmark::DoNotOptimize(a.data());
        benchmark::ClobberMemory();
    });
}

// Quality, not speed (one iteration): over 200 seeded series of 1,000
// points each, the share that get at least one row although they have no
// period (white noise, random walk, noise with 1% spikes of 30σ, AR(1) with
// φ = 0.7), and the share of two-year daily series with a weekly pattern
// (share of variance 5%, 20%, 50%) whose first row is 7.
std::vector<double> no_period_series(int kind, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> v(n);
    double level = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double e = g(rng);
        switch (kind) {
        case 0: v[i] = e; break;
        case 1: v[i] = (level += e); break;
        case 2: v[i] = e + (u(rng) < 0.01 ? 30.0 : 0.0); break;
        default: v[i] = (level = 0.7 * level + e); break;
        }
    }
    return v;
}

void BM_Quality(benchmark::State &state) {
    constexpr int kSeries = 200;
    static const double weekly[7] = {1.00, 1.04, 1.06, 1.05, 1.02, 0.80, 0.75};
    double pattern_var = 0.0, mean = 0.0;
    for (double w : weekly) mean += w / 7.0;
    for (double w : weekly) pattern_var += (w - mean) * (w - mean) / 7.0;
    anomaly::PeriodDetectionParams params;
    anomaly::StopToken stop;
    for (auto _ : state) {
        static const char *const names[] = {"fp_white", "fp_walk", "fp_spiky", "fp_ar07"};
        for (int kind = 0; kind < 4; ++kind) {
            int with_rows = 0;
            for (int s = 0; s < kSeries; ++s) {
                const auto v = no_period_series(kind, 1000, 7000u + static_cast<std::uint64_t>(s));
                with_rows += anomaly::detect_periods(v.data(), v.size(), params, stop).empty() ? 0 : 1;
            }
            state.counters[names[kind]] = static_cast<double>(with_rows) / kSeries;
        }
        static const double shares[] = {0.05, 0.2, 0.5};
        static const char *const recall[] = {"found7_share05", "found7_share20", "found7_share50"};
        for (int k = 0; k < 3; ++k) {
            // noise σ such that pattern / (pattern + σ²) = share
            const double sigma = std::sqrt(pattern_var * (1.0 - shares[k]) / shares[k]);
            int found = 0;
            for (int s = 0; s < kSeries; ++s) {
                std::mt19937_64 rng(9000u + static_cast<std::uint64_t>(s));
                std::normal_distribution<double> g(0.0, sigma);
                std::vector<double> v(730);
                for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.002 * static_cast<double>(i) + weekly[i % 7] + g(rng);
                const auto r = anomaly::detect_periods(v.data(), v.size(), params, stop);
                found += !r.empty() && r[0].period == 7 ? 1 : 0;
            }
            state.counters[recall[k]] = static_cast<double>(found) / kSeries;
        }
    }
}

// Per series in the order detect, exhaustive, acf, so that the ratios find
// the detector's time of the same run.
int register_all() {
    const std::vector<std::pair<Kind, std::int64_t>> cases = {
        {kDaily, 730}, {kHourly, 2016}, {kHourly, 10080}, {kHourly, 100800}};
    for (const auto &c : cases) {
        benchmark::RegisterBenchmark("detect_periods", BM_Detect)
            ->Args({c.first, c.second})->ArgNames({"kind", "n"})->Unit(benchmark::kMillisecond);
        if (c.second <= 10080)
            benchmark::RegisterBenchmark("exhaustive_score_period", BM_Exhaustive)
                ->Args({c.first, c.second})->ArgNames({"kind", "n"})->Unit(benchmark::kMillisecond)
                ->Iterations(c.second > 5000 ? 1 : 3);
        benchmark::RegisterBenchmark("acf_fft", BM_Acf)
            ->Args({c.first, c.second})->ArgNames({"kind", "n"})->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark("detect_periods_quality", BM_Quality)->Iterations(1)->Unit(benchmark::kMillisecond);
    return 0;
}
const int registered = register_all();

}  // namespace
