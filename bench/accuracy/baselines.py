#!/usr/bin/python3
"""Reference baselines of the accuracy benchmark, causal, on the same data and scored by score.py.

    /usr/bin/python3 bench/accuracy/baselines.py {stl_statsmodels|iforest_sklearn} DATADIR ALERTS.csv RUNTIMES.csv

Appends the alerting points (detector,metric,ts) to ALERTS.csv and one line (detector,seconds,ok)
to RUNTIMES.csv. Both use Debian's python3-statsmodels / python3-sklearn; no fit ever sees a point
after the one it scores.

stl_statsmodels: statsmodels STL (not robust: the robust fit is 7x slower) refitted every k points on the trailing 8 periods
  (period 7 for daily data, 24 for hourly, points per day capped at 288 otherwise, as the SQL
  detectors; k = 1 for daily data, one period for sub-daily data). A point is forecast by the
  latest fit made BEFORE it: last trend + seasonal of the same phase one period earlier. Its score
  is (error - median) / (1.4826 * MAD) of the previous forecast errors (the last 8 periods of them,
  from 10 on); alert when |score| > 3.5 (the threshold of anomaly.stl_residual). (In-sample STL
  residuals of the window are smaller than these out-of-sample errors: scaling by them alerts on
  a tenth of all points.) Missing values inside a window are linearly interpolated
  from the window's own points (the edges repeat the nearest value).
iforest_sklearn: scikit-learn IsolationForest(n_estimators=100, max_samples=256,
  random_state=42) on the features of anomaly.kpi_features (the 15 elements documented in
  src/core/kpi_features.hpp, computed here with the same definitions; NaN -> 0), refitted every
  90 days of points on the trailing 1,000 rows (from 60 rows of history on); each point is scored
  by the latest model fitted BEFORE it; alert when the paper's score s = -score_samples >= 0.65
  (the threshold of the SQL iforest row).
"""
import bisect
import calendar
import csv
import datetime as dt
import sys
import time
from collections import defaultdict

import numpy as np


def read_series(datadir):
    raw = defaultdict(list)
    with open(f"{datadir}/series.csv") as f:
        for r in csv.DictReader(f):
            raw[r["metric"]].append((r["ts"], float(r["value"]) if r["value"] not in ("", None) else np.nan))
    out = {}
    for m, rows in raw.items():
        rows.sort()
        ts_text = [t for t, _ in rows]
        ts = [dt.datetime.fromisoformat(t[:-3] + "+00:00" if t.endswith("+00") else t) for t in ts_text]
        out[m] = (ts_text, ts, np.array([v for _, v in rows], float))
    return out


