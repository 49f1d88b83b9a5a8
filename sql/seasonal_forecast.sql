-- anomaly.seasonal_forecast(ts, value, options) OVER (PARTITION BY ... ORDER BY ...)
-- An analyst forecasts each day of each metric from the days before it and
-- flags the days that fall outside the 90% interval.

-- Timestamps print in UTC in this file (the functions never read TimeZone).
SET TimeZone = 'UTC';

-- Two metrics, 120 days from Monday 2024-01-01: 'signups' is exactly
-- 50 + 0.3*day + a weekly pattern (weekends low); 'orders' is the same plus a
-- deterministic zig-zag of +/-1 and one spike of +40 on 2024-04-10.
CREATE TABLE sf_daily (metric text, ts timestamptz, value float8);
INSERT INTO sf_daily
SELECT m, timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day',
       50 + 0.3 * d + (ARRAY[3, -1, 4, -1.5, 5, -9, -0.5])[d % 7 + 1]
       + CASE WHEN m = 'orders' THEN (d % 2) * 2 - 1 + CASE WHEN d = 100 THEN 40 ELSE 0 END ELSE 0 END
FROM generate_series(0, 119) AS d, unnest(ARRAY['signups', 'orders']) AS m;

-- The model alone (level_smoothing 0) forecasts the noiseless metric exactly
-- once two weeks of history and one refit with weekly terms exist (days 0..13
-- have no forecast: min_history 14).
SELECT count(*) FILTER (WHERE f IS NULL) AS no_forecast,
       count(*) FILTER (WHERE (f).yhat IS NOT NULL AND abs((f).yhat - value) < 1e-6) AS exact,
       min(ts) FILTER (WHERE abs((f).yhat - value) < 1e-6) AS exact_from
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value, '{"level_smoothing": 0}') OVER w AS f
      FROM sf_daily WHERE metric = 'signups'
      WINDOW w AS (PARTITION BY metric ORDER BY ts)) s;

-- By default a local level (the smoothed one-step errors, weight 0.1) is
-- added to the trend: the large errors of the first weeks linger in it and
-- decay by 10% a day, so the forecasts become exact later.
SELECT ts::date AS day, round(abs((f).yhat - value)::numeric, 3) AS abs_error
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value) OVER (ORDER BY ts) AS f
      FROM sf_daily WHERE metric = 'signups') s
WHERE ts::date IN ('2024-01-22', '2024-02-15', '2024-03-15', '2024-04-29')
ORDER BY ts;

-- The components add up to yhat (additive mode); yearly is 0 under a year of
-- history, events is 0 without events.
SELECT bool_and(abs((f).trend + (f).weekly + (f).yearly + (f).events - (f).yhat) < 1e-9) AS adds_up,
       bool_and((f).yearly = 0 AND (f).events = 0) AS no_yearly_no_events,
       bool_and((f).yhat_lower < (f).yhat AND (f).yhat < (f).yhat_upper) AS yhat_inside
FROM (SELECT anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f FROM sf_daily) s
WHERE (f).yhat_lower IS NOT NULL;

-- Days of 'orders' outside the interval from February on: only the spike,
-- with a large score. The days around it are inside: the spike is fitted with
-- a small weight and barely moves the forecasts.
SELECT ts::date AS day, value, round((f).yhat::numeric, 2) AS yhat,
       round((f).score::numeric, 1) AS score, abs((f).score) > 1 AS outside
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f
      FROM sf_daily WHERE metric = 'orders') s
WHERE ts >= '2024-02-01' AND (abs((f).score) > 1 OR ts::date IN ('2024-04-09', '2024-04-11'))
ORDER BY ts;

