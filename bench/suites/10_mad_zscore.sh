#!/usr/bin/env bash
# SQL benchmark of mad_zscore: 1,000 metrics x 1,000 days; anomaly.mad_zscore()
# OVER w against the built-in rolling avg() OVER (ROWS 28 PRECEDING), plus the
# aggregate and array forms for information. Target: ratio <= 2.
# Knobs: BENCH_METRICS (1000), BENCH_DAYS (1000), BENCH_RUNS (5), BENCH_PORT (54331).
set -euo pipefail
. "$(dirname "$0")/../lib/sql_timing.sh"
metrics=${BENCH_METRICS:-1000}
days=${BENCH_DAYS:-1000}

echo "== mad_zscore: throw-away cluster, table t: $metrics metrics x $days days"
bench_cluster "${BENCH_PORT:-54331}"
pgc_psql -q -v metrics="$metrics" -v days="$days" -v seed=0.4242 -v start=2022-01-01 -v null_share=0.005 \
  -f "$bench_root/bench/lib/metric_table.sql" -c "CREATE VIEW t AS SELECT * FROM bench.daily"
BENCH_ROWS=$(pgc_psql -Atq -c "SELECT count(*) FROM t")
export BENCH_ROWS
pgc_psql -Atq -c "SELECT 'rows: ' || count(*) || ', NULL values: ' || count(*) FILTER (WHERE value IS NULL)
                         || ', table size: ' || pg_size_pretty(pg_table_size('bench.daily')) FROM t"

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
bench_time labels queries
bench_target 'mad_zscore OVER w / avg OVER (ROWS 28)' \
  "$(awk -v a="$(bench_median 2)" -v b="$(bench_median 1)" 'BEGIN { printf "%.2f", a / b }')" '<=' 2.0

# The window and array forms score the same rows: their sums must agree.
awk -v a="$(bench_result 2)" -v b="$(bench_result 6)" 'BEGIN {
  if (a != "" && a == b) exit 0
  d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if (m < 1) m = 1
  exit !(a != "" && d / m < 1e-9) }' \
  || { echo "error: sum of mad_zscore() OVER w ($(bench_result 2)) != sum of the array form ($(bench_result 6))" >&2; exit 1; }
