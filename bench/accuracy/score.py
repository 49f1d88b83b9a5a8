#!/usr/bin/python3
"""Event-level scorer of the accuracy benchmark: one implementation for every detector and data set.

    /usr/bin/python3 bench/accuracy/score.py DATADIR ALERTS.csv [RUNTIMES.csv] [--tolerance 2] [--title T]
                                             [--by-type] [--json OUT.json]

DATADIR holds series.csv (metric,ts,value: every point, value may be empty) and labels.csv
(metric,start,end,type; start/end inclusive, same timestamp text as series.csv). ALERTS.csv is
detector,metric,ts: one row per alerting point (ts as in series.csv). RUNTIMES.csv is
detector,seconds,status (status: ok | not built | ... ; a detector with no alerts still gets a row).

How it counts (per metric, on the metric's own point index: the rows of series.csv in ts order):
- A labelled window [s, e] is FOUND when an alert falls on a point in [s, e + tolerance]; the
  tolerance (2 points by default, the same for every detector) lets lagging detectors count.
- Alerts outside every extended window are false alarms; consecutive alerting points (adjacent
  in the index) form one false alarm.
- precision = found / (found + false alarms), recall = found / windows, F1 their harmonic mean.
  (Several alerts in one window count once, so a detector is not rewarded for repeating itself.)
- false alarms per metric per 30 days = false alarms / (sum over metrics of its span in days / 30).
- delay of a found window = index of its first alert in [s, e + tolerance] - index of s, in points;
  the median over found windows is printed (points are days for daily and hours for hourly data).
- ramp recall <= 7d: share of windows of type "drift" whose first alert comes at most 7 days
  (by timestamp) after the window start.
ensemble_anomaly against each detector alone: when the alerts hold ensemble_anomaly and its operating
points at other thresholds (named ensemble_anomaly@<threshold>), each other detector (not an oracle) is
set against the ensemble's operating point that has at least its recall and the fewest false alarms; the
ensemble beats it when that point has strictly fewer false alarms per metric per 30 days (the issue's
"fewer false alarms at the same or better recall").
With --targets: the issue's targets as ok / MISSED lines (never an error).
With --by-type: recall per anomaly type, the ramp recall by noise kind, and the false alarms split by frequency (metrics.csv)
and by whether they start on a day of one of the metric's known events (events.csv).
Nothing here fits anything: the scorer only counts where alerts fall.
"""
import argparse
import bisect
import csv
import datetime as dt
import json
import statistics
import sys
from collections import defaultdict


def parse_ts(text):
    text = text.strip()
    if text.endswith("+00"):
        text = text[:-3] + "+00:00"
    t = dt.datetime.fromisoformat(text.replace("T", " "))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t


def load_index(datadir):
    """metric -> sorted list of timestamps (every point of the series, missing values included)."""
    idx = defaultdict(list)
    with open(f"{datadir}/series.csv") as f:
        for r in csv.DictReader(f):
            idx[r["metric"]].append(parse_ts(r["ts"]))
    for m in idx:
        idx[m].sort()
    return idx


def load_labels(datadir):
    labels = defaultdict(list)
    with open(f"{datadir}/labels.csv") as f:
        for r in csv.DictReader(f):
            labels[r["metric"]].append((parse_ts(r["start"]), parse_ts(r["end"]), r["type"]))
    return labels


def position(times, t):
    """Index of the first point at or after t (labels may fall between points of irregular data)."""
    return bisect.bisect_left(times, t)


