#!/usr/bin/env bash
# SQL benchmark of STL (issue 4):
#  1. anomaly.stl_decompose of BENCH_STL_SERIES (20) daily series of 730 points
#     (period 7) and hourly series of 2,016 points (period 24), default and
#     robust, against statsmodels' STL (Debian's /usr/bin/python3) on the same
#     series: prints the speed ratio statsmodels / ours (target >= 10 for the
#     default, non-robust STL). Skipped with a message without statsmodels.
#     The SQL query decomposes the series of a kind in one LATERAL, so the
#     engine (LOESS weight plans) built for the first series is reused for the
#     others, as for a query over many metrics; the cost of one isolated call
#     is in the core benchmark (BM_Stl, which builds the engine every time).
#  2. anomaly.stl_residual() OVER w on BENCH_METRICS (1,000) metrics x
#     BENCH_DAYS (730) days, as rows/s and as a ratio to avg() OVER (ROWS 28
#     PRECEDING) on the same table (target <= 10).
# Knobs: BENCH_STL_SERIES, BENCH_METRICS, BENCH_DAYS, BENCH_RUNS (5), BENCH_PORT (54332).
set -euo pipefail
. "$(dirname "$0")/../lib/sql_timing.sh"
series=${BENCH_STL_SERIES:-20}
metrics=${BENCH_METRICS:-1000}
days=${BENCH_DAYS:-730}
py=/usr/bin/python3

echo "== stl: throw-away cluster; $series daily (730) and hourly (2016) series; t: $metrics metrics x $days days"
bench_cluster "${BENCH_PORT:-54332}"
pgc_psql -q -v series="$series" -v metrics="$metrics" -v days="$days" <<'SQL'
SELECT setseed(0.2024) \g /dev/null
-- Seeded series: level, trend, a random seasonal pattern, Gaussian noise
-- (Box-Muller), 1% spikes; hourly series also get a weekly wave.
CREATE TABLE stl_series AS
SELECT s AS id, kind, period,
       array_agg(round((100 + 0.02 * t + 5 * sin(2 * pi() * (t % period) / period + s) * cos(s * (t % period))
                        + CASE WHEN kind = 'hourly' THEN 3 * sin(2 * pi() * t / 168.0) ELSE 0 END
                        + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                        + CASE WHEN random() < 0.01 THEN 15 ELSE 0 END)::numeric, 6)::float8 ORDER BY t) AS v
FROM (VALUES ('daily', 7, 730), ('hourly', 24, 2016)) AS k(kind, period, n),
     generate_series(1, :series) AS s, LATERAL generate_series(0, n - 1) AS t
GROUP BY s, kind, period;
VACUUM ANALYZE stl_series;
SQL
pgc_psql -q -v metrics="$metrics" -v days="$days" -v seed=0.2025 -v start=2022-01-01 -v null_share=0.005 \
  -f "$bench_root/bench/lib/metric_table.sql" -c "CREATE VIEW t AS SELECT * FROM bench.daily"

# ---- 1. stl_decompose against statsmodels --------------------------------
decompose=(
  "SELECT sum(d.resid) FROM stl_series s, anomaly.stl_decompose(s.v, s.period) d WHERE s.kind = 'daily'"
  "SELECT sum(d.resid) FROM stl_series s, anomaly.stl_decompose(s.v, s.period) d WHERE s.kind = 'hourly'"
  "SELECT sum(d.resid) FROM stl_series s, anomaly.stl_decompose(s.v, s.period, robust => true) d WHERE s.kind = 'daily'"
  "SELECT sum(d.resid) FROM stl_series s, anomaly.stl_decompose(s.v, s.period, robust => true) d WHERE s.kind = 'hourly'"
)
decompose_labels=(
  "stl_decompose daily 730 x $series"
  "stl_decompose hourly 2016 x $series"
  "stl_decompose robust daily 730 x $series"
  "stl_decompose robust hourly 2016 x $series"
)
BENCH_ROWS=$((series * (730 + 2016) / 2)) bench_time decompose_labels decompose

