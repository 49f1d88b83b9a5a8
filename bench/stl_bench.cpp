// Google Benchmark of the STL core (make bench).
//
//   BM_Stl/<n>/<period>/<robust>   anomaly::stl_decompose of a seeded series
//                                  (730-point daily, 2,016-point hourly), as
//                                  anomaly.stl_decompose runs it;
//   BM_Mstl/2016                   MSTL with periods 24 and 168;
//   BM_StlResidual/<robust>/<w>    the stl_residual window computation of one
//                                  730-row partition; w = 1: the STL weight
//                                  vector is computed once outside the loop
//                                  (as the SQL function does per query),
//                                  w = 0: computed per partition.
// items/s = points decomposed (or rows scored) per second. The comparison
// with statsmodels is in bench/suites/20_stl.sh (same series sizes, through
// SQL).
#include "core/cancellation.hpp"
#include "core/mstl.hpp"
#include "core/stl.hpp"
#include "core/stl_residual.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

// Level + trend + a seasonal pattern of `period` + a weekly (168) wave for
// hourly data + Gaussian noise + 1% spikes; seeded.
std::vector<double> series(std::size_t n, int period, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> pattern(static_cast<std::size_t>(period));
    for (double &p : pattern) p = 5.0 * noise(rng);
    std::vector<double> y(n);
    for (std::size_t t = 0; t < n; ++t) {
        y[t] = 100.0 + 0.02 * t + pattern[t % pattern.size()] + 3.0 * std::sin(2 * M_PI * t / 168.0) + noise(rng);
        if (u(rng) < 0.01) y[t] += 15.0;
    }
    return y;
}

void BM_Stl(benchmark::State &state) {
    const std::size_t n = static_cast<std::size_t>(state.range(0));
    anomaly::StlParams p;
    p.period = static_cast<int>(state.range(1));
    p.robust = state.range(2) != 0;
    const std::vector<double> y = series(n, p.period, 42);
    anomaly::StopToken stop;
    for (auto _ : state) benchmark::DoNotOptimize(anomaly::stl_decompose(y.data(), n, p, stop));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Stl)->Args({730, 7, 0})->Args({730, 7, 1})->Args({2016, 24, 0})->Args({2016, 24, 1})
    ->Unit(benchmark::kMillisecond);

void BM_Mstl(benchmark::State &state) {
    const std::size_t n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> y = series(n, 24, 43);
    anomaly::MstlParams p;
    p.periods = {24, 168};
    anomaly::StopToken stop;
    for (auto _ : state) benchmark::DoNotOptimize(anomaly::mstl_decompose(y.data(), n, p, stop));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Mstl)->Arg(2016)->Unit(benchmark::kMillisecond);

void BM_StlResidual(benchmark::State &state) {
    const std::size_t n = 730;
    const std::vector<double> y = series(n, 7, 44);
    anomaly::StlResidualParams p;
    p.robust = state.range(0) != 0;
    std::vector<double> r(n), z(n);
    anomaly::StopToken stop;
    const std::vector<double> weights = anomaly::stl_last_residual_weights(7, 56, stop);
    const std::vector<double> *shared = state.range(1) != 0 ? &weights : nullptr;
    for (auto _ : state) {
        anomaly::stl_residual_rolling(y.data(), n, p, shared, r.data(), z.data(), stop);
        benchmark::DoNotOptimize(z.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_StlResidual)->Args({0, 1})->Args({1, 1})->Args({1, 0})->Unit(benchmark::kMicrosecond);

}  // namespace