def score_detector(index, labels, alert_points, tolerance, group=None, event_days=None, noise=None):
    """alert_points: metric -> set of point indices. Returns a dict of counts and figures.
    group (metric -> name, e.g. its frequency) and event_days (metric -> set of dates of its known
    events) only split the false alarms for diagnosis (fa_by_group, fa_on_events); noise (metric ->
    its noise kind) splits the ramp recall (ramp_by_noise: kind -> [hits within 7 days, ramps])."""
    group = group or {}
    event_days = event_days or {}
    noise = noise or {}
    ramp_by_noise = defaultdict(lambda: [0, 0])
    fa_by_group = defaultdict(lambda: [0, 0.0])       # name -> [false alarms, span days]
    fa_on_events = 0
    found = 0
    windows = 0
    false_alarms = 0
    delays = []
    ramp_total = ramp_hit = 0
    by_type = defaultdict(lambda: [0, 0])
    span_days = 0.0
    for metric, times in index.items():
        g = group.get(metric, "all")
        if len(times) > 1:
            span_days += (times[-1] - times[0]).total_seconds() / 86400
            fa_by_group[g][1] += (times[-1] - times[0]).total_seconds() / 86400
        alerts = sorted(alert_points.get(metric, ()))
        covered = set()
        for start, end, typ in labels.get(metric, ()):
            s = position(times, start)
            e = bisect.bisect_right(times, end) - 1
            if e < s:           # a window between two points: the next point
                e = s
            hi = min(e + tolerance, len(times) - 1)
            covered.update(range(s, hi + 1))
            windows += 1
            by_type[typ][1] += 1
            k = bisect.bisect_left(alerts, s)
            hit = k < len(alerts) and alerts[k] <= hi
            if hit:
                found += 1
                by_type[typ][0] += 1
                delays.append(alerts[k] - s)
            if typ == "drift":
                ramp_total += 1
                ramp_by_noise[noise.get(metric) or "all"][1] += 1
                if hit and times[alerts[k]] - times[s] <= dt.timedelta(days=7):
                    ramp_hit += 1
                    ramp_by_noise[noise.get(metric) or "all"][0] += 1
        prev = None
        for a in alerts:
            if a not in covered and (prev is None or a != prev + 1 or prev in covered):
                false_alarms += 1
                fa_by_group[g][0] += 1
                if times[a].date() in event_days.get(metric, ()):
                    fa_on_events += 1
            prev = a
    precision = found / (found + false_alarms) if found + false_alarms else float("nan")
    recall = found / windows if windows else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {
        "windows": windows, "found": found, "false_alarms": false_alarms,
        "precision": precision, "recall": recall, "f1": f1,
        "fa_per_30d": false_alarms / (span_days / 30) if span_days else float("nan"),
        "median_delay": statistics.median(delays) if delays else float("nan"),
        "ramp_recall_7d": ramp_hit / ramp_total if ramp_total else float("nan"),
        "by_type": dict(by_type),
        "ramp_by_noise": dict(ramp_by_noise),
        "fa_on_events": fa_on_events,
        "fa_by_group": {k: {"false_alarms": v[0], "per_metric_30d": v[0] / (v[1] / 30) if v[1] else float("nan")}
                        for k, v in fa_by_group.items()},
    }


def load_alerts(path, index):
    """detector -> metric -> set of point indices; alerts on unknown metrics/timestamps are an error."""
    out = defaultdict(lambda: defaultdict(set))
    with open(path) as f:
        for r in csv.DictReader(f):
            times = index.get(r["metric"])
            if times is None:
                sys.exit(f"score.py: alert on unknown metric {r['metric']!r}")
            t = parse_ts(r["ts"])
            i = bisect.bisect_left(times, t)
            if i == len(times) or times[i] != t:
                sys.exit(f"score.py: alert at {r['ts']} is not a point of {r['metric']}")
            out[r["detector"]][r["metric"]].add(i)
    return out


