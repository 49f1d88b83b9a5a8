# Throw-away PostgreSQL 15 clusters for tests, benchmarks and the demo.
# Source it, then:
#   pgc_start DIR PORT DBNAME   build/install the extension into DIR/inst and
#                               start a cluster in DIR/data listening only on
#                               the socket DIR/sock, with pg_cron preloaded
#                               for database DBNAME
#   pgc_stop DIR                stop it (immediate)
#   pgc_psql ARGS...            psql as postgres against the last started cluster
# As root the server runs as the "postgres" OS user (PostgreSQL refuses root).
# Nothing is written outside DIR: the extension is found through Debian's
# extension_destdir setting and dynamic_library_path.

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PGBIN=$("$PG_CONFIG" --bindir)

if [ "$(id -u)" = 0 ]; then
  # env -C /: the postgres user may not be allowed into the current directory.
  PGC_RUN=(runuser -u postgres -- env -C /)
else
  PGC_RUN=()
fi

# Whether the server's OS user can reach DIR (every parent traversable).
pgc_reachable() {
  "${PGC_RUN[@]}" test -x "$1" 2>/dev/null
}

pgc_start() {
  local dir=$1 port=$2 db=$3 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if ! pgc_reachable "$dir"; then
    echo "error: the postgres OS user cannot reach $dir (a parent directory is not traversable)" >&2
    return 1
  fi
  make -C "$root" -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
  make -C "$root" -s install PG_CONFIG="$PG_CONFIG" DESTDIR="$dir/inst" >/dev/null
  chmod -R a+rX "$dir/inst"
  "${PGC_RUN[@]}" mkdir -p "$dir/sock"
  "${PGC_RUN[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${PGC_RUN[@]}" tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF
# throw-away cluster of anomaly_detect
listen_addresses = ''
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'pg_cron'
cron.database_name = '$db'
cron.use_background_workers = on
max_worker_processes = 16
extension_destdir = '$dir/inst'
dynamic_library_path = '$dir/inst$("$PG_CONFIG" --pkglibdir):\$libdir'
CONF
  "${PGC_RUN[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$dir/data/server.log" >&2; return 1; }
  export PGHOST=$dir/sock PGPORT=$port PGUSER=postgres
}

pgc_running() {
  [ -f "$1/data/postmaster.pid" ] && "${PGC_RUN[@]}" "$PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

pgc_stop() {
  local dir=$1
  if [ -d "$dir/data" ]; then
    "${PGC_RUN[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
}

pgc_psql() {
  "$PGBIN/psql" -X -v ON_ERROR_STOP=1 "$@"
}
