#!/usr/bin/env bash
# SQL benchmark of CALL anomaly.run_checks(): BENCH_METRICS (1000) daily
# metrics with BENCH_DAYS (730) days of history in one table (metric, day,
# value), each registered with anomaly.add_metric (so with the default rule
# set): BENCH_LAYOUT=table (default) reads the shared table through the
# metric's filter => {"metric": n}; BENCH_LAYOUT=views gives every metric its
# own view over the table, as some warehouses expose them (each check then
# plans a view: about 1 ms more per metric). Times the first run (every point of the
# history scored) and then an incremental run after one new day per metric.
# Target: the incremental run under 2 s. Baselines measured in the same
# cluster: a plain scan of the same rows (SELECT count(*), sum(value)) and a
# read of the last 60 days of every metric through its view.
# Knobs: BENCH_METRICS (1000), BENCH_DAYS (730), BENCH_RUNS (5, for the
# baselines), BENCH_PORT (54334), BENCH_PROFILE=1 (per-statement profile of the
# incremental run with pg_stat_statements, top 15 by total time, and per
# function with track_functions).
set -euo pipefail
. "$(dirname "$0")/../lib/sql_timing.sh"
metrics=${BENCH_METRICS:-1000}
days=${BENCH_DAYS:-730}
layout=${BENCH_LAYOUT:-table}
case "$layout" in table|views) ;; *) echo "BENCH_LAYOUT must be table or views" >&2; exit 2 ;; esac

echo "== run_checks: throw-away cluster, $metrics daily metrics x $days days, default rules, layout: $layout"
bench_cluster "${BENCH_PORT:-54334}"
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  # pg_stat_statements must be preloaded: restart the cluster with it.
  pgc_psql -q -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_cron', 'pg_stat_statements'" \
              -c "ALTER SYSTEM SET track_functions = 'all'"
  "${PGC_RUN[@]}" "$PGBIN/pg_ctl" -D "$bench_tmp/data" -w -t 60 restart -m fast >/dev/null
  pgc_psql -q -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" \
              -c "SELECT pg_reload_conf()" >/dev/null
fi

# Fixed dates: the history is 2023-01-01 and the next days-1 days; the first
# run is as of the end of its last day, the incremental run one day later,
# after one new day per metric (run_checks never scores an incomplete day).
gen_s=$(date +%s)
pgc_psql -q -v metrics="$metrics" -v days="$days" -v layout="$layout" -v seed=0.2026 -v start=2023-01-01 \
  -v null_share=0 -v bench_lib="$bench_root/bench/lib" <<'SQL'
SET client_min_messages = warning;
\i :bench_lib/metric_table.sql
-- Layout "table": every metric reads the shared table through its filter;
-- "views": one view per metric, one metric per view.
SELECT set_config('bench.layout', :'layout', false) \g /dev/null
DO $$
BEGIN
    FOR m IN 1 .. (SELECT count(*) FROM bench.params) LOOP
        IF current_setting('bench.layout') = 'views' THEN
            EXECUTE format('CREATE VIEW bench.m%s AS SELECT day, value FROM bench.daily WHERE metric = %s', m, m);
            PERFORM anomaly.add_metric(format('m%s', m), source => format('bench.m%s', m)::regclass,
                                       time_column => 'day', value_column => 'value',
                                       frequency => '1 day', good_direction => 'up');
        ELSE
            PERFORM anomaly.add_metric(format('m%s', m), source => 'bench.daily'::regclass,
                                       time_column => 'day', value_column => 'value', filter => jsonb_build_object('metric', m),
                                       frequency => '1 day', good_direction => 'up');
        END IF;
    END LOOP;
END $$;
SQL
echo "data and $metrics metrics registered in $(( $(date +%s) - gen_s )) s"
BENCH_ROWS=$(pgc_psql -Atq -c "SELECT count(*) FROM bench.daily")
export BENCH_ROWS
pgc_psql -Atq -c "SELECT 'rows: ' || count(*) || ', table size: ' || pg_size_pretty(pg_table_size('bench.daily'))
                         || ', rules: ' || (SELECT count(*) FROM anomaly.rules) FROM bench.daily"