def load_groups_events(datadir, index):
    """metric -> freq (metrics.csv, when present); metric -> dates of its known events (events.csv);
    metric -> noise kind (metrics.csv's noise column, when present)."""
    group, event_days, noise = {}, defaultdict(set), {}
    try:
        with open(f"{datadir}/metrics.csv") as f:
            rows = list(csv.DictReader(f))
        group = {r["metric"]: r["freq"] for r in rows}
        noise = {r["metric"]: r.get("noise") or "" for r in rows}
    except FileNotFoundError:
        pass
    try:
        with open(f"{datadir}/events.csv") as f:
            for r in csv.DictReader(f):
                d0, d1 = dt.date.fromisoformat(r["start"]), dt.date.fromisoformat(r["end"])
                days = [d0 + dt.timedelta(days=i) for i in range((d1 - d0).days + 1)]
                for m in (index if r["metrics"] == "*" else r["metrics"].split(";")):
                    event_days[m].update(days)
    except FileNotFoundError:
        pass
    return group, event_days, noise


ENSEMBLE = "ensemble_anomaly"
# The detectors of the extension, each alone: the ensemble must beat every one of them.
DETECTORS_ALONE = ("mad_zscore", "stl_residual", "seasonal_forecast", "iforest", "drift")


def is_ensemble(name):
    return name == ENSEMBLE or name.startswith(ENSEMBLE + "@")


def versus_ensemble(results):
    """detector -> (the ensemble operating point with at least its recall and the fewest false alarms,
    ties to the higher recall; None when no operating point reaches its recall), for every detector in
    results that is neither an operating point of the ensemble nor an oracle."""
    points = [(r["fa_per_30d"], -r["recall"], d) for d, r in results.items() if is_ensemble(d)]
    out = {}
    for d, r in results.items():
        if is_ensemble(d) or d.startswith("oracle") or not points:
            continue
        reach = sorted(p for p in points if p[1] <= -r["recall"])
        out[d] = reach[0][2] if reach else None
    return out


def beats(results, detector, point):
    return point is not None and results[point]["fa_per_30d"] < results[detector]["fa_per_30d"]


def print_targets(results, versus):
    """The issue's targets, one line each (printed only for what was run)."""
    def line(what, value, want, ok):
        print(f"target: {what} {value} ({want}) {'ok' if ok else 'MISSED'}")
    if "drift" in results:
        v = results["drift"]["ramp_recall_7d"]
        line("drift ramp recall <= 7d", f"{v:.3f}", ">= 0.80", v >= 0.80)
    e = results.get(ENSEMBLE)
    if e:
        line("ensemble_anomaly precision", f"{e['precision']:.3f}", ">= 0.90", e["precision"] >= 0.90)
        line("ensemble_anomaly recall", f"{e['recall']:.3f}", ">= 0.85", e["recall"] >= 0.85)
        line("ensemble_anomaly F1", f"{e['f1']:.3f}", ">= 0.87", e["f1"] >= 0.87)
        line("ensemble_anomaly false alarms/metric/30d", f"{e['fa_per_30d']:.2f}", "<= 1", e["fa_per_30d"] <= 1)
        alone = [d for d in DETECTORS_ALONE if d in versus]
        if alone:
            beaten = [d for d in alone if beats(results, d, versus[d])]
            line("ensemble_anomaly beats each detector alone (same or better recall, fewer false alarms):",
                 f"{len(beaten)} of {len(alone)}", "all", len(beaten) == len(alone))