if ! "$py" -c 'import statsmodels.tsa.seasonal' 2>/dev/null; then
  echo "statsmodels not available to $py: skipping the comparison with statsmodels STL"
else
  csv="$bench_tmp/stl_series.csv"
  pgc_psql -Atq -c "COPY (SELECT kind, period, robust, array_to_string(v, ' ') FROM stl_series,
                            (VALUES (false), (true)) AS r(robust) ORDER BY robust, kind, id) TO STDOUT WITH CSV" >"$csv"
  # Median of BENCH_RUNS timings of STL(...).fit() over all series of a kind,
  # with a check that statsmodels' residuals sum to what SQL returned.
  sm=$("$py" - "$csv" "$bench_runs" <<'PY'
import csv, sys, time
import numpy as np
from statsmodels.tsa.seasonal import STL
rows = list(csv.reader(open(sys.argv[1])))
runs = int(sys.argv[2])
groups = {}
for kind, period, robust, v in rows:
    groups.setdefault((robust == "t", kind), []).append((int(period), np.array(v.split(), dtype=float)))
for (robust, kind), items in sorted(groups.items()):
    times, total = [], 0.0
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        total = sum(STL(y, period=p, robust=robust).fit().resid.sum() for p, y in items)
        times.append(1000 * (time.perf_counter() - t0))
    times = sorted(times[1:])
    print(f"{int(robust)} {kind} {times[len(times) // 2]:.1f} {total!r}")
PY
)
  echo
  echo "statsmodels $("$py" -c 'import statsmodels; print(statsmodels.__version__)') STL(...).fit(), median of $bench_runs runs (ms):"
  printf '%-36s %14s %12s %10s\n' series statsmodels_ms ours_ms speedup
  q=0
  for robust in 0 1; do
    for kind in daily hourly; do
      q=$((q + 1))
      read -r _ _ sm_ms sm_sum < <(awk -v r="$robust" -v k="$kind" '$1 == r && $2 == k' <<<"$sm")
      ours=$(bench_median "$q")
      ratio=$(awk -v a="$sm_ms" -v b="$ours" 'BEGIN { printf "%.1f", a / b }')
      printf '%-36s %14s %12s %10s\n' "${decompose_labels[$((q - 1))]}" "$sm_ms" "$ours" "${ratio}x"
      awk -v a="$sm_sum" -v b="$(bench_result "$q")" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-6) }' \
        || { echo "error: statsmodels residual sum $sm_sum != ours $(bench_result "$q") ($kind, robust=$robust)" >&2; exit 1; }
      [ "$robust" = 0 ] && bench_target "statsmodels / stl_decompose ($kind)" "$ratio" '>=' 10
    done
  done
  echo "(robust rows for information: the robust fit re-weights every LOESS point, so the per-point weight plans do not apply)"
fi

# ---- 2. stl_residual window ------------------------------------------------
BENCH_ROWS=$(pgc_psql -Atq -c "SELECT count(*) FROM t")
export BENCH_ROWS
w='WINDOW w AS (PARTITION BY metric ORDER BY day)'
labels=(
  'avg() OVER (ROWS 28 PRECEDING)'
  'anomaly.stl_residual() OVER w (robust)'
  'anomaly.stl_residual(v, 7, false) OVER w'
)
queries=(
  "SELECT sum(a) FROM (SELECT avg(value) OVER (PARTITION BY metric ORDER BY day ROWS 28 PRECEDING) AS a FROM t) s"
  "SELECT sum(z) FROM (SELECT anomaly.stl_residual(value) OVER w AS z FROM t $w) s"
  "SELECT sum(z) FROM (SELECT anomaly.stl_residual(value, 7, false) OVER w AS z FROM t $w) s"
)
bench_time labels queries
bench_target 'stl_residual OVER w / avg OVER (ROWS 28)' \
  "$(awk -v a="$(bench_median 2)" -v b="$(bench_median 1)" 'BEGIN { printf "%.2f", a / b }')" '<=' 10