-- A new level (0.5.0): orders drop by a third for good on 2024-04-15. The
-- first days are outside the interval; from the 7th outlying error in a row
-- (a week of daily data, at least a day) the drop is a new level carried
-- back over the history, so the forecast is at it at once (days 8-30 after
-- the drop: mean |error| near the zig-zag's 1). Without the local level
-- (level_smoothing 0, which also turns this off) the model is still far off
-- a month later.
CREATE TEMP VIEW sf_drop AS
SELECT ts, CASE WHEN ts >= '2024-04-15' THEN value - 20 ELSE value END AS value
FROM sf_daily WHERE metric = 'orders' AND ts <> '2024-04-10'
UNION ALL
SELECT timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day',
       50 + 0.3 * d + (ARRAY[3, -1, 4, -1.5, 5, -9, -0.5])[d % 7 + 1] + (d % 2) * 2 - 1 - 20
FROM generate_series(120, 150) AS d;
SELECT count(*) FILTER (WHERE ts < '2024-04-22' AND abs((f).score) > 1) AS outside_first_week,
       round(avg(abs((f).yhat - value)) FILTER (WHERE ts >= '2024-04-22')::numeric, 1) AS mean_abs_error_after,
       round(avg(abs((o).yhat - value)) FILTER (WHERE ts >= '2024-04-22')::numeric, 1) AS without_local_level
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value) OVER w AS f,
             anomaly.seasonal_forecast(ts, value, '{"level_smoothing": 0}') OVER w AS o
      FROM sf_drop WINDOW w AS (ORDER BY ts)) s
WHERE ts >= '2024-04-15';

-- Causal: forecasting only the first 90 days gives the same points for them.
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE a.f IS DISTINCT FROM b.f) AS differing
FROM (SELECT metric, ts, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f
      FROM sf_daily) a
JOIN (SELECT metric, ts, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f
      FROM sf_daily WHERE ts < '2024-03-31') b USING (metric, ts);

-- Rows are taken in time order whatever the window's ORDER BY: ordering the
-- window by value gives the same point for every row.
SELECT count(*) FILTER (WHERE a.f IS DISTINCT FROM b.f) AS differing
FROM (SELECT metric, ts, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f
      FROM sf_daily) a
JOIN (SELECT metric, ts, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY value DESC) AS f
      FROM sf_daily) b USING (metric, ts);

-- Options: a wider interval, a faster refit schedule, no weekly terms. With
-- weekly_seasonality false the weekly pattern is left in the errors, so the
-- intervals are wider.
SELECT o->>'label' AS options,
       round(avg((f).yhat_upper - (f).yhat_lower)::numeric, 2) AS mean_width,
       count(*) FILTER (WHERE abs((f).score) > 1) AS outside
FROM (VALUES ('{"label": "defaults"}'::jsonb),
             ('{"label": "interval_width 0.99", "interval_width": 0.99}'),
             ('{"label": "refit_every 1", "refit_every": 1}'),
             ('{"label": "weekly_seasonality false", "weekly_seasonality": false}')) v(o),
     LATERAL (SELECT ts, anomaly.seasonal_forecast(ts, value, o - 'label') OVER (ORDER BY ts) AS f
              FROM sf_daily WHERE metric = 'orders') s
WHERE ts >= '2024-02-15'
GROUP BY o->>'label' ORDER BY 1;

-- Multiplicative mode: a metric growing 1% a day with weekday factors; yhat
-- = trend * (1 + weekly) * (1 + yearly) * (1 + events) and the model alone
-- is exact here.
SELECT bool_and(abs((f).yhat / value - 1) < 1e-6) AS exact,
       bool_and(abs((f).trend * (1 + (f).weekly) * (1 + (f).yearly) * (1 + (f).events) / (f).yhat - 1) < 1e-9) AS product
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value, '{"seasonality_mode": "multiplicative", "level_smoothing": 0}') OVER (ORDER BY ts) AS f
      FROM (SELECT timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day' AS ts,
                   100 * exp(0.01 * d) * (ARRAY[1.1, 1.0, 1.05, 0.95, 1.2, 0.6, 0.7])[d % 7 + 1] AS value
            FROM generate_series(0, 89) d) g) s
WHERE ts >= '2024-02-01';

-- Known events: a sale on two date ranges gets its own effect ("events"),
-- here exact (the model alone).
SELECT ts::date AS day, round((f).events::numeric, 3) AS events, round((f).yhat::numeric, 3) AS yhat, value
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value,
        '{"level_smoothing": 0,
          "events": [{"name": "sale", "start": "2024-02-10", "end": "2024-02-11"},
                     {"name": "sale", "start": "2024-03-20", "end": "2024-03-21"}]}') OVER (ORDER BY ts) AS f
      FROM (SELECT timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day' AS ts,
                   20 + (ARRAY[3, -1, 4, -1.5, 5, -9, -0.5])[d % 7 + 1]
                   + CASE WHEN d IN (40, 41, 79, 80) THEN 10 ELSE 0 END AS value
            FROM generate_series(0, 99) d) g) s