def points_per_day(ts):
    if len(ts) < 2:
        return 1
    gaps = sorted((b - a).total_seconds() for a, b in zip(ts, ts[1:]))
    return max(1, round(86400 / gaps[len(gaps) // 2]))


def period_of(ppd):
    return 7 if ppd <= 1 else min(ppd, 288)


def fill(x):
    """Linear interpolation of NaN from the array's own finite points (edges: nearest)."""
    ok = np.isfinite(x)
    if ok.all():
        return x
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok])


def stl_alerts(ts, y):
    from statsmodels.tsa.seasonal import STL
    ppd = points_per_day(ts)
    period = period_of(ppd)
    hist = min(max(8 * period, 56), 2000)   # the history of the SQL stl_residual row
    k = 1 if ppd <= 1 else period
    alerts = []
    errors = []                               # past forecast errors, in time order
    n = len(y)
    t = hist                                  # the first fit uses rows [0, hist)
    while t < n:
        w = y[t - hist:t]
        if np.isfinite(w).sum() >= hist // 2:
            fit = STL(fill(w), period=period, robust=False).fit()
            level = fit.trend[-1]
            for j in range(t, min(t + k, n)):
                if not np.isfinite(y[j]):
                    continue
                # forecast of j: the last trend plus the seasonal of the same phase one period earlier
                err = y[j] - level - fit.seasonal[hist - period + (j - t) % period]
                recent = np.array(errors[-hist:])
                if len(recent) >= 10:
                    sigma = 1.4826 * np.median(np.abs(recent - np.median(recent)))
                    if sigma <= 0:
                        sigma = 1.2533 * np.mean(np.abs(recent - np.mean(recent))) or 1e-9
                    if abs(err - np.median(recent)) / sigma > 3.5:
                        alerts.append(j)
                errors.append(err)
        t += k
    return alerts


def kpi_features(ts, y):
    """The 15 elements of anomaly.kpi_features (src/core/kpi_features.hpp), causal, UTC clock."""
    import pandas as pd
    n = len(y)
    f = np.full((n, 15), np.nan)
    fin = np.isfinite(y)
    v = pd.Series(np.where(fin, y, np.nan))
    lg = np.sign(v) * np.log1p(np.abs(v))
    f[:, 0] = y
    f[:, 1] = lg
    for col, size in ((2, 7), (4, 30)):
        f[:, col] = v.rolling(size, min_periods=1).mean()
        f[:, col + 1] = v.rolling(size, min_periods=2).std(ddof=1)
    for col, size in ((8, 7), (9, 30)):
        prev = v.shift(1)
        mu, sd = prev.rolling(size, min_periods=2).mean(), prev.rolling(size, min_periods=2).std(ddof=1)
        f[:, col] = np.where(sd > 0, (v - mu) / sd.where(sd > 0), np.nan)
    f[:, 14] = lg.diff().rolling(29, min_periods=2).std(ddof=1)
    pos = {t: i for i, t in enumerate(ts)}
    for i, t in enumerate(ts):
        f[i, 10] = t.isoweekday()
        f[i, 11] = t.day
        last = calendar.monthrange(t.year, t.month)[1]
        f[i, 12] = 1.0 if t.day == last else 0.0
        f[i, 13] = 1.0 if t.day == last and t.month in (3, 6, 9, 12) else 0.0
        if not fin[i]:
            continue
        wk = pos.get(t - dt.timedelta(days=7))
        if wk is not None and fin[wk] and y[wk] != 0:
            f[i, 6] = (y[i] - y[wk]) / abs(y[wk])
        py, pm = (t.year, t.month - 1) if t.month > 1 else (t.year - 1, 12)
        mo = pos.get(t.replace(year=py, month=pm, day=min(t.day, calendar.monthrange(py, pm)[1])))
        if mo is not None and fin[mo] and y[mo] != 0:
            f[i, 7] = (y[i] - y[mo]) / abs(y[mo])
    # a missing value: every statistic of its own row is undefined (it keeps value = the input)
    f[~fin, 1:10] = np.nan
    f[~fin, 14] = np.nan
    return f


def iforest_alerts(ts, y):
    from sklearn.ensemble import IsolationForest
    ppd = points_per_day(ts)
    every = 90 * ppd
    X = np.nan_to_num(kpi_features(ts, y), nan=0.0, posinf=0.0, neginf=0.0)
    ok = np.isfinite(y)
    alerts = []
    n = len(y)
    t = 60
    while t < n:
        train = X[max(0, t - 1000):t][ok[max(0, t - 1000):t]]
        hi = min(t + every, n)
        if len(train) >= 30:
            model = IsolationForest(n_estimators=100, max_samples=min(256, len(train)), random_state=42).fit(train)
            idx = np.arange(t, hi)[ok[t:hi]]
            if len(idx):
                s = -model.score_samples(X[idx])
                alerts.extend(int(i) for i in idx[s >= 0.65])
        t = hi
    return alerts


def main():
    name, datadir, alerts_path, runtimes_path = sys.argv[1:5]
    fn = {"stl_statsmodels": stl_alerts, "iforest_sklearn": iforest_alerts}[name]
    series = read_series(datadir)
    t0 = time.time()
    rows = []
    for m, (ts_text, ts, y) in series.items():
        rows.extend((name, m, ts_text[i]) for i in fn(ts, y))
    seconds = time.time() - t0
    with open(alerts_path, "a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with open(runtimes_path, "a") as f:
        f.write(f"{name},{seconds:.1f},ok\n")
    print(f"  {name}: {len(rows)} alerting points in {seconds:.1f} s")


if __name__ == "__main__":
    main()
