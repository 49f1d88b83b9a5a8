#!/usr/bin/env bash
# The project's benchmark command (make bench). Not part of the test suite.
#
#  1. Google Benchmark of the core (bench/*_bench.cpp -> build/bench/core_benchmarks):
#     anomaly::mad_zscore_rolling against a naive nth_element baseline and a
#     rolling mean, on seeded series.
#  2. SQL benchmark in a throw-away PostgreSQL 15 cluster: 1,000 metrics x
#     1,000 days; anomaly.mad_zscore() OVER w against the built-in rolling
#     avg() OVER (ROWS 28 PRECEDING), plus the aggregate and array forms for
#     information. Every query's result is consumed (build-notes §8); each runs
#     once to warm up, then BENCH_RUNS times, the queries interleaved round by
#     round so that a busy machine slows all of them alike; medians reported.
#
# Exits 0 when everything ran, whether or not a target was met (a missed
# target is printed as MISSED); non-zero when something broke.
#
# Knobs (environment): BENCH_RUNS (5), BENCH_METRICS (1000), BENCH_DAYS (1000),
# BENCH_SKIP_CORE=1 (skip step 1), BENCH_CORE_ARGS (extra arguments for
# core_benchmarks, e.g. --benchmark_filter=n:1000/), BENCH_PORT (54331).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

runs=${BENCH_RUNS:-5}
metrics=${BENCH_METRICS:-1000}
days=${BENCH_DAYS:-1000}
port=${BENCH_PORT:-54331}
target_ratio=2.0

start_s=$(date +%s)
test/install_deps.sh --bench
# shellcheck source=../test/lib/pg_cluster.sh
. test/lib/pg_cluster.sh

tmp=$(mktemp -d /tmp/anomaly_detect-bench.XXXXXX)
cleanup() { pgc_stop "$tmp"; rm -rf "$tmp"; }
trap cleanup EXIT

# ---------------------------------------------------------------------------
# 1. Core (Google Benchmark)
# ---------------------------------------------------------------------------
if [ "${BENCH_SKIP_CORE:-0}" != 1 ]; then
  echo "== Core benchmarks (Google Benchmark)"
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DANOMALY_BUILD_TESTS=OFF -DANOMALY_BUILD_BENCHMARKS=ON >"$tmp/cmake.log" 2>&1 \
    || { cat "$tmp/cmake.log"; exit 1; }
  cmake --build build/bench -j2 --target core_benchmarks >"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log"; exit 1; }
  # shellcheck disable=SC2086
  build/bench/core_benchmarks ${BENCH_CORE_ARGS:-} 2>&1 | tee "$tmp/core.log"
  # A benchmark that fails its own check (SkipWithError) does not change the
  # exit code of the program.
  if grep -q 'ERROR OCCURRED' "$tmp/core.log"; then
    echo "error: a core benchmark failed (ERROR OCCURRED above)" >&2
    exit 1
  fi
  echo
fi

# ---------------------------------------------------------------------------
# 2. SQL
# ---------------------------------------------------------------------------
echo "== SQL benchmark: throw-away cluster on port $port"
pgc_start "$tmp" "$port" postgres
export PGDATABASE=postgres

echo "== Creating table t: $metrics metrics x $days days"
pgc_psql -q -v metrics="$metrics" -v days="$days" <<'SQL'
CREATE EXTENSION anomaly_detect;
SELECT setseed(0.4242) \g /dev/null
-- Per metric: a level spread over four orders of magnitude, a noise level, a
-- weekend factor and a trend.
CREATE TEMP TABLE params AS
SELECT g AS metric, exp(1 + 8 * random()) AS level, 0.02 + 0.2 * random() AS noise,
       0.5 + 0.6 * random() AS weekend, 0.001 * (random() - 0.3) AS trend
