#!/usr/bin/env bash
# SQL benchmark of anomaly.seasonal_forecast on 1,000 metrics x 730 days of
# the seeded synthetic metrics of bench/forecast_quality (level, trend with
# changepoints, weekly and yearly seasonality, additive or multiplicative,
# noise), against the built-in rolling avg() OVER (ROWS 28 PRECEDING); then the
# quality bars on the same table (bench/forecast_quality/quality.sh).
# Target: seasonal_forecast OVER w <= 25 x the avg() baseline.
# Knobs: BENCH_METRICS (1000), BENCH_DAYS (730), BENCH_RUNS (5), BENCH_PORT (54333),
# and those of quality.sh (FQ_FROM_DAY, FQ_COMPONENT_SERIES, FQ_SEED).
set -euo pipefail
# shellcheck source=../lib/sql_timing.sh
. "$(dirname "$0")/../lib/sql_timing.sh"
# shellcheck source=../forecast_quality/quality.sh
. "$(dirname "$0")/../forecast_quality/quality.sh"
metrics=${BENCH_METRICS:-1000}
days=${BENCH_DAYS:-730}

echo "== seasonal_forecast: throw-away cluster, table fq_metrics: $metrics metrics x $days days"
bench_cluster "${BENCH_PORT:-54333}"
fq_generate "$metrics" "$days"
BENCH_ROWS=$(pgc_psql -Atq -c "SELECT count(*) FROM fq_metrics")
export BENCH_ROWS
pgc_psql -Atq -c "SELECT 'rows: ' || count(*) || ', table size: ' || pg_size_pretty(pg_table_size('fq_metrics')) FROM fq_metrics"

w='WINDOW w AS (PARTITION BY series ORDER BY ts)'
# shellcheck disable=SC2034  # read by bench_time through namerefs
labels=(
  'avg() OVER (ROWS 28 PRECEDING)'
  'anomaly.seasonal_forecast() OVER w'
  'seasonal_forecast(refit_every 1) OVER w'
  'forecast(array_agg(...), 28) per metric'
)
# shellcheck disable=SC2034
queries=(
  "SELECT sum(a) FROM (SELECT avg(value) OVER (PARTITION BY series ORDER BY ts ROWS 28 PRECEDING) AS a FROM fq_metrics) s"
  "SELECT sum((f).yhat) FROM (SELECT anomaly.seasonal_forecast(ts, value) OVER w AS f FROM fq_metrics $w) s"
  "SELECT sum((f).yhat) FROM (SELECT anomaly.seasonal_forecast(ts, value, '{\"refit_every\": 1}') OVER w AS f FROM fq_metrics $w) s"
  "SELECT sum(f.yhat) FROM (SELECT array_agg(ts ORDER BY ts) AS t, array_agg(value ORDER BY ts) AS v FROM fq_metrics GROUP BY series) a, anomaly.forecast(a.t, a.v, 28) f"
)
bench_time labels queries
bench_target 'seasonal_forecast OVER w / avg OVER (ROWS 28)' \
  "$(awk -v a="$(bench_median 2)" -v b="$(bench_median 1)" 'BEGIN { printf "%.2f", a / b }')" '<=' 25
echo
forecast_quality
