#!/usr/bin/env bash
# make demo / make demo-stop.
#
#   demo/run_demo.sh [start] installs missing Debian packages (test/install_deps.sh),
#                            builds the extension and installs it into a throw-away
#                            PostgreSQL 15 cluster in .demo/ (socket only, port 54330,
#                            pg_cron preloaded for database anomaly_demo), loads two
#                            years of generated daily metrics with planted anomalies
#                            (demo/demo_data.sql), runs the detection (demo/detect.sql)
#                            and prints the report (demo/report.sql); then registers the
#                            metrics with the monitoring layer, checks them and prints the
#                            open alerts and metric health from the BI views
#                            (demo/monitor.sql), writes the HTML report .demo/report.html
#                            (open alerts, root causes, a chart per alerted metric:
#                            demo/report_html.sql) and prints its path, and installs the
#                            pg_cron schedule (demo/schedule.sql). The cluster keeps
#                            running; a running demo cluster is stopped and rebuilt.
#   demo/run_demo.sh stop    stops it (harmless when it is not running).
#
# The detector can be changed for comparison, e.g. the plain same-weekday score:
#   DEMO_DETECTOR=weekday make demo
# DEMO_DETECTOR (deviation|weekday), DEMO_WEEKS, DEMO_MIN_WEEKS, DEMO_DAYS,
# DEMO_MIN_DAYS and DEMO_THRESHOLD are described in demo/report.sql.
#
# If the postgres OS user cannot reach the project directory, the cluster lives
# in /var/tmp/anomaly_detect-demo-<project path> and .demo is a symlink to it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Work from / : the server's OS user runs commands here too, and may not be
# allowed into the project directory (runuser would complain about the cwd).
cd /

port=54330
db=anomaly_demo
link=$root/.demo
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The fallback directory: under /var/tmp, named after the project path.
fallback_dir() {
  local tag
  tag=$(printf '%s' "$root" | tr -c 'A-Za-z0-9._-' '-' | sed 's/^-*//')
  if [ ${#tag} -gt 40 ]; then
    tag="${tag: -30}-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
  fi
  printf '/var/tmp/anomaly_detect-demo-%s' "$tag"
}

# Where .demo is now: the directory itself, the target of the symlink, or nothing.
current_dir() {
  if [ -L "$link" ]; then
    readlink -m "$link"
  elif [ -d "$link" ]; then
    printf '%s' "$link"
  fi
}

# Removes a demo directory of ours (never anything else).
remove_dir() {
  local dir=$1
  case $dir in
    "$link" | /var/tmp/anomaly_detect-demo-*) rm -rf -- "$dir" ;;
    *) die "refusing to remove $dir: not a demo directory" ;;
  esac
}

# Stops the cluster in DIR if it runs; fails if it is still running after.
stop_cluster() {
  local dir=$1
  pgc_running "$dir" || return 1
  pgc_stop "$dir"
  ! pgc_running "$dir" || die "could not stop the demo cluster in $dir"
}

# psql -v options from the DEMO_* settings.
report_vars=()
add_var() {
  local name=$1 value=$2 pattern=$3
  [ -n "$value" ] || return 0
  [[ $value =~ $pattern ]] || die "DEMO_${name^^}=$value is not valid"
  report_vars+=(-v "$name=$value")
}

