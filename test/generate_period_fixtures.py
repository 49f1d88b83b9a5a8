#!/usr/bin/python3
"""Reference autocorrelations for test/unit/period_detection_test.cpp.

Writes test/fixtures/period/acf_<case>.csv: a header line "x,acf", then one
line per point: the series value and, for lags 0..nlags, statsmodels' sample
autocorrelation (acf(x, nlags, adjusted=False, fft=False): the direct sum, an
implementation independent of ours, which uses an FFT); the acf column is
empty beyond nlags. Seeded: running it again gives the same files.

Run with Debian's python3 (it has statsmodels):
    /usr/bin/python3 test/generate_period_fixtures.py
"""
import os

import numpy as np
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


def main():
    os.makedirs(OUT, exist_ok=True)
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
