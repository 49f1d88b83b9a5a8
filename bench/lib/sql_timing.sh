# Shared by the SQL benchmark suites (bench/suites/*.sh); sourced, not run.
#
#   bench_cluster PORT          start a throw-away cluster (own directory, own
#                               socket) with the extension created in db postgres;
#                               removed on exit
#   bench_time LABELS QUERIES   time the queries (arrays named by LABELS and
#                               QUERIES): one warm-up round, then BENCH_RUNS
#                               rounds, interleaved so that a busy machine slows
#                               all of them alike; each timing is taken inside
#                               the server around EXECUTE ... INTO (every query
#                               must return one row: consume the result,
#                               build-notes §8). Prints a table with the median,
#                               rows/s (over BENCH_ROWS) and the ratio to the
#                               first query, the baseline.
#   bench_median Q / bench_result Q
#                               median ms / last result of query Q (1-based)
#                               of the last bench_time
#   bench_target LABEL VALUE OP LIMIT
#                               prints "ok" or "MISSED" for VALUE OP LIMIT
#                               (OP: <= or >=) and remembers a miss in
#                               bench_missed (a miss does not fail the run)
# shellcheck shell=bash
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../test/lib/pg_cluster.sh
. "$bench_root/test/lib/pg_cluster.sh"
bench_runs=${BENCH_RUNS:-5}
bench_missed=0

bench_cluster() {
  bench_tmp=$(mktemp -d /tmp/anomaly_detect-bench.XXXXXX)
  # shellcheck disable=SC2064
  trap "pgc_stop '$bench_tmp'; rm -rf '$bench_tmp'" EXIT
  pgc_start "$bench_tmp" "$1" postgres
  export PGDATABASE=postgres
  pgc_psql -q <<'SQL'
CREATE EXTENSION anomaly_detect;
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
  pgc_psql -Atq -c "SELECT 'settings: ' || string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
                    FROM pg_settings WHERE name IN ('work_mem', 'jit', 'max_parallel_workers_per_gather', 'shared_buffers')"
}

bench_time() {
  local -n _labels=$1 _queries=$2
  local array="ARRAY[" i q med rps ratio n=${#_queries[@]}
  for i in "${!_queries[@]}"; do
    [ "$i" -gt 0 ] && array+=", "
    array+="\$q\$${_queries[$i]}\$q\$"
  done
  array+="]"
  if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
    for q in "${_queries[@]}"; do echo "-- $q"; pgc_psql -Atq -c "EXPLAIN (COSTS OFF) $q"; done
  fi
  echo "== Timing $n queries: 1 warm-up + $bench_runs rounds"
  bench_timings="$bench_tmp/timings.txt"
  pgc_psql -Atq -F ' ' -c "SELECT query, run, round(ms::numeric, 1), result FROM bench.time_queries($array, $bench_runs)
                           ORDER BY query, run" >"$bench_timings"
  [ "$(wc -l <"$bench_timings")" -eq $((n * bench_runs)) ] \
    || { echo "error: expected $((n * bench_runs)) timings" >&2; cat "$bench_timings" >&2; return 1; }
  local base; base=$(bench_median 1)
  echo
  echo "Median of $bench_runs runs after a warm-up; rows/s over ${BENCH_ROWS:-?} rows; ratio = median / median of the first query"
  printf '%-44s %10s %12s %8s\n' query median_ms rows/s ratio
  for i in "${!_queries[@]}"; do
    q=$((i + 1))
    med=$(bench_median "$q")
    rps=$(awk -v n="${BENCH_ROWS:-0}" -v ms="$med" 'BEGIN { if (n > 0 && ms > 0) printf "%.3gM", n / (ms / 1000) / 1e6; else print "-" }')
    ratio=$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    printf '%-44s %10.1f %12s %8s\n' "${_labels[$i]}" "$med" "$rps" "$ratio"
  done
  echo
  echo "Runs (ms) and results, per query:"
  for i in "${!_queries[@]}"; do
    q=$((i + 1))
    printf '  %-44s %s  -> %s\n' "${_labels[$i]}" \
      "$(awk -v q="$q" '$1 == q { printf "%s%s", sep, $3; sep = " " }' "$bench_timings")" "$(bench_result "$q")"
  done
}

bench_median() {
  awk -v q="$1" '$1 == q { print $3 }' "$bench_timings" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
bench_result() { awk -v q="$1" '$1 == q { r = $4 } END { print r }' "$bench_timings"; }

bench_target() {
  local label=$1 value=$2 op=$3 limit=$4
  if awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN { exit !(op == "<=" ? v <= l : v >= l) }'; then
    echo "target: $label = $value ($op $limit) ok"
  else
    echo "target: $label = $value ($op $limit) MISSED"
    bench_missed=1
  fi
}