start() {
  add_var detector "${DEMO_DETECTOR:-}" '^(deviation|weekday)$'
  add_var weeks "${DEMO_WEEKS:-}" '^[1-9][0-9]*$'
  add_var min_weeks "${DEMO_MIN_WEEKS:-}" '^[1-9][0-9]*$'
  add_var days "${DEMO_DAYS:-}" '^[1-9][0-9]*$'
  add_var min_days "${DEMO_MIN_DAYS:-}" '^[1-9][0-9]*$'
  add_var threshold "${DEMO_THRESHOLD:-}" '^[0-9]+(\.[0-9]+)?$'

  "$root/test/install_deps.sh"
  # shellcheck source=test/lib/pg_cluster.sh
  . "$root/test/lib/pg_cluster.sh"

  # A running demo cluster (here or in the fallback directory) goes first.
  local old dir
  old=$(current_dir)
  if [ -n "$old" ] && stop_cluster "$old"; then
    say "== Stopped the running demo cluster; building a new one"
  fi

  # Where the cluster goes: .demo itself if the server's OS user can reach it
  # and the socket path fits (107 bytes), else the fallback directory.
  if ! pgc_reachable "$root"; then
    dir=$(fallback_dir)
    say "note: the postgres OS user cannot reach $root (a parent directory is not traversable),"
    say "      so the demo cluster lives in $dir; .demo is a symlink to it"
  elif [ $((${#link} + ${#port} + 15)) -gt 107 ]; then
    dir=$(fallback_dir)
    say "note: the path $link is too long for a Unix socket,"
    say "      so the demo cluster lives in $dir; .demo is a symlink to it"
  else
    dir=$link
  fi

  # Start from nothing: the old cluster, wherever it was, and the link.
  if [ -n "$old" ] && [ "$old" != "$dir" ] && [ -e "$old" ]; then
    remove_dir "$old"
  fi
  if [ -L "$link" ]; then
    rm -f -- "$link"
  fi
  remove_dir "$dir"
  if [ "$dir" != "$link" ]; then
    if [ -e "$link" ]; then
      remove_dir "$link"
    fi
    mkdir -p "$dir"
    ln -s "$dir" "$link"
  fi

  # From here on a failure stops the cluster again.
  trap 'on_exit $?' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  started=$dir

  say "== Building anomaly_detect and starting PostgreSQL 15 in ${dir/#$root\//} (port $port)"
  pgc_start "$dir" "$port" "$db"

  say "== Loading 2 years of demo metrics (demo/demo_data.sql) and the detection (demo/detect.sql)"
  pgc_psql -q -d postgres -c "CREATE DATABASE $db"
  pgc_psql -q -d "$db" -f "$root/demo/demo_data.sql" -f "$root/demo/detect.sql"

  pgc_psql -d "$db" -P pager=off "${report_vars[@]}" -f "$root/demo/report.sql"
  pgc_psql -d "$db" -P pager=off -f "$root/demo/monitor.sql"
  # The report before the schedule: it shows the alerts of the demo data.
  pgc_psql -q -d "$db" -v title="anomaly_detect demo: open alerts" -f "$root/demo/report_html.sql" -o "$dir/report.html"
  pgc_psql -d "$db" -P pager=off -f "$root/demo/schedule.sql"

  local psql_bin=psql
  command -v psql >/dev/null || psql_bin=$PGBIN/psql
  say "== The demo cluster keeps running. Connect with:"
  say "   $psql_bin -h $dir/sock -p $port -U postgres -d $db"
  say "   then e.g.  TABLE demo.alerts;   SELECT * FROM demo.scores() WHERE metric = 'revenue';   \\df+ anomaly.*"
  say "              TABLE anomaly.open_alerts;   TABLE anomaly.metric_health;   TABLE anomaly.rule_catalog;"
  say "== HTML report (open alerts, root causes, a chart per alerted metric); open it in a browser:"
  say "   $link/report.html"
  say "== Stop it with: make demo-stop"
  started=
}

started=
on_exit() {
  local rc=$1
  if [ -n "$started" ] && [ "$rc" != 0 ]; then
    pgc_stop "$started"
    say "make demo failed (exit $rc); the demo cluster was stopped. Server log: $started/data/server.log" >&2
  fi
}

stop() {
  local dir
  dir=$(current_dir)
  if [ -z "$dir" ] || [ ! -d "$dir/data" ] || ! command -v "$PG_CONFIG" >/dev/null; then
    say "No demo cluster in .demo/: nothing to stop."
    return 0
  fi
  # shellcheck source=test/lib/pg_cluster.sh
  . "$root/test/lib/pg_cluster.sh"
  if stop_cluster "$dir"; then
    say "Stopped the demo cluster (port $port, ${dir/#$root\//})."
  else
    say "The demo cluster is not running."
  fi
  say "Its files stay in ${dir/#$root\//} until the next make demo."
}

case ${1:-start} in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