WHERE ts::date IN ('2024-03-19', '2024-03-20', '2024-03-21', '2024-03-22')
ORDER BY ts;

-- Bad input, one story each.
-- NULL, NaN and Infinity values: a forecast, but no score, and they are not
-- fitted. A NULL ts: no forecast for that row.
CREATE TABLE sf_gaps AS
SELECT timestamptz '2024-01-01 00:00:00+00' + d * interval '1 day' AS ts, (10 + d % 7)::float8 AS value
FROM generate_series(0, 39) d;
UPDATE sf_gaps SET value = NULL WHERE ts = '2024-01-31';
UPDATE sf_gaps SET value = 'NaN' WHERE ts = '2024-02-01';
UPDATE sf_gaps SET value = 'Infinity' WHERE ts = '2024-02-02';
UPDATE sf_gaps SET value = '-Infinity' WHERE ts = '2024-02-03';
INSERT INTO sf_gaps VALUES (NULL, 5);
SELECT ts::date AS day, value, (f).yhat IS NOT NULL AS has_forecast, round((f).score::numeric, 2) AS score
FROM (SELECT ts, value, anomaly.seasonal_forecast(ts, value) OVER (ORDER BY ts) AS f FROM sf_gaps) s
WHERE ts IS NULL OR ts BETWEEN '2024-01-30' AND '2024-02-04'
ORDER BY ts NULLS FIRST;

-- Empty and one-row partitions: nothing to return / NULL.
SELECT count(*) FROM (SELECT anomaly.seasonal_forecast(ts, value) OVER () FROM sf_gaps WHERE false) s;
SELECT anomaly.seasonal_forecast('2024-01-01 00:00:00+00', 1) OVER () IS NULL AS is_null;

-- Duplicate timestamps in a partition are an error naming the timestamp
-- (always in UTC).
SET TimeZone = 'America/New_York';
SELECT anomaly.seasonal_forecast(ts, value) OVER (ORDER BY ts)
FROM (VALUES ('2024-01-01 00:00:00+00'::timestamptz, 1::float8), ('2024-01-02 00:00:00+00', 2),
             ('2024-01-01 00:00:00+00', 3)) v(ts, value);
SET TimeZone = 'UTC';
SELECT anomaly.seasonal_forecast('infinity'::timestamptz, 1) OVER ();

-- Absurd or unknown options: 22023 naming the option.
\set VERBOSITY default
SELECT anomaly.seasonal_forecast(ts, value, '{"interval_width": 1.5}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"n_changepoints": -1}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"refit_every": 2.5}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"seasonality_mode": "exponential"}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"interval_widht": 0.8}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"time_zone": "Europe/Paris"}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"events": [{"name": "x", "start": "2024-02-30", "end": "2024-03-01"}]}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '{"events": [{"name": "x"}]}') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, '[1, 2]') OVER (ORDER BY ts) FROM sf_gaps;
SELECT anomaly.seasonal_forecast(ts, value, NULL) OVER (ORDER BY ts) FROM sf_gaps;

-- Long fits stop on cancel: a statement timeout interrupts a large partition
-- (100,000 hourly rows take seconds), and the session carries on.
SET statement_timeout = '300ms';
SELECT count(f) FROM (SELECT anomaly.seasonal_forecast(ts, v) OVER (ORDER BY ts) AS f
                      FROM (SELECT timestamptz '2010-01-01 00:00:00+00' + i * interval '1 hour' AS ts,
                                   (i % 24)::float8 AS v
                            FROM generate_series(1, 100000) i) g) s;
RESET statement_timeout;
SELECT 'still here' AS session;

-- The time zone option sets the local day for the weekly phase and for
-- event dates; the session TimeZone never matters (the function is IMMUTABLE).
CREATE TEMP TABLE sf_utc AS
SELECT metric, ts, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f FROM sf_daily;
SET TimeZone = 'Asia/Tokyo';
SELECT count(*) AS compared, count(*) FILTER (WHERE a.f IS DISTINCT FROM b.f) AS differing_under_tokyo_time
FROM sf_utc a
JOIN (SELECT metric, ts, anomaly.seasonal_forecast(ts, value) OVER (PARTITION BY metric ORDER BY ts) AS f
      FROM sf_daily) b USING (metric, ts);
SET TimeZone = 'UTC';

DROP TABLE sf_daily, sf_gaps, sf_utc;
RESET TimeZone;
