// Google Benchmark of the seasonal forecast core (make bench).
//
//   causal    anomaly::seasonal_forecast_causal over one daily series (the
//             window form's work per partition), default options, and with
//             refit_every 1 (a refit on every row);
//   series    anomaly::seasonal_forecast_series with a 28-day horizon (the
//             anomaly.forecast work: causal pass + final fit + components).
// items/s = rows per second. Series: seeded, daily, trend + weekly + yearly
// + noise, like the metrics of bench/forecast_quality.
#include "core/cancellation.hpp"
#include "core/forecast_options.hpp"
#include "core/seasonal_forecast.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

struct Series {
    std::vector<double> ts, values;
};

Series make_series(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    Series s;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(i);
        s.ts.push_back(1640995200.0 + 86400.0 * d);
        s.values.push_back(100 + 0.02 * d + 5 * std::sin(2 * M_PI * d / 7) + 8 * std::sin(2 * M_PI * d / 365.25) +
                           2 * noise(rng));
    }
    return s;
}

void BM_causal(benchmark::State &state) {
    const std::size_t n = static_cast<std::size_t>(state.range(0));
    const Series s = make_series(n, 42);
    anomaly::ForecastOptions o;
    o.refit_every = static_cast<int>(state.range(1));
    std::vector<anomaly::ForecastPoint> out(n);
    for (auto _ : state) {
        anomaly::StopToken stop;
        anomaly::seasonal_forecast_causal(s.ts.data(), s.values.data(), n, o, out.data(), stop);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_causal)->ArgNames({"n", "refit_every"})->Args({730, 7})->Args({730, 1})->Args({2000, 7});

void BM_series(benchmark::State &state) {
    const std::size_t n = static_cast<std::size_t>(state.range(0));
    const Series s = make_series(n, 43);
    for (auto _ : state) {
        anomaly::StopToken stop;
        auto rows = anomaly::seasonal_forecast_series(s.ts.data(), s.values.data(), n, 28, anomaly::ForecastOptions(), stop);
        benchmark::DoNotOptimize(rows.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_series)->ArgNames({"n"})->Arg(730);

}  // namespace
