#!/usr/bin/env bash
# The accuracy benchmark's scorer (bench/accuracy/score.py) on a tiny labelled example whose
# figures are computed by hand below, and the generator's determinism. Needs no cluster; runs in
# seconds. Uses /usr/bin/python3 (Debian's python3-numpy for the generator).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
tmp=${SUITE_TMP:-$(mktemp -d)}
mkdir -p "$tmp/tiny"
cd "$tmp/tiny"

# Two daily metrics, 30 points each (2024-01-01 .. 2024-01-30), m1 with a missing value.
{
  echo "metric,ts,value"
  for m in m1 m2; do
    for d in $(seq 1 30); do
      v=10; [ "$m$d" = m18 ] && v=
      printf '%s,2024-01-%02d 00:00:00+00,%s\n' "$m" "$d" "$v"
    done
  done
} >series.csv
cat >labels.csv <<'CSV'
metric,start,end,type
m1,2024-01-05 00:00:00+00,2024-01-05 00:00:00+00,spike
m1,2024-01-10 00:00:00+00,2024-01-12 00:00:00+00,dip
m1,2024-01-20 00:00:00+00,2024-01-26 00:00:00+00,drift
m2,2024-01-15 00:00:00+00,2024-01-15 00:00:00+00,zero
CSV
# Detector A (tolerance 2 points):
#   m1 01-05           inside the spike window            -> found, delay 0
#   m1 01-14           dip window ends 01-12, +2 = 01-14  -> found, delay 13-9 = 4 points
#   m1 01-16, 01-17    outside, consecutive               -> 1 false alarm
#   m1 01-28           drift window ends 01-26, +2        -> found, delay 8; 8 days after the
#                                                            start: not a ramp hit within 7 days
#   m1 01-29, 01-30    the run goes on past the extended window -> 1 false alarm
#   m2 01-03, 01-04    consecutive                        -> 1 false alarm
#   m2 01-08                                              -> 1 false alarm
#   m2 01-15 (zero)    no alert                           -> missed
# windows 4, found 3, false alarms 4: precision 3/7, recall 3/4, F1 2PR/(P+R) = 18/33,
# false alarms per metric per 30 days = 4 / ((29 + 29) / 30) = 120/58, median delay 4,
# ramp recall <= 7d 0/1. Detector B: alerts only at 01-21 (drift found after 1 day: ramp hit),
# precision 1, recall 1/4, F1 0.4, no false alarm. Detector C: not built.
# The ensemble at two operating points: ensemble_anomaly alerts at 01-05, 01-11 and 01-22 (recall
# 3/4, no false alarm), ensemble_anomaly@0.9 also at m2 01-15 and 01-20 (recall 1, 1 false alarm).
# Against A (recall 3/4, 4 false alarms) the point with at least A's recall and the fewest false
# alarms is ensemble_anomaly: A is beaten. Against B (recall 1/4, no false alarm) it is the same
# point, with no FEWER false alarms: B is not beaten.
cat >alerts.csv <<'CSV'
detector,metric,ts
A,m1,2024-01-05 00:00:00+00
A,m1,2024-01-14 00:00:00+00
A,m1,2024-01-16 00:00:00+00
A,m1,2024-01-17 00:00:00+00
A,m1,2024-01-28 00:00:00+00
A,m1,2024-01-29 00:00:00+00
A,m1,2024-01-30 00:00:00+00
A,m2,2024-01-03 00:00:00+00
A,m2,2024-01-04 00:00:00+00
A,m2,2024-01-08 00:00:00+00
B,m1,2024-01-21 00:00:00+00
ensemble_anomaly,m1,2024-01-05 00:00:00+00
ensemble_anomaly,m1,2024-01-11 00:00:00+00
ensemble_anomaly,m1,2024-01-22 00:00:00+00
ensemble_anomaly@0.9,m1,2024-01-05 00:00:00+00
ensemble_anomaly@0.9,m1,2024-01-11 00:00:00+00
ensemble_anomaly@0.9,m1,2024-01-22 00:00:00+00
ensemble_anomaly@0.9,m2,2024-01-15 00:00:00+00
ensemble_anomaly@0.9,m2,2024-01-20 00:00:00+00
CSV
printf 'detector,seconds,status\nA,1.5,ok\nB,0.5,ok\nC,,not built\n' >runtimes.csv
# For the diagnosis split only: m1 is "daily", m2 "other"; a known event of m2 on 01-03..01-04
# (A's false alarm starting 01-03 is on it), one of m1 on 01-16 (A's false alarm 01-16..17).
printf 'metric,freq,mode,noise,family\nm1,daily,,,\nm2,other,,,\n' >metrics.csv
printf 'name,start,end,metrics\npromo,2024-01-03,2024-01-04,m2\nsale,2024-01-16,2024-01-16,m1;m3\n' >events.csv
"$PY" "$root/bench/accuracy/score.py" . alerts.csv runtimes.csv --json result.json --by-type --targets | tee table.txt
grep -Eq '^\| C +\| +not built' table.txt || { echo "FAIL: detector C not reported as not built"; exit 1; }
"$PY" - <<'PY'
import json, math, sys
r = json.load(open("result.json"))
want = {
    "A": dict(windows=4, found=3, false_alarms=4, precision=3 / 7, recall=0.75, f1=18 / 33,
              fa_per_30d=120 / 58, median_delay=4, ramp_recall_7d=0.0),
    "B": dict(windows=4, found=1, false_alarms=0, precision=1.0, recall=0.25, f1=0.4,
              fa_per_30d=0.0, median_delay=1, ramp_recall_7d=1.0),
}
bad = 0
for d, figs in want.items():
    for k, v in figs.items():
        got = r[d][k]
        if not math.isclose(got, v, rel_tol=1e-9, abs_tol=1e-12):
            print(f"FAIL: {d} {k} = {got}, want {v}")
            bad += 1
