#!/usr/bin/env bash
# The project's benchmark command (make bench). Not part of the test suite.
#
#  1. Google Benchmark of the core (bench/*_bench.cpp -> build/bench/core_benchmarks).
#  2. Each SQL suite bench/suites/NN_name.sh in name order, each in its own
#     throw-away PostgreSQL 15 cluster; each prints its timings with ratios to
#     a baseline query measured in the same run, and its targets as "ok" or
#     "MISSED".
#
# Exits 0 when everything ran, whether or not a target was met; non-zero when
# something broke.
#
# Knobs (environment): BENCH_ONLY (a pattern: run only the suites whose file
# name contains it, e.g. BENCH_ONLY=mad_zscore), BENCH_SKIP_CORE=1 (skip step
# 1), BENCH_CORE_ARGS (extra arguments for core_benchmarks, e.g.
# --benchmark_filter=mad), BENCH_RUNS (5); each suite documents its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start_s=$(date +%s)
test/install_deps.sh --bench

if [ "${BENCH_SKIP_CORE:-0}" != 1 ]; then
  echo "== Core benchmarks (Google Benchmark)"
  log=$(mktemp /tmp/anomaly_detect-bench-core.XXXXXX)
  trap 'rm -f "$log"' EXIT
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DANOMALY_BUILD_TESTS=OFF -DANOMALY_BUILD_BENCHMARKS=ON >"$log" 2>&1 \
    || { cat "$log"; exit 1; }
  cmake --build build/bench -j2 --target core_benchmarks >"$log" 2>&1 || { cat "$log"; exit 1; }
  # shellcheck disable=SC2086
  build/bench/core_benchmarks ${BENCH_CORE_ARGS:-} 2>&1 | tee "$log"
  # A benchmark that fails its own check (SkipWithError) does not change the
  # exit code of the program.
  if grep -q 'ERROR OCCURRED' "$log"; then
    echo "error: a core benchmark failed (ERROR OCCURRED above)" >&2
    exit 1
  fi
  echo
fi

status=0
for suite in bench/suites/*.sh; do
  case "$suite" in *"${BENCH_ONLY:-}"*) ;; *) continue ;; esac
  echo "==== $suite"
  bash "$suite" || { echo "error: $suite failed" >&2; status=1; }
  echo
done
echo "Total bench time: $(( $(date +%s) - start_s )) s"
exit $status
