#!/usr/bin/env bash
# The project's test command (make check; .ci/run calls it): installs missing
# Debian packages, builds, runs the C++ unit tests (ctest) and the pg_regress
# suite against a throw-away cluster, removes the cluster, and ends with
# "N passed, N failed" over all tests. Exits non-zero on any failure.
#
# After pg_regress, every test/suites/NN_name.sh runs against the same cluster
# (PGHOST, PGPORT, PGUSER, PGDATABASE set; its scratch directory in
# SUITE_TMP); exit status 0 counts as one passed test. Suites that need a
# service (an HTTP receiver, an SMTP sink, a browser) start it themselves.
#
# While working on one feature:
#   TESTS="iforest kpi_features" SKIP_UNIT=1 SUITES=none test/run_tests.sh
# runs only those pg_regress files (and no unit tests, no suites).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

test/install_deps.sh
# shellcheck source=lib/pg_cluster.sh
. test/lib/pg_cluster.sh

passed=0 failed=0 rc=0
tmp=$(mktemp -d /tmp/anomaly_detect-check.XXXXXX)
cleanup() { pgc_stop "$tmp"; rm -rf "$tmp"; }
trap cleanup EXIT

if [ -n "${SKIP_UNIT:-}" ]; then
  echo "== C++ unit tests skipped (SKIP_UNIT)"
else
echo "== C++ unit tests (ctest)"
cmake -S . -B build/check -DCMAKE_BUILD_TYPE=RelWithDebInfo -DANOMALY_BUILD_BENCHMARKS=OFF >"$tmp/cmake.log" 2>&1 \
  || { cat "$tmp/cmake.log"; exit 1; }
cmake --build build/check -j2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
ctest --test-dir build/check --output-on-failure 2>&1 | tee "$tmp/ctest.log" || rc=1
summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$tmp/ctest.log" || true)
if [ -n "$summary" ]; then
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")
  passed=$((passed + total - bad)); failed=$((failed + bad))
else
  echo "ctest printed no summary"; failed=$((failed + 1)); rc=1
fi
fi

echo "== pg_regress"
pgc_start "$tmp" 54329 contrib_regression
rm -f regression.diffs regression.out
regress_args=()
[ -n "${TESTS:-}" ] && regress_args+=("REGRESS=$TESTS")
make -s installcheck PG_CONFIG="$PG_CONFIG" "${regress_args[@]}" 2>&1 | tee "$tmp/regress.log" || rc=1
ok=$(grep -cE '^(test | +)?[a-z0-9_]+ +\.\.\. ok' "$tmp/regress.log" || true)
bad=$(grep -cE '\.\.\. FAILED' "$tmp/regress.log" || true)
passed=$((passed + ok)); failed=$((failed + bad))
if [ -f regression.diffs ]; then
  echo "== regression.diffs"
  head -c 30000 regression.diffs
fi
if [ "$rc" != 0 ] && [ "$bad" = 0 ] && [ "$ok" = 0 ]; then
  echo "== server log (tail)"; tail -n 40 "$tmp/data/server.log" || true
  failed=$((failed + 1))
fi

if [ "${SUITES:-all}" != none ]; then
  for suite in test/suites/*.sh; do
    [ -e "$suite" ] || continue
    name=$(basename "$suite" .sh)
    case " ${SUITES:-all} " in *" all "*|*" $name "*) ;; *) continue ;; esac
    echo "== suite $name"
    mkdir -p "$tmp/suites/$name"
    if PGHOST="$tmp/sock" PGPORT=54329 PGUSER=postgres PGDATABASE=contrib_regression \
         SUITE_TMP="$tmp/suites/$name" bash "$suite"; then
      echo "suite $name ... ok"; passed=$((passed + 1))
    else
      echo "suite $name ... FAILED"; failed=$((failed + 1)); rc=1
    fi
  done
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$rc" = 0 ]