FROM generate_series(1, :metrics) AS g;
-- Per row: multiplicative log-normal noise (Box-Muller), rare spikes and
-- outages, rare missing values (NULL); values rounded to cents, so small
-- metrics have ties. Rows arrive day by day, as an ingestion job writes them.
CREATE TABLE t (metric int NOT NULL, day date NOT NULL, value float8);
INSERT INTO t
SELECT p.metric, date '2022-01-01' + d,
       CASE WHEN random() < 0.005 THEN NULL
            ELSE round((p.level * (1 + p.trend * d)
                        * CASE WHEN extract(isodow FROM date '2022-01-01' + d) >= 6 THEN p.weekend ELSE 1 END
                        * exp(p.noise * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
                        * CASE WHEN random() < 0.003 THEN 3 WHEN random() < 0.003 THEN 0.2 ELSE 1 END
                       )::numeric, 2)::float8
       END
FROM generate_series(0, :days - 1) AS d CROSS JOIN params p
ORDER BY d, p.metric;
VACUUM ANALYZE t;
SQL
pgc_psql -Atq -c "SELECT 'rows: ' || count(*) || ', NULL values: ' || count(*) FILTER (WHERE value IS NULL)
                         || ', table size: ' || pg_size_pretty(pg_table_size('t')) FROM t"
pgc_psql -Atq -c "SELECT 'settings: ' || string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
                  FROM pg_settings WHERE name IN ('work_mem', 'jit', 'max_parallel_workers_per_gather', 'shared_buffers')"

# Runs every query once to warm up, then `runs` rounds of all queries in
# turn; each timing is clock_timestamp() around EXECUTE ... INTO, inside the
# server (no client transfer: every query returns one row).
pgc_psql -q <<'SQL'
CREATE SCHEMA bench;
CREATE FUNCTION bench.time_queries(queries text[], runs int)
RETURNS TABLE (query int, run int, ms float8, result text)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    r text;
BEGIN
    FOR q IN 1 .. cardinality(queries) LOOP
        EXECUTE queries[q] INTO r;
    END LOOP;
    FOR i IN 1 .. runs LOOP
        FOR q IN 1 .. cardinality(queries) LOOP
            t0 := clock_timestamp();
            EXECUTE queries[q] INTO r;
            query := q;
            run := i;
            ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
            result := r;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END $$;
SQL

w='WINDOW w AS (PARTITION BY metric ORDER BY day)'
labels=(
  'avg() OVER (ROWS 28 PRECEDING)'
  'anomaly.mad_zscore() OVER w'
  'lag() OVER w (sort+window floor)'
  'mad_zscore_last(value ORDER BY day)'
  'mad_zscore_last(day::timestamptz, v)'
  'mad_zscore(array_agg(...)) per metric'
)
queries=(
  "SELECT sum(a) FROM (SELECT avg(value) OVER (PARTITION BY metric ORDER BY day ROWS 28 PRECEDING) AS a FROM t) s"
  "SELECT sum(z) FROM (SELECT anomaly.mad_zscore(value) OVER w AS z FROM t $w) s"
  "SELECT sum(l) FROM (SELECT lag(value) OVER w AS l FROM t $w) s"
  "SELECT count(z) FROM (SELECT anomaly.mad_zscore_last(value ORDER BY day) AS z FROM t GROUP BY metric) s"
  "SELECT count(z) FROM (SELECT anomaly.mad_zscore_last(day::timestamptz, value) AS z FROM t GROUP BY metric) s"
  "SELECT sum(x) FROM (SELECT anomaly.mad_zscore(array_agg(value ORDER BY day)) AS z FROM t GROUP BY metric) s, unnest(z) AS x"
)

if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
  for q in "${queries[@]}"; do
    echo "-- $q"
    pgc_psql -Atq -c "EXPLAIN (COSTS OFF) $q"
  done
fi

# The queries as one SQL array literal, each dollar-quoted.
array="ARRAY["
for i in "${!queries[@]}"; do
  [ "$i" -gt 0 ] && array+=", "
  array+="\$q\$${queries[$i]}\$q\$"
done
array+="]"

echo "== Timing ${#queries[@]} queries: 1 warm-up + $runs rounds"
pgc_psql -Atq -F ' ' -c "SELECT query, run, round(ms::numeric, 1), result FROM bench.time_queries($array, $runs)
                         ORDER BY query, run" >"$tmp/timings.txt"
[ "$(wc -l <"$tmp/timings.txt")" -eq $(( ${#queries[@]} * runs )) ] \
  || { echo "error: expected $(( ${#queries[@]} * runs )) timings" >&2; cat "$tmp/timings.txt" >&2; exit 1; }

# Median of the runs of query $1 (1-based).
median_ms() {
  awk -v q="$1" '$1 == q { print $3 }' "$tmp/timings.txt" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
runs_ms() { awk -v q="$1" '$1 == q { printf "%s%s", sep, $3; sep = " " }' "$tmp/timings.txt"; }
result_of() { awk -v q="$1" '$1 == q { r = $4 } END { print r }' "$tmp/timings.txt"; }

nrows=$(pgc_psql -Atq -c "SELECT count(*) FROM t")
base=$(median_ms 1)
status=0
echo
echo "Results: $nrows rows (t: $metrics metrics x $days days), median of $runs runs after a warm-up"
printf '%-40s %10s %12s %13s  %s\n' query median_ms rows/s ratio_to_avg ''
for i in "${!queries[@]}"; do
  q=$((i + 1))
  med=$(median_ms "$q")
  rps=$(awk -v n="$nrows" -v ms="$med" 'BEGIN { printf "%.3gM", n / (ms / 1000) / 1e6 }')
  ratio=$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
  note=''
  if [ "$q" = 2 ]; then
    if awk -v r="$ratio" -v t="$target_ratio" 'BEGIN { exit !(r <= t) }'; then
      note="(target <= $target_ratio) ok"
    else
      note="(target <= $target_ratio) MISSED"
    fi
  fi
  printf '%-40s %10.1f %12s %13s  %s\n' "${labels[$i]}" "$med" "$rps" "$ratio" "$note"
done
echo "rows/s = rows of t / median time; ratio_to_avg = median time / the avg() query's median time."
echo
echo "Runs (ms) and results, per query:"
for i in "${!queries[@]}"; do
  q=$((i + 1))
  printf '  %-40s %s  -> %s\n' "${labels[$i]}" "$(runs_ms "$q")" "$(result_of "$q")"
done

# The window and array forms score the same rows: their sums must agree.
awk -v a="$(result_of 2)" -v b="$(result_of 6)" 'BEGIN {
  if (a != "" && a == b) exit 0
  d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if (m < 1) m = 1
  exit !(a != "" && d / m < 1e-9) }' \
  || { echo "error: sum of mad_zscore() OVER w ($(result_of 2)) != sum of the array form ($(result_of 6))" >&2; status=1; }

echo
echo "Total bench time: $(( $(date +%s) - start_s )) s"
exit $status
