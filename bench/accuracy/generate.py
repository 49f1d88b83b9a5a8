#!/usr/bin/python3
"""Seeded generator of labelled business metrics for the accuracy benchmark.

    /usr/bin/python3 bench/accuracy/generate.py OUTDIR [--seed 1] [--daily 40] [--hourly 8] [--days 730] [--truth]

Writes into OUTDIR (CSV with a header line, timestamps in UTC as 'YYYY-MM-DD HH:MM:SS+00'):
  metrics.csv  metric,freq,mode,noise,family          freq: daily | hourly
  series.csv   metric,ts,value                        every point of the regular grid; value empty = missing
  labels.csv   metric,start,end,type                  anomaly windows (inclusive), the truth to find
  events.csv   name,start,end,metrics                 known holidays/campaigns (dates, end inclusive);
                                                      metrics: '*' or a ';'-separated list. Expected, NOT anomalies.
  truth.csv    metric,ts,normal,scale                 with --truth only: the mean without the labelled
                                                      anomalies (a level shift's or a drift's new level
                                                      counts as normal after its window) and the noise
                                                      scale (sd; Student t: sd too; Poisson: sqrt(normal))

What a series is made of (docs/drafts/accuracy.md has the details):
  level (lognormal), trend with 0-3 changepoints, weekly profile, yearly seasonality (1-2 harmonics),
  a daily profile for hourly series, additive or multiplicative composition, holiday and campaign
  effects, gaussian / heavy-tailed (Student t, 3 df) / Poisson noise, 2-5 % missing points
  (scattered and short gaps), and 5-8 labelled anomalies per series after a warm-up of 120 days:
  spike, dip, level_shift, drift (a 1.5-3 %/day ramp for 10-18 days), variance_burst, zero (zero-day /
  zero-hours outage), and travel (an anomaly of one metric that shows up 0-2 days later, attenuated, in
  the related metric of the same family; the source keeps its own type).
Deterministic: every random draw comes from numpy.random.default_rng(seed).
"""
import argparse
import csv
import datetime as dt
import os

import numpy as np

START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
WARMUP_DAYS = 120          # no anomaly before this day: every detector has history by then
MIN_GAP_DAYS = 21          # at least this many days between two anomalies of one series
TYPES = ["spike", "dip", "level_shift", "drift", "variance_burst", "zero"]


def fmt(t):
    return t.strftime("%Y-%m-%d %H:%M:%S+00")


