#!/usr/bin/python3
"""An oracle point detector for the generated metrics: how well can ANY detector that judges one point at a
time do on this data? It is told what no real detector knows: each point's normal value and noise scale
(truth.csv, written by generate.py --truth) and the noise distribution of each series (metrics.csv).

    /usr/bin/python3 bench/accuracy/oracle.py DATADIR ALERTS.csv [--alpha 1e-3 1e-4 1e-5]

For every observed point it computes the two-sided tail probability p of the value under the true noise
(Gaussian: N(normal, scale); Student t with 3 df, scaled to sd = scale; Poisson(normal)) and alerts when
p < alpha / points per day (the same per-day budget as ensemble_anomaly's threshold on sub-daily data).
It writes one detector per alpha, named oracle_<alpha>, into ALERTS.csv (detector,metric,ts) for
score.py. Events need no special care: the normal value includes their effect.

oracle_<alpha> bounds point detection (spikes, dips, zeros, travelled anomalies, bursts, the first points
of a level shift). Ramps are found by accumulating evidence: oracle_cusum is a two-sided CUSUM (k 0.5,
h 5 on daily data, 8.16 on hourly data: drift_score's defaults) of the true standardized errors, clipped
to +/-3, both sums restarting after an alert; oracle_<alpha>+cusum alerts when either does.
"""
import argparse
import csv
import math
from collections import defaultdict

from scipy import stats


def tail_p(noise, y, normal, scale):
    if noise == "poisson":
        if normal <= 0:
            return 1.0 if y == 0 else 0.0
        k = round(y)
        return min(1.0, 2.0 * min(stats.poisson.cdf(k, normal), stats.poisson.sf(k - 1, normal)))
    if not scale > 0:
        return 1.0 if y == normal else 0.0
    z = (y - normal) / scale
    if noise == "heavy":
        return 2.0 * stats.t.sf(abs(z) * math.sqrt(3.0), 3)
    return math.erfc(abs(z) / math.sqrt(2.0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("datadir")
    ap.add_argument("alerts")
    ap.add_argument("--alpha", type=float, nargs="+", default=[1e-3, 1e-4, 1e-5])
    ap.add_argument("--cusum-h", type=float, nargs="+", default=[],
                    help="also oracle_cusum_h<h>: the CUSUM with these daily h (hourly: the h of the same "
                         "run length per day, as drift_score), to see what ramp recall costs in false alarms")
    a = ap.parse_args()
    meta = {r["metric"]: r for r in csv.DictReader(open(f"{a.datadir}/metrics.csv"))}
    truth = {}
    for r in csv.DictReader(open(f"{a.datadir}/truth.csv")):
        truth[(r["metric"], r["ts"])] = (float(r["normal"]), float(r["scale"]))
    rows = []
    sums = defaultdict(lambda: [0.0, 0.0])  # (metric, h) -> [S+, S-]
    hourly_h = {5.0: 8.16, 4.0: 7.14, 3.0: 6.10, 2.0: 5.00}  # drift_h_per_point(h, 0.5, 24), rounded
    for r in csv.DictReader(open(f"{a.datadir}/series.csv")):
        if r["value"] == "":
            continue
        m = meta[r["metric"]]
        per_day = 24.0 if m["freq"] == "hourly" else 1.0
        normal, scale = truth[(r["metric"], r["ts"])]
        y = float(r["value"])
        p = tail_p(m["noise"], y, normal, scale)
        z = max(-3.0, min(3.0, (y - normal) / scale)) if scale > 0 else 0.0
        cusum = False
        for h in [5.0] + a.cusum_h:
            s = sums[(r["metric"], h)]
            s[0], s[1] = max(0.0, s[0] + z - 0.5), max(0.0, s[1] - z - 0.5)
            if max(s) >= (hourly_h[h] if per_day > 1 else h):
                s[0] = s[1] = 0.0
                rows.append(("oracle_cusum" if h == 5.0 else f"oracle_cusum_h{h:g}", r["metric"], r["ts"]))
                cusum = cusum or h == 5.0
        for alpha in a.alpha:
            if p < alpha / per_day:
                rows.append((f"oracle_{alpha:g}", r["metric"], r["ts"]))
            if p < alpha / per_day or cusum:
                rows.append((f"oracle_{alpha:g}+cusum", r["metric"], r["ts"]))
    with open(a.alerts, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["detector", "metric", "ts"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
