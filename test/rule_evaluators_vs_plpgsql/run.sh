#!/usr/bin/env bash
# Manual check (not part of run_tests.sh): the C rule evaluators against the
# PL/pgSQL versions they replaced, taken from git (commit 29143ce, the merge of
# the monitoring layer) into a schema "old" of a throw-away cluster. Each query
# prints how many rows or errors differ; every "differ" must be 0 and the
# overflow query must print no row.
# Usage: test/rule_evaluators_vs_plpgsql/run.sh [DIR] [PORT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/test/rule_evaluators_vs_plpgsql
dir=${1:-/tmp/anomaly_rule_evaluators_vs_plpgsql}
port=${2:-54391}
. "$root/test/lib/pg_cluster.sh"
trap 'pgc_stop "$dir"' EXIT
rm -rf "$dir"
pgc_start "$dir" "$port" postgres
old=$(mktemp)
# The ten evaluators of the PL/pgSQL version, renamed into schema old (the
# helpers they call, anomaly.rule_param & co., are still installed).
git -C "$root" show 29143ce:src/install/0.2.0/51_rule_methods.sql |
  awk 'BEGIN { print "CREATE SCHEMA old;" }
       /^CREATE FUNCTION anomaly\.rule_[a-z_]+\(times/ { on = 1; sub(/anomaly\.rule_/, "old.rule_") }
       on { print } on && /^\$\$;$/ { on = 0 }' >"$old"
pgc_psql -q -c "CREATE EXTENSION anomaly_detect CASCADE" -f "$old"
for f in random_series same_period_dst errors overflow infinite_times; do
  echo "== $f"
  pgc_psql -q -f "$here/common.sql" -f "$here/$f.sql"
done
rm -f "$old"