def fmt(x, spec):
    width = int(spec.split(".")[0])
    return f"{'-':>{width}}" if x != x else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("datadir")
    ap.add_argument("alerts")
    ap.add_argument("runtimes", nargs="?")
    ap.add_argument("--tolerance", type=int, default=2)
    ap.add_argument("--title", default="")
    ap.add_argument("--by-type", action="store_true", help="also print recall per anomaly type")
    ap.add_argument("--json", help="also write every figure of every detector to this file")
    ap.add_argument("--targets", action="store_true", help="also print the issue's targets as ok / MISSED")
    a = ap.parse_args()
    index = load_index(a.datadir)
    labels = load_labels(a.datadir)
    alerts = load_alerts(a.alerts, index)
    group, event_days, noise = load_groups_events(a.datadir, index)
    order, status, runtime = [], {}, {}
    if a.runtimes:
        with open(a.runtimes) as f:
            for r in csv.DictReader(f):
                order.append(r["detector"])
                status[r["detector"]] = r["status"]
                runtime[r["detector"]] = float(r["seconds"]) if r["seconds"] else float("nan")
    for d in alerts:
        if d not in order:
            order.append(d)
    n_windows = sum(len(v) for v in labels.values())
    if a.title:
        print(a.title)
    print(f"{len(index)} series, {sum(len(t) for t in index.values())} points, {n_windows} labelled windows; "
          f"tolerance {a.tolerance} points after a window")
    head = f"| {'detector':<28} | precision | recall |   F1  | false alarms/metric/30d | median delay (points) | ramp recall <=7d | runtime |"
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    results = {}
    for d in order:
        st = status.get(d, "ok")
        rt = runtime.get(d, float("nan"))
        if st != "ok":
            print(f"| {d:<28} | {st:^45} | {'':>23} | {'':>21} | {'':>16} | {'':>7} |")
            continue
        r = score_detector(index, labels, alerts.get(d, {}), a.tolerance, group, event_days, noise)
        results[d] = r
        print(f"| {d:<28} | {fmt(r['precision'], '9.3f')} | {fmt(r['recall'], '6.3f')} | {fmt(r['f1'], '5.3f')} "
              f"| {fmt(r['fa_per_30d'], '23.2f')} | {fmt(r['median_delay'], '21.1f')} "
              f"| {fmt(r['ramp_recall_7d'], '16.3f')} | {fmt(rt, '6.1f')}s |")
    versus = versus_ensemble(results)
    if versus:
        print()
        print(f"{ENSEMBLE} against each detector alone (its operating point with at least the detector's recall "
              "and the fewest false alarms/metric/30d):")
        for d, point in versus.items():
            r = results[d]
            left = f"  {d:<28} recall {r['recall']:.3f} at {r['fa_per_30d']:6.2f}"
            if point is None:
                print(f"{left}: no operating point of {ENSEMBLE} reaches that recall")
                continue
            e = results[point]
            if not beats(results, d, point):
                verdict = "not beaten: no fewer false alarms"
            elif e["fa_per_30d"] > 0:
                verdict = f"beaten, {r['fa_per_30d'] / e['fa_per_30d']:.1f}x fewer false alarms"
            else:
                verdict = "beaten, no false alarms"
            print(f"{left} | {point:<24} recall {e['recall']:.3f} at {e['fa_per_30d']:6.2f}: {verdict}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({d: dict(r, status=status.get(d, "ok"), runtime=runtime.get(d), versus_ensemble=versus.get(d))
                       for d, r in results.items()}, f, indent=1, sort_keys=True, default=str)
    if a.by_type and results:
        types = sorted({t for r in results.values() for t in r["by_type"]})
        print()
        print("recall per anomaly type (found/windows):")
        print(f"  {'detector':<28} " + " ".join(f"{t:>14}" for t in types))
        for d, r in results.items():
            cells = []
            for t in types:
                h, n = r["by_type"].get(t, (0, 0))
                cells.append(f"{h:>6}/{n:<3} {h / n if n else float('nan'):4.2f}")
            print(f"  {d:<28} " + " ".join(f"{c:>14}" for c in cells))
        if any(r["ramp_by_noise"] for r in results.values()):
            print()
            print("ramp recall <= 7d by noise (hits/ramps):")
            for d, r in results.items():
                parts = [f"{k} {v[0]}/{v[1]}" for k, v in sorted(r["ramp_by_noise"].items())]
                print(f"  {d:<28} " + ", ".join(parts))
        print()
        print("false alarms by frequency (count, per metric per 30 days) and on known-event days:")
        for d, r in results.items():
            parts = [f"{k} {v['false_alarms']} ({v['per_metric_30d']:.2f})" for k, v in sorted(r["fa_by_group"].items())]
            print(f"  {d:<28} " + ", ".join(parts) + f"; on events {r['fa_on_events']}")
    if a.targets:
        print()
        print_targets(results, versus)


if __name__ == "__main__":
    main()