if r["A"]["by_type"] != {"spike": [1, 1], "dip": [1, 1], "drift": [1, 1], "zero": [0, 1]}:
    print("FAIL: A by_type", r["A"]["by_type"]); bad += 1
if r["A"]["ramp_by_noise"] != {"all": [0, 1]} or r["B"]["ramp_by_noise"] != {"all": [1, 1]}:
    print("FAIL: ramp recall by noise", r["A"]["ramp_by_noise"], r["B"]["ramp_by_noise"]); bad += 1
if r["A"]["fa_on_events"] != 2 or {k: v["false_alarms"] for k, v in r["A"]["fa_by_group"].items()} != {"daily": 2, "other": 2}:
    print("FAIL: A false alarm split", r["A"]["fa_on_events"], r["A"]["fa_by_group"]); bad += 1
if not math.isclose(r["A"]["fa_by_group"]["daily"]["per_metric_30d"], 2 / (29 / 30)):
    print("FAIL: A daily false alarms per 30 days", r["A"]["fa_by_group"]); bad += 1
if (r["A"]["versus_ensemble"], r["B"]["versus_ensemble"]) != ("ensemble_anomaly", "ensemble_anomaly"):
    print("FAIL: versus ensemble", r["A"]["versus_ensemble"], r["B"]["versus_ensemble"]); bad += 1
if r["ensemble_anomaly@0.9"]["recall"] != 1.0 or r["ensemble_anomaly@0.9"]["false_alarms"] != 1:
    print("FAIL: ensemble_anomaly@0.9", r["ensemble_anomaly@0.9"]); bad += 1
sys.exit(1 if bad else 0)
PY
grep -Eq '^  A +recall 0.750 at +2.07 \| ensemble_anomaly +recall 0.750 at +0.00: beaten, no false alarms$' table.txt &&
  grep -Eq '^  B +recall 0.250 at +0.00 \| ensemble_anomaly +recall 0.750 at +0.00: not beaten' table.txt ||
  { echo "FAIL: the ensemble against each detector alone"; exit 1; }
grep -qx 'target: ensemble_anomaly recall 0.750 (>= 0.85) MISSED' table.txt ||
  { echo "FAIL: the targets"; exit 1; }

