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
pgc_psql -q -v metrics="$metrics" -v days="$days" <<'SQL'
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
BENCH_ROWS=$(pgc_psql -Atq -c "SELECT count(*) FROM t")
export BENCH_ROWS
pgc_psql -Atq -c "SELECT 'rows: ' || count(*) || ', NULL values: ' || count(*) FILTER (WHERE value IS NULL)
                         || ', table size: ' || pg_size_pretty(pg_table_size('t')) FROM t"

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
