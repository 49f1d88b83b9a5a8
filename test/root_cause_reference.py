#!/usr/bin/python3
"""Reference values for sql/root_cause.sql, section 0 (the seasonal baseline),
computed independently with numpy: a daily metric with a weekly cycle
(weekdays about 10, weekends about 20, plus (i % 3) - 1), its baseline the 28
days Jan 1 .. Jan 28 2024, evaluated on Jan 30 and Feb 3.
Run: /usr/bin/python3 test/root_cause_reference.py"""
import datetime as dt

import numpy as np

d0 = dt.date(2024, 1, 1)
vals = {}
for i in range(35):
    d = d0 + dt.timedelta(i)
    vals[d] = (20 if d.weekday() >= 5 else 10) + (i % 3 - 1)
base = np.array([vals[d0 + dt.timedelta(i)] for i in range(28)], dtype=float)
center = np.median(base)
print(f"plain: median {center}, MAD {np.median(np.abs(base - center))}, "
      f"mean abs dev {np.mean(np.abs(base - center)):.4f}")
by_day = {}
for i in range(28):
    d = d0 + dt.timedelta(i)
    by_day.setdefault(d.weekday(), []).append(vals[d])
phase_median = {k: float(np.median(v)) for k, v in by_day.items()}
res = np.array([vals[d0 + dt.timedelta(i)] - phase_median[(d0 + dt.timedelta(i)).weekday()] for i in range(28)])
smad = float(np.median(np.abs(res)))
print(f"seasonal: MAD {smad}, mean abs dev {np.mean(np.abs(res)):.4f} (< 0.7 x plain: seasonal baseline used)")
for d in (dt.date(2024, 1, 30), dt.date(2024, 2, 3)):
    e = phase_median[d.weekday()]
    print(f"{d}: value {vals[d]}, expected {e}, residual {vals[d] - e}, z {(vals[d] - e) / (1.482602218505602 * smad):.4f}")
