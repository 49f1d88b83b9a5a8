#!/usr/bin/env bash
# The project's accuracy benchmark (make bench-accuracy). Not part of the test suite.
#
#  1. generate.py: seeded labelled business metrics (daily + hourly, two years) with a
#     known-events file.
#  2. A throw-away cluster (bench/lib/sql_timing.sh bench_cluster) with the extension built
#     from this tree; the data loaded by load.sql.
#  3. Each detector alone through SQL (detectors.sh: fixed a-priori thresholds); a detector
#     whose function is not in the build is reported as "not built".
#  4. When /usr/bin/python3 imports statsmodels / sklearn: the baselines (baselines.py:
#     statsmodels STL and scikit-learn IsolationForest, causal trailing-window refits).
#  4b. On the generated data, oracle.py: what a detector that knows each point's normal value and
#     noise would find (point tests at alpha 1e-3 per day, a CUSUM at h 5 and 3, and both): the
#     ceiling the data allows, not a detector of the extension.
#  5. score.py: ONE table (precision, recall, F1, false alarms/metric/30d, median delay,
#     ramp recall <= 7 days, runtime), recall per anomaly type, ensemble_anomaly (at its default
#     threshold and the ACC_ENSEMBLE_CURVE ones) against each detector alone at the same recall,
#     and on the generated data the issue's targets.
#  6. The same on NAB (labelled real series) when the directory exists, read in place.
#
# Knobs (environment): ACC_SEED (1), ACC_DAILY (40), ACC_HOURLY (8), ACC_DAYS (730),
# ACC_TOLERANCE (2 points after a window), ACC_DETECTORS (space-separated subset of the
# detector names, default all, baselines included: stl_statsmodels iforest_sklearn; "oracle" for the ceiling),
# ACC_SETS (data sets to run: "generated nab"), ACC_NAB_DIR (/work/shared/data/nab; "none" skips NAB), ACC_NAB_ONLY (a pattern on NAB file
# paths, e.g. realKnownCause), ACC_KEEP (a directory: keep the data, alerts and runtimes there),
# ACC_TIMEOUT (seconds per SQL detector query, 300; 0 = none: a slower detector is reported as
# "timed out"), ACC_ENSEMBLE_CURVE (the ensemble's other thresholds: "0.99 0.95 0.9"; "" none),
# BENCH_PORT (54340).
# Exits 0 when everything ran; non-zero when something broke. Misses of the issue's targets
# are printed, never fatal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
export PGTZ=UTC

if ! "$PY" -c 'import numpy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q python3-numpy >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q python3-numpy >/dev/null; }
  else
    echo "error: $PY cannot import numpy: run 'apt-get install python3-numpy' as root" >&2
    exit 1
  fi
fi
# shellcheck source=../lib/sql_timing.sh
. "$here/../lib/sql_timing.sh"
# shellcheck source=detectors.sh
. "$here/detectors.sh"
baselines=()
"$PY" -c 'import statsmodels' 2>/dev/null && baselines+=(stl_statsmodels)
"$PY" -c 'import sklearn, pandas' 2>/dev/null && baselines+=(iforest_sklearn)

# ensemble_anomaly@T (its other operating points) runs whenever ensemble_anomaly does.
wanted() { [ -z "${ACC_DETECTORS:-}" ] || [[ " $ACC_DETECTORS " == *" $1 "* || " $ACC_DETECTORS " == *" ${1%@*} "* ]]; }

start_s=$(date +%s)
timeout_ms=$(awk -v s="${ACC_TIMEOUT:-300}" 'BEGIN { printf "%d", s * 1000 }')
bench_cluster "${BENCH_PORT:-54340}"
pgc_psql -Atq -c "SELECT 'anomaly_detect ' || extversion FROM pg_extension WHERE extname = 'anomaly_detect'"