# An alert on a timestamp that is not a point of the series is an error, not a silent miss.
printf 'detector,metric,ts\nA,m1,2024-01-05 12:00:00+00\n' >bad.csv
if "$PY" "$root/bench/accuracy/score.py" . bad.csv >/dev/null 2>&1; then
  echo "FAIL: an alert off the series grid was accepted"; exit 1
fi

# The generator: same seed, same files; another seed, other files; labels inside the series.
# It needs Debian's python3-numpy (not in test/install_deps.sh): installed here as root.
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q python3-numpy >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q python3-numpy >/dev/null; }
  else
    echo "generator checks skipped: $PY cannot import numpy (apt-get install python3-numpy)"
    echo "accuracy scorer: ok"; exit 0
  fi
fi
cd "$tmp"
for s in 7 7 8; do
  "$PY" "$root/bench/accuracy/generate.py" "gen$s-$RANDOM" --seed "$s" --daily 3 --hourly 1 --days 200 >/dev/null
done
sums=$(for d in gen*; do (cd "$d" && cat metrics.csv series.csv labels.csv events.csv | md5sum | cut -c1-32); done | sort | uniq -c | awk '{ print $1 }' | sort | tr '\n' ' ')
[ "$sums" = "1 2 " ] || { echo "FAIL: generator not deterministic per seed (counts of identical outputs: $sums)"; exit 1; }
d=$(ls -d gen7-* | head -1)
"$PY" - "$d" <<'PY'
import csv, sys
d = sys.argv[1]
pts = {}
for r in csv.DictReader(open(f"{d}/series.csv")):
    pts.setdefault(r["metric"], set()).add(r["ts"])
labels = list(csv.DictReader(open(f"{d}/labels.csv")))
assert labels, "no labels"
for l in labels:
    assert l["start"] in pts[l["metric"]] and l["end"] in pts[l["metric"]] and l["start"] <= l["end"], l
assert {l["type"] for l in labels} <= {"spike", "dip", "level_shift", "drift", "variance_burst", "zero", "travel"}
n = sum(len(v) for v in pts.values())
miss = sum(1 for r in csv.DictReader(open(f"{d}/series.csv")) if r["value"] == "")
assert 0.01 * n <= miss <= 0.07 * n, (miss, n)
print(f"generator: {len(pts)} series, {n} points, {miss} missing, {len(labels)} labelled windows")
PY

# --truth adds truth.csv and changes no other file; its normal value is the series' mean between
# anomalies (a Gaussian or heavy-tailed series' values sit around it within a few scales).
"$PY" "$root/bench/accuracy/generate.py" truth7 --seed 7 --daily 3 --hourly 1 --days 200 --truth >/dev/null
for f in metrics.csv series.csv labels.csv events.csv; do
  cmp -s "$d/$f" "truth7/$f" || { echo "FAIL: --truth changed $f"; exit 1; }
done
# The oracle's tail probabilities, against values computed by hand.
if "$PY" -c 'import scipy' 2>/dev/null; then
  "$PY" - "$root/bench/accuracy" <<'PY'
import math, sys
sys.path.insert(0, sys.argv[1])
from oracle import tail_p
checks = [
    (tail_p("gaussian", 13.0, 10.0, 1.0), 0.0026997960632601866),   # P(|N(0,1)| > 3)
    (tail_p("poisson", 0.0, 5.0, math.sqrt(5.0)), 2 * math.exp(-5)),  # 2 P(X <= 0), X ~ Poisson(5)
    (tail_p("poisson", 5.0, 5.0, math.sqrt(5.0)), 1.0),               # the mode: capped at 1
    # 2 P(T3 > 2) by the closed form of Student's t with 3 df: F(t) = 1/2 + (t/(sqrt3 (1 + t^2/3)) + atan(t/sqrt3)) / pi
    (tail_p("heavy", 10.0 + 2.0 / math.sqrt(3.0), 10.0, 1.0),
     1.0 - 2.0 * (2.0 / (math.sqrt(3.0) * (1.0 + 4.0 / 3.0)) + math.atan(2.0 / math.sqrt(3.0))) / math.pi),
]
for got, want in checks:
    assert math.isclose(got, want, rel_tol=1e-6), (got, want)
print("oracle tail probabilities: ok")
PY
fi
echo "accuracy scorer: ok"
