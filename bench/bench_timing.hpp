// Shared by the Google Benchmark programs of bench/.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

// Runs body in the benchmark loop (n items per iteration) and returns the
// wall time per item in ns, for the summaries that compare programs.
template <typename Body>
double ns_per_item(benchmark::State &state, std::int64_t n, Body &&body) {
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) body();
    const auto t1 = std::chrono::steady_clock::now();
    state.SetItemsProcessed(state.iterations() * n);
    return std::chrono::duration<double, std::nano>(t1 - t0).count() /
           (static_cast<double>(state.iterations()) * static_cast<double>(n));
}
