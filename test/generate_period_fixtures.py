#!/usr/bin/python3
"""Reference values for test/unit/period_detection_test.cpp.

Writes to test/fixtures/period/:
- acf_<case>.csv: a header line "x,acf", then one line per point: the series
  value and, for lags 0..nlags, statsmodels' sample autocorrelation
  (acf(x, nlags, adjusted=False, fft=False): the direct sum, an
  implementation independent of ours, which uses an FFT); the acf column is
  empty beyond nlags.
- fold_<case>.csv ("x,trend") and fold_cases.csv ("case,period,f_oneway"):
  the moving-average trend of period p as statsmodels' seasonal_decompose
  computes it (convolution filter, 2×p for even p; front end extrapolated
  from the first p valid values: extrapolate_trend="freq"), except the
  back end, which we extrapolate from
  the last p valid values (statsmodels leaves the last valid value out
  there); and scipy's one-way ANOVA F of x − trend grouped by i mod p.
Seeded: running it again gives the same files.

Run with Debian's python3 (it has statsmodels):
    /usr/bin/python3 test/generate_period_fixtures.py
"""
import os

import numpy as np
from scipy.stats import f_oneway
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.stattools import acf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "period")


def cases():
    rng = np.random.default_rng(20261123)
    t = np.arange(365)
    weekly = np.array([1.0, 1.04, 1.06, 1.05, 1.02, 0.80, 0.75])
    yield "daily_weekly_trend", 1000 + 0.8 * t + 200 * weekly[t % 7] + rng.normal(0, 15, t.size), 60
    h = np.arange(24 * 21)
    yield "hourly_daily", 50 + 10 * np.sin(2 * np.pi * h / 24) + rng.normal(0, 2, h.size), 200
    yield "white_noise", rng.normal(0, 1, 97), 40
    yield "random_walk", np.cumsum(rng.normal(0, 1, 300)), 150
    yield "short", np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]), 7


def fold_cases():
    rng = np.random.default_rng(7)
    t = np.arange(140)
    # Uniform noise and smooth patterns: no value is clipped (checked below).
    yield "weekly_odd", 7, 50 + 0.3 * t + 5 * np.sin(2 * np.pi * t / 7) + rng.uniform(-2, 2, t.size)
    t = np.arange(24 * 9)
    yield "daily_even", 24, 10 - 0.02 * t + 3 * np.cos(2 * np.pi * t / 24) + rng.uniform(-1, 1, t.size)
    t = np.arange(25)
    yield "short_two_cycles", 12, 4 * np.sin(2 * np.pi * t / 12) + rng.uniform(-1, 1, t.size)


def trend_of(x, p):
    trend = seasonal_decompose(x, period=p, model="additive", two_sided=True, extrapolate_trend="freq").trend
    h = p // 2
    last = len(x) - 1 - h  # last valid centre
    k = min(p, last - h + 1)
    idx = np.arange(last + 1 - k, last + 1)
    slope, intercept = np.polyfit(idx, trend[idx], 1)
    trend[last + 1:] = intercept + slope * np.arange(last + 1, len(x))
    return trend


def not_clipped(d):
    med = np.median(d)
    dev = np.abs(d - med)
    scale = max(np.median(dev) / 0.6745, 1.253314 * dev.mean())
    return np.all(np.abs(d - med) <= 4 * scale)


def write_folds():
    with open(os.path.join(OUT, "fold_cases.csv"), "w") as cases:
        cases.write("case,period,f_oneway\n")
        for name, p, x in fold_cases():
            trend = trend_of(x, p)
            d = x - trend
            assert not_clipped(d), name
            f = f_oneway(*[d[j::p] for j in range(p)]).statistic
            cases.write(f"{name},{p},{f!r}\n")
            with open(os.path.join(OUT, f"fold_{name}.csv"), "w") as out:
                out.write("x,trend\n")
                for a, b in zip(x, trend):
                    out.write(f"{a!r},{b!r}\n")
            print(name, "period", p, "F", f)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_folds()
    for name, x, nlags in cases():
        r = acf(x, nlags=nlags, adjusted=False, fft=False)
        path = os.path.join(OUT, f"acf_{name}.csv")
        with open(path, "w") as f:
            f.write("x,acf\n")
            for i, v in enumerate(x):
                f.write(f"{v!r},{r[i]!r}\n" if i <= nlags else f"{v!r},\n")
        print(path, len(x), "points,", nlags, "lags")


if __name__ == "__main__":
    main()