# Times one CALL in the server (psql's \timing, without the connection) and
# prints its summary; sets call_ms.
timed_call() {
  local label=$1 out
  out=$(pgc_psql -q -P pager=off -c '\timing on' -c "CALL anomaly.run_checks(as_of => '$2')")
  call_ms=$(awk '/^Time: / { v = $2 } END { print v }' <<<"$out")
  echo "-- $label: $call_ms ms"
  grep -v '^Time: ' <<<"$out" | sed 's/^/   /'
}

echo "== First run: every point of $days days x $metrics metrics"
first_as_of=$(pgc_psql -Atq -c "SELECT max(day) + 1 FROM bench.daily")
timed_call "first run (as of $first_as_of)" "$first_as_of"
first_ms=$call_ms

# One new day for every metric (yesterday), then the incremental run. The
# first run wrote two years of hits and incidents: vacuum and analyze them
# first, as autovacuum would have in the day between two daily runs (without
# it the incremental run measured 1.9-3.0 s, depending on whether autovacuum
# was busy with those tables at the time).
pgc_psql -q -v days="$days" <<'SQL'
SELECT setseed(0.0101) \g /dev/null
INSERT INTO bench.daily
SELECT p.metric, date '2023-01-01' + :days, bench.value(p, :days, date '2023-01-01' + :days) FROM bench.params p;
ANALYZE bench.daily;
VACUUM ANALYZE anomaly.rule_hits, anomaly.anomaly_log, anomaly.alert_audit, anomaly.series_state, anomaly.metric_state;
SQL
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  pgc_psql -q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
              -c "SELECT pg_stat_statements_reset(), pg_stat_reset()" >/dev/null
fi
echo "== Incremental run: one new day per metric"
timed_call "incremental run (as of $(date -d "$first_as_of + 1 day" +%F))" "$(date -d "$first_as_of + 1 day" +%F)"
incr_ms=$call_ms
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  echo "== Profile of the incremental run (pg_stat_statements, top 15 by plan + execution time;"
  echo "   statements that differ only in the metric's view name are summed)"
  pgc_psql -P pager=off -c "SELECT sum(calls) AS calls, round(sum(total_plan_time)::numeric, 1) AS plan_ms,
                                   round(sum(total_exec_time)::numeric, 1) AS exec_ms,
                                   left(regexp_replace(regexp_replace(query, 'bench\.m[0-9]+', 'bench.mN', 'g'), '\s+', ' ', 'g'), 100) AS query
                            FROM pg_stat_statements
                            GROUP BY regexp_replace(regexp_replace(query, 'bench\.m[0-9]+', 'bench.mN', 'g'), '\s+', ' ', 'g')
                            ORDER BY sum(total_plan_time + total_exec_time) DESC LIMIT 15"
  echo "== Functions of the incremental run (pg_stat_user_functions: total includes callees, self excludes them)"
  sleep 1  # function statistics reach the collector when the session ends
  pgc_psql -P pager=off -c "SELECT schemaname || '.' || funcname AS function, calls, round(total_time::numeric, 1) AS total_ms,
                                   round(self_time::numeric, 1) AS self_ms
                            FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 15"
fi

# Baselines in the same cluster.
labels=(
  'scan: count(*), sum(value) of all rows'
  'read the last 60 days of each metric'
)
queries=(
  "SELECT count(*) + sum(value) FROM bench.daily"
  "SELECT count(*) + sum(x.s) FROM bench.params p, LATERAL (SELECT sum(value) AS s FROM bench.daily d WHERE d.metric = p.metric AND d.day > date '2023-01-01' + ${days} - 60) x"
)
bench_time labels queries
scan_ms=$(bench_median 1)
recent_ms=$(bench_median 2)
echo
printf '%-44s %10s %8s\n' 'run_checks' ms 'vs scan'
for row in "first run:$first_ms" "incremental run:$incr_ms"; do
  printf '%-44s %10.1f %8s\n' "${row%%:*}" "${row#*:}" "$(awk -v a="${row#*:}" -v b="$scan_ms" 'BEGIN { printf "%.2f", a / b }')"
done
echo "incremental run vs reading the last 60 days of each metric: $(awk -v a="$incr_ms" -v b="$recent_ms" 'BEGIN { printf "%.2f", a / b }')x"
bench_target 'incremental run_checks (s)' "$(awk -v a="$incr_ms" 'BEGIN { printf "%.3f", a / 1000 }')" '<=' 2.0