# run_set NAME DATADIR [--targets]: load DATADIR, run every detector and baseline on it, print the
# table (and the issue's targets).
run_set() {
  local name=$1 data=$2 targets=${3:-} out=$bench_tmp/out-$1 d needs missing t0 t1
  mkdir -p "$out"
  chmod -R a+rX "$data"
  pgc_psql -q -v dir="$data" -f "$here/load.sql"
  pgc_psql -Atq -c "SELECT count(DISTINCT metric) || ' series, ' || count(*) || ' points ('
                           || count(*) FILTER (WHERE value IS NULL) || ' missing) loaded' FROM acc.series"
  echo "detector,metric,ts" >"$out/alerts.csv"
  echo "detector,seconds,status" >"$out/runtimes.csv"
  for d in "${det_names[@]}"; do
    wanted "$d" || continue
    missing=
    for needs in ${det_needs[$d]}; do
      [ "$(pgc_psql -Atq -c "SELECT to_regprocedure('$needs') IS NULL")" = t ] && missing+=" $needs"
    done
    if [ -n "$missing" ]; then
      echo "  $d: not built (missing$missing)"
      echo "$d,,not built" >>"$out/runtimes.csv"
      continue
    fi
    t0=$(date +%s.%N)
    if PGOPTIONS="-c statement_timeout=$timeout_ms" \
         pgc_psql -Atq -c "COPY (SELECT '$d', metric, ts FROM (${det_sql[$d]}) a ORDER BY 2, 3) TO STDOUT WITH (FORMAT csv)" \
         >"$out/$d.csv" 2>"$out/$d.err"; then
      cat "$out/$d.csv" >>"$out/alerts.csv"
      t1=$(date +%s.%N)
      echo "$d,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'),ok" >>"$out/runtimes.csv"
      echo "  $d: $(grep -c "^$d," "$out/alerts.csv") alerting points in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
    elif grep -q 'statement timeout' "$out/$d.err"; then
      echo "  $d: timed out after ${ACC_TIMEOUT:-300} s (ACC_TIMEOUT)"
      echo "$d,,timed out (> ${ACC_TIMEOUT:-300} s)" >>"$out/runtimes.csv"
    else
      echo "  $d: FAILED: $(head -c 500 "$out/$d.err")"
      echo "$d,,failed" >>"$out/runtimes.csv"
    fi
  done
  for d in stl_statsmodels iforest_sklearn; do
    wanted "$d" || continue
    if [[ " ${baselines[*]} " != *" $d "* ]]; then
      echo "$d,,not installed" >>"$out/runtimes.csv"
      continue
    fi
    if [ "$d" = stl_statsmodels ] && [ "$name" = NAB ] && [ "${ACC_NAB_STL:-0}" != 1 ]; then
      # 5-minute data: a 288-point period, ~1,200 refits of 2,000 points (~15 min on 2 cores)
      echo "  $d: skipped on NAB (about 15 minutes; ACC_NAB_STL=1 runs it)"
      echo "$d,,skipped (ACC_NAB_STL=1)" >>"$out/runtimes.csv"
      continue
    fi
    "$PY" "$here/baselines.py" "$d" "$data" "$out/alerts.csv" "$out/runtimes.csv"
  done
  # The ceiling: oracle.py knows each point's normal value and noise (truth.csv, generated data only).
  if [ -f "$data/truth.csv" ] && wanted oracle && "$PY" -c 'import scipy' 2>/dev/null; then
    t0=$(date +%s.%N)
    "$PY" "$here/oracle.py" "$data" "$out/oracle.csv" --alpha 1e-3 --cusum-h 3
    t1=$(date +%s.%N)
    tail -n +2 "$out/oracle.csv" >>"$out/alerts.csv"
    for d in $(tail -n +2 "$out/oracle.csv" | cut -d, -f1 | sort -u); do
      echo "$d,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'),ok" >>"$out/runtimes.csv"
    done
  fi
  echo
  "$PY" "$here/score.py" "$data" "$out/alerts.csv" "$out/runtimes.csv" --tolerance "${ACC_TOLERANCE:-2}" \
    --by-type $targets --title "== $name" | tee "$out/table.txt"
  [ -n "${ACC_KEEP:-}" ] && { mkdir -p "$ACC_KEEP/$name"; cp -r "$data"/*.csv "$out"/* "$ACC_KEEP/$name/"; }
  return 0
}

seed=${ACC_SEED:-1}
sets=${ACC_SETS:-generated nab}
if [[ " $sets " == *" generated "* ]]; then
echo "== Generated metrics: seed $seed, ${ACC_DAILY:-40} daily + ${ACC_HOURLY:-8} hourly series, ${ACC_DAYS:-730} days"
"$PY" "$here/generate.py" "$bench_tmp/generated" --seed "$seed" --daily "${ACC_DAILY:-40}" \
  --hourly "${ACC_HOURLY:-8}" --days "${ACC_DAYS:-730}" --truth
run_set "generated metrics (seed $seed)" "$bench_tmp/generated" --targets
fi

nab=${ACC_NAB_DIR:-/work/shared/data/nab}
echo
if [[ " $sets " != *" nab "* ]] || [ "$nab" = none ]; then
  echo "== NAB skipped (ACC_SETS / ACC_NAB_DIR=none)"
elif [ ! -f "$nab/labels/combined_windows.json" ]; then
  echo "== NAB skipped: $nab/labels/combined_windows.json not found (set ACC_NAB_DIR)"
else
  echo "== NAB from $nab (read in place; no per-series settings)"
  "$PY" "$here/nab_prepare.py" "$nab" "$bench_tmp/nab" ${ACC_NAB_ONLY:+--only "$ACC_NAB_ONLY"}
  run_set "NAB" "$bench_tmp/nab"
fi
echo
echo "accuracy benchmark: $(($(date +%s) - start_s)) s"
