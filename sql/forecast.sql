-- anomaly.forecast(timestamps, values, horizon, options): one fit over a whole
-- series, its components for every day and a forecast of the next days, for
-- a chart.

-- Timestamps print in UTC in this file (the functions never read TimeZone).
SET TimeZone = 'UTC';

-- 10 weeks of a noiseless metric: 50 + 0.3*day + a weekly pattern.
CREATE TABLE fc_daily AS
SELECT timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day' AS ts,
       50 + 0.3 * d + (ARRAY[3, -1, 4, -1.5, 5, -9, -0.5])[d % 7 + 1] AS value
FROM generate_series(0, 69) AS d;

-- The last 3 days and 7 future days: the fit is exact, and the future continues
-- trend + weekly pattern (day 70 is a Monday: 50 + 21 + 3 = 74).
SELECT f.ts, round(f.yhat::numeric, 6) AS yhat, round(f.trend::numeric, 6) AS trend,
       round(f.weekly::numeric, 6) AS weekly, f.yearly, f.events
FROM (SELECT array_agg(ts ORDER BY ts) AS t, array_agg(value ORDER BY ts) AS v FROM fc_daily) s,
     anomaly.forecast(s.t, s.v, 7) AS f
WHERE f.ts >= '2024-03-08'
ORDER BY f.ts;

-- One row per input day (in time order, whatever the array order) plus the
-- horizon; the interval contains yhat.
SELECT count(*) AS rows, min(f.ts) AS first, max(f.ts) AS last,
       bool_and(f.yhat_lower <= f.yhat AND f.yhat <= f.yhat_upper) AS yhat_inside
FROM (SELECT array_agg(ts ORDER BY value) AS t, array_agg(value ORDER BY value) AS v FROM fc_daily) s,
     anomaly.forecast(s.t, s.v, 14) AS f;

-- Future steps follow the median spacing: hourly data steps by an hour, and
-- gaps in the history do not matter.
SELECT f.ts
FROM anomaly.forecast(ARRAY(SELECT timestamptz '2024-01-01 00:00:00+00' + h * interval '1 hour'
                            FROM generate_series(0, 47) h WHERE h % 5 <> 3),
                      ARRAY(SELECT (h % 24)::float8 FROM generate_series(0, 47) h WHERE h % 5 <> 3), 3) AS f
ORDER BY f.ts DESC LIMIT 4;

-- The series form agrees with the window form on the next day: both use the
-- same model (the window refits every 7 values, here on the 70th, the last;
-- the series form has no local level, so the window is asked for none).
SELECT round(w.yhat::numeric, 6) AS window_yhat, round(s.yhat::numeric, 6) AS series_yhat
FROM (SELECT (f).yhat FROM (SELECT ts, anomaly.seasonal_forecast(ts, value, '{"level_smoothing": 0}') OVER (ORDER BY ts) AS f
                            FROM (SELECT ts, value FROM fc_daily
                                  UNION ALL SELECT '2024-03-11 00:00:00+00', NULL) a) b
      WHERE ts = '2024-03-11 00:00:00+00') w,
     (SELECT f.yhat FROM (SELECT array_agg(ts ORDER BY ts) AS t, array_agg(value ORDER BY ts) AS v FROM fc_daily) a,
             anomaly.forecast(a.t, a.v, 1) AS f WHERE f.ts = '2024-03-11 00:00:00+00') s;

-- Events and time zone: a promotion on local (UTC+02:00) dates.
SELECT f.ts, round(f.events::numeric, 3) AS events
FROM (SELECT array_agg(ts ORDER BY ts) AS t,
             array_agg(value + CASE WHEN ts IN ('2024-02-04 22:00:00+00', '2024-02-25 22:00:00+00') THEN 12 ELSE 0 END
                       ORDER BY ts) AS v
      FROM (SELECT ts - interval '2 hours' AS ts, value FROM fc_daily) x) s,
     anomaly.forecast(s.t, s.v, 0,
       '{"time_zone": "+02:00",
         "events": [{"name": "promo", "start": "2024-02-05", "end": "2024-02-05"},
                    {"name": "promo", "start": "2024-02-26", "end": "2024-02-26"}]}') AS f
WHERE f.events <> 0 OR f.ts::date = '2024-02-06'
ORDER BY f.ts;

-- NULL, NaN and Infinity values are not fitted but get fitted components.
SELECT count(*) AS rows, count(f.yhat) AS with_yhat
FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily ORDER BY ts),
                      ARRAY(SELECT CASE WHEN ts::date = '2024-02-01' THEN NULL
                                        WHEN ts::date = '2024-02-02' THEN 'NaN'
                                        WHEN ts::date = '2024-02-03' THEN 'Infinity' ELSE value END
                            FROM fc_daily ORDER BY ts), 0) AS f;

-- Bad input.
SELECT * FROM anomaly.forecast(ARRAY['2024-01-01'::timestamptz], ARRAY[1.0, 2.0]::float8[], 1);
SELECT * FROM anomaly.forecast(ARRAY['2024-01-01'::timestamptz, NULL], ARRAY[1.0, 2.0]::float8[], 1);
SELECT * FROM anomaly.forecast(ARRAY[]::timestamptz[], ARRAY[]::float8[], 1);
SELECT * FROM anomaly.forecast(ARRAY['2024-01-01'::timestamptz, '2024-01-02'], ARRAY[1.0, 2.0]::float8[], 1);
SELECT * FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily), ARRAY(SELECT value FROM fc_daily), -1);
SELECT * FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily), ARRAY(SELECT value FROM fc_daily), 1000000);
SELECT * FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily) || '2024-01-05 00:00:00+00'::timestamptz,
                               ARRAY(SELECT value FROM fc_daily) || 1::float8, 1);
SELECT * FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily), ARRAY(SELECT value FROM fc_daily), 1,
                               '{"changepoint_range": 0}');
SELECT * FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily), ARRAY(SELECT value FROM fc_daily), 1,
                               '{"yearly_seasonality": "yes"}');
SELECT count(*) FROM anomaly.forecast(ARRAY(SELECT ts FROM fc_daily), ARRAY(SELECT value FROM fc_daily), 1, NULL);

DROP TABLE fc_daily;
RESET TimeZone;