def holidays(days):
    """Global holidays over the span: (name, first day index, last day index, effect by sector)."""
    out = []
    for year in range(START.year, (START + dt.timedelta(days=days)).year + 1):
        def idx(m, d):
            return (dt.datetime(year, m, d, tzinfo=dt.timezone.utc) - START).days
        # Black Friday: the day after the fourth Thursday of November, through Cyber Monday.
        nov1 = dt.date(year, 11, 1)
        thanksgiving = nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21)
        bf = (dt.datetime.combine(thanksgiving, dt.time(), dt.timezone.utc) - START).days + 1
        out += [("christmas", idx(12, 24), idx(12, 26), {"retail": -0.35, "b2b": -0.6, "web": -0.3}),
                ("new_year", idx(12, 31), idx(1, 1) + 365 + (1 if year % 4 == 0 else 0), {"retail": -0.3, "b2b": -0.55, "web": -0.2}),
                ("black_friday", bf, bf + 3, {"retail": 0.9, "b2b": 0.05, "web": 0.5}),
                ("summer_break", idx(8, 5), idx(8, 18), {"retail": -0.08, "b2b": -0.25, "web": -0.1})]
    return [h for h in out if 0 <= h[1] and h[2] < days]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--daily", type=int, default=40)
    ap.add_argument("--hourly", type=int, default=8)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--truth", action="store_true",
                    help="also write truth.csv (metric,ts,normal,scale): what each point would be without its "
                         "labelled anomaly, for bench/accuracy/oracle.py; draws nothing, so the other files "
                         "do not change")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    days = a.days
    hol = holidays(days)

    # Families of 1-3 related metrics (visits -> signups -> orders) sharing trend shape, weekly
    # profile, sector and campaigns; an anomaly of one travels to the next (below).
    specs = []
    fam = 0
    for freq, n in (("daily", a.daily), ("hourly", a.hourly)):
        i = 0
        while i < n:
            size = min(n - i, int(rng.integers(1, 4)))
            fam += 1
            for k in range(size):
                specs.append({"metric": f"{freq[0]}{fam:02d}_{['visits', 'signups', 'orders'][k]}",
                              "freq": freq, "family": fam, "rank": k})
            i += size

    events = []             # name, first day, last day, metrics or '*'
    for name, d0, d1, _ in hol:
        events.append((name, d0, d1, "*"))
    fam_params = {}
    for s in specs:
        f = s["family"]
        if f not in fam_params:
            sector = ["retail", "b2b", "web"][int(rng.integers(0, 3))]
            # Campaigns of the family: 3-5 over the span, 3-10 days, +20..60 %.
            camps = []
            for c in range(int(rng.integers(3, 6))):
                d0 = int(rng.integers(20, days - 12))
                # One name per family: its occurrences share one event regressor, as a user's
                # calendar would list "spring promo", "summer promo" ... under one kind.
                camps.append((f"campaign_f{f:02d}", d0, d0 + int(rng.integers(2, 10)), rng.uniform(0.2, 0.6)))
            fam_params[f] = {"sector": sector, "campaigns": camps,
                             "trend_seed": int(rng.integers(1 << 30))}
    for f, p in fam_params.items():
        members = ";".join(s["metric"] for s in specs if s["family"] == f)
        for name, d0, d1, _ in p["campaigns"]:
            events.append((name, d0, d1, members))

    def event_mask(metric):
        """Days with a known event of this metric (anomalies are kept 2 days away from them)."""
        m = np.zeros(days, bool)
        for _, d0, d1, ms in events:
            if ms == "*" or metric in ms.split(";"):
                m[max(0, d0 - 2):d1 + 3] = True
        return m

    series_rows, labels, metric_rows, truth_rows = [], [], [], []
    family_anoms = {}       # family -> [(type, first day, extra days, relative size)] of the source metric, to travel

    for s in specs:
        hourly = s["freq"] == "hourly"
        ppd = 24 if hourly else 1
        n = days * ppd
        t_days = np.arange(n) / ppd                     # time in days
        dow = ((START.weekday() + np.floor(t_days)) % 7).astype(int)
        doy = (t_days % 365.25)
        fp = fam_params[s["family"]]
        frng = np.random.default_rng(fp["trend_seed"])  # shared by a family: related metrics move together
        mode = ["additive", "multiplicative"][int(rng.integers(0, 2))]
        noise = ["gaussian", "heavy", "poisson"][int(rng.integers(0, 3))]

        # Level and trend: the family shares the shape, each member has its own level.
        if noise == "poisson":
            level = float(np.exp(rng.uniform(np.log(30), np.log(400))))
        else:
            level = float(np.exp(rng.uniform(np.log(200), np.log(50000))))
        n_cp = int(frng.integers(0, 4))
        cps = np.sort(frng.uniform(60, days - 60, n_cp))
        slope0 = frng.uniform(-0.15, 0.45) / 365     # relative growth per day
        trend = 1 + slope0 * t_days
        for c in cps:
            trend += frng.uniform(-0.5, 0.5) / 365 * np.clip(t_days - c, 0, None)
        trend = np.clip(trend, 0.3, None)

        weekend = {"retail": frng.uniform(0.05, 0.3), "b2b": -frng.uniform(0.3, 0.6), "web": -frng.uniform(0.05, 0.2)}[fp["sector"]]
        weekly = np.array([0, 0.02, 0.03, 0.02, 0.05, weekend, weekend * 1.1]) + frng.normal(0, 0.02, 7)
        weekly -= weekly.mean()
        ya = frng.uniform(0.05, 0.2)
        yearly = ya * np.sin(2 * np.pi * doy / 365.25 + frng.uniform(0, 2 * np.pi)) \
            + ya * 0.4 * np.sin(4 * np.pi * doy / 365.25 + frng.uniform(0, 2 * np.pi))
        seas = weekly[dow] + yearly
        if hourly:
            hod = np.arange(n) % 24
            amp = frng.uniform(0.3, 0.7)
            seas = seas + amp * np.clip(np.sin(np.pi * (hod - 6) / 16), -0.6, None) * (hod >= 0)
        # Known events (relative effects).
        ev = np.zeros(n)
        dayi = np.floor(t_days).astype(int)
        for name, d0, d1, eff in hol:
            ev[(dayi >= d0) & (dayi <= d1)] += eff[fp["sector"]]
        for name, d0, d1, up in fp["campaigns"]:
            ev[(dayi >= d0) & (dayi <= d1)] += up * (0.8 + 0.1 * s["rank"])
        base = level * trend
        if mode == "multiplicative":
            mean = base * (1 + seas) * (1 + ev)
        else:   # seasonal and event terms in units of the starting level, not growing with the trend
            mean = base + level * seas + level * ev
        mean = np.clip(mean, level * 0.02, None)
        cv = rng.uniform(0.03, 0.08)

        def noise_sd(m):
            return np.sqrt(m) if noise == "poisson" else cv * m

        # Anomalies: 5-8, away from events and from each other, after the warm-up.
        factor = np.ones(n)         # multiplicative change of the mean
        persist = np.ones(n)        # the part of it that is the normal level after a window (truth.csv)
        varf = np.ones(n)           # noise sd factor
        zero = np.zeros(n, bool)
        lab = []                    # (i0, i1, type)
        taken = np.zeros(days, bool)
        taken[:WARMUP_DAYS] = True
        taken |= event_mask(s["metric"])
        want = int(rng.integers(5, 9))
        tries = 0
        travel_in = family_anoms.get(s["family"], []) if s["rank"] > 0 else []
        # Travelled anomalies first: the source's anomaly, 0-2 days later, 40-80 % as strong.
        for (typ, d0, dlen, mag) in travel_in:
            lag = int(rng.integers(0, 3))
            d0t = d0 + lag
            if d0t + dlen + 1 >= days or taken[d0t:d0t + dlen + 1].any():
                continue
            att = rng.uniform(0.4, 0.8)
            i0, i1 = d0t * ppd, (d0t + dlen) * ppd + ppd - 1
            factor[i0:i1 + 1] *= 1 + att * mag
            lab.append((i0, i1, "travel"))
            taken[max(0, d0t - MIN_GAP_DAYS // 2):d0t + dlen + MIN_GAP_DAYS // 2] = True
        own = []
        while len(lab) < want + len(travel_in) and tries < 200:
            tries += 1
            typ = TYPES[int(rng.integers(0, len(TYPES)))]
            d0 = int(rng.integers(WARMUP_DAYS, days - 25))
            if typ == "drift":
                dlen = int(rng.integers(10, 19))
            elif typ == "level_shift":
                dlen = 7
            elif typ == "variance_burst":
                dlen = int(rng.integers(2, 6))
            else:
                dlen = 1
            if taken[max(0, d0 - MIN_GAP_DAYS // 2):d0 + dlen + MIN_GAP_DAYS // 2].any():
                continue
            taken[max(0, d0 - MIN_GAP_DAYS // 2):d0 + dlen + MIN_GAP_DAYS // 2] = True
            i0 = d0 * ppd
            sd_rel = float(np.median(noise_sd(mean[i0:i0 + ppd * 7]) / mean[i0:i0 + ppd * 7]))
            mag = 0.0
            if typ in ("spike", "dip"):
                # 1 day, or 1-4 hours; 5-9 noise sd and at least 25 %.
                length = int(rng.integers(1, 5)) if hourly else 1
                i0 = d0 * ppd + (int(rng.integers(8, 18)) if hourly else 0)
                i1 = i0 + length - 1
                mag = min(max(rng.uniform(5, 9) * sd_rel, rng.uniform(0.25, 0.6)), 2.0)
                if typ == "dip":
                    mag = -min(mag, 0.8)
                factor[i0:i1 + 1] *= 1 + mag
                dlen = 0
            elif typ == "level_shift":
                mag = min(max(rng.uniform(4, 7) * sd_rel, rng.uniform(0.2, 0.4)), 0.5) * (1 if rng.random() < 0.4 else -1)
                factor[i0:] *= 1 + mag
                persist[i0 + 7 * ppd:] *= 1 + mag
                i1 = i0 + 7 * ppd - 1              # the window: the first week after the shift
            elif typ == "drift":
                slope = rng.uniform(0.015, 0.03) * (1 if rng.random() < 0.25 else -1)
                ramp = np.clip((t_days - d0) / dlen, 0, 1) * slope * dlen
                factor *= 1 + ramp                 # stays at the new level after the ramp
                persist[(d0 + dlen) * ppd:] *= 1 + slope * dlen
                i1 = (d0 + dlen) * ppd - 1
                mag = slope * dlen
            elif typ == "variance_burst":
                length = dlen * ppd if not hourly else int(rng.integers(12, 49))
                i1 = i0 + length - 1
                varf[i0:i1 + 1] = rng.uniform(4, 6) if noise != "poisson" else rng.uniform(5, 8)
            elif typ == "zero":
                length = int(rng.integers(1, 5)) if hourly else 1
                i0 = d0 * ppd + (int(rng.integers(9, 18)) if hourly else 0)
                i1 = i0 + length - 1
                zero[i0:i1 + 1] = True
            lab.append((i0, i1, typ))
            if typ in ("spike", "dip", "level_shift"):
                own.append((typ, d0, max(dlen, 0) if typ != "level_shift" else 0, mag))
        if s["rank"] < 2:
            # Up to two spikes/dips of this metric travel to the next metric of its family.
            family_anoms[s["family"]] = [(t, d, 0, m) for t, d, _, m in own if t != "level_shift"][:2]

        m = mean * factor
        m = np.clip(m, 0, None)
        if noise == "poisson":
            # Variance bursts of a count: overdispersion (gamma-Poisson) with the same mean.
            lam = np.where(varf > 1, rng.gamma(shape=np.maximum(m / (varf ** 2 - 1 + 1e-9), 1e-3), scale=(varf ** 2 - 1 + 1e-9)), m)
            y = rng.poisson(np.maximum(lam, 0)).astype(float)
        else:
            e = rng.standard_t(3, n) / np.sqrt(3) if noise == "heavy" else rng.standard_normal(n)
            y = m + cv * mean * varf * e
            y = np.maximum(y, 0)
        y[zero] = 0.0
        # Missing points: 2-5 %, scattered plus a few short gaps, never inside a labelled window.
        share = rng.uniform(0.02, 0.05)
        miss = rng.random(n) < share * 0.7
        for _ in range(int(share * 0.3 * n / (3 * ppd)) + 1):
            g0 = int(rng.integers(0, n - 6 * ppd))
            miss[g0:g0 + int(rng.integers(2, 6)) * (1 if not hourly else int(rng.integers(1, 4)))] = True
        for i0, i1, _ in lab:
            miss[i0:i1 + 1] = False
        y = np.round(y, 2)
        if a.truth:
            normal = np.clip(mean * persist, 0, None)
            scale = np.sqrt(normal) if noise == "poisson" else cv * mean
            for i in range(n):
                ts = START + dt.timedelta(hours=i) if hourly else START + dt.timedelta(days=i)
                truth_rows.append((s["metric"], fmt(ts), repr(float(normal[i])), repr(float(scale[i]))))
        for i in range(n):
            ts = START + dt.timedelta(hours=i) if hourly else START + dt.timedelta(days=i)
            series_rows.append((s["metric"], fmt(ts), "" if miss[i] else repr(float(y[i]))))
        for i0, i1, typ in sorted(lab):
            step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
            labels.append((s["metric"], fmt(START + step * i0), fmt(START + step * i1), typ))
        metric_rows.append((s["metric"], s["freq"], mode, noise, s["family"]))

    def write(name, header, rows):
        with open(os.path.join(a.outdir, name), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    write("metrics.csv", ["metric", "freq", "mode", "noise", "family"], metric_rows)
    write("series.csv", ["metric", "ts", "value"], series_rows)
    write("labels.csv", ["metric", "start", "end", "type"], labels)
    if a.truth:
        write("truth.csv", ["metric", "ts", "normal", "scale"], truth_rows)
    day = lambda d: (START + dt.timedelta(days=d)).strftime("%Y-%m-%d")
    write("events.csv", ["name", "start", "end", "metrics"], [(n_, day(d0), day(d1), ms) for n_, d0, d1, ms in events])


if __name__ == "__main__":
    main()
