#!/usr/bin/python3
"""Turns the NAB corpus into the accuracy benchmark's CSV layout (in a scratch directory, never the repo).

    /usr/bin/python3 bench/accuracy/nab_prepare.py NAB_DIR OUTDIR [--only PATTERN]

Reads NAB_DIR/data/<group>/<file>.csv (timestamp,value) and NAB_DIR/labels/combined_windows.json
(NAB's anomaly windows, each around one labelled anomaly). Writes metrics.csv (freq 'nab'),
series.csv (metric = '<group>/<file>' without .csv; duplicate timestamps: the first row is kept),
labels.csv (type 'nab') and an empty events.csv. Only files listed in the labels file are used.
"""
import argparse
import csv
import json
import os
import sys


def ts_text(t):
    return t.strip()[:19] + "+00"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nab")
    ap.add_argument("outdir")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    with open(os.path.join(a.nab, "labels", "combined_windows.json")) as f:
        windows = json.load(f)
    os.makedirs(a.outdir, exist_ok=True)
    n_files = n_rows = n_dup = 0
    with open(os.path.join(a.outdir, "series.csv"), "w", newline="") as fs, \
         open(os.path.join(a.outdir, "labels.csv"), "w", newline="") as fl, \
         open(os.path.join(a.outdir, "metrics.csv"), "w", newline="") as fm:
        ws, wl, wm = (csv.writer(x, lineterminator="\n") for x in (fs, fl, fm))
        ws.writerow(["metric", "ts", "value"])
        wl.writerow(["metric", "start", "end", "type"])
        wm.writerow(["metric", "freq", "mode", "noise", "family"])
        for rel in sorted(windows):
            path = os.path.join(a.nab, "data", rel)
            if a.only not in rel or not os.path.exists(path):
                continue
            metric = rel[:-4] if rel.endswith(".csv") else rel
            seen = set()
            with open(path) as f:
                for r in csv.DictReader(f):
                    t = ts_text(r["timestamp"])
                    if t in seen:
                        n_dup += 1
                        continue
                    seen.add(t)
                    ws.writerow([metric, t, r["value"]])
                    n_rows += 1
            for start, end in windows[rel]:
                wl.writerow([metric, ts_text(start), ts_text(end), "nab"])
            wm.writerow([metric, "nab", "", "", ""])
            n_files += 1
    with open(os.path.join(a.outdir, "events.csv"), "w") as f:
        f.write("name,start,end,metrics\n")
    if n_files == 0:
        sys.exit("nab_prepare.py: no NAB file found")
    print(f"NAB: {n_files} files, {n_rows} rows ({n_dup} duplicate timestamps dropped)")


if __name__ == "__main__":
    main()
