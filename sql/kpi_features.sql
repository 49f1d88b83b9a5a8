-- anomaly.kpi_features(ts, value, time_zone) OVER (PARTITION BY ... ORDER BY ts)
-- An analyst turns a daily KPI into feature vectors (for anomaly.iforest_score
-- or their own model) without hand-writing fifteen window expressions.

CREATE TABLE kpi (metric text, ts timestamptz, value float8);
-- 9 days from Wednesday 2024-03-27 to Thursday 2024-04-04, midnight in Berlin.
INSERT INTO kpi
SELECT 'revenue', ('2024-03-27'::date + i)::timestamp AT TIME ZONE 'Europe/Berlin', v
FROM unnest(ARRAY[10, 12, 8, 10, -3, 0, 14, 15, 9]::float8[]) WITH ORDINALITY AS u(v, n),
     LATERAL (SELECT n::int - 1 AS i) AS s;

-- The element names, so nobody counts positions.
SELECT n, name FROM unnest(anomaly.kpi_feature_names()) WITH ORDINALITY AS u(name, n);

-- Every element of every row, named. Hand-computed checks:
--   03-29: mean_7 = (10+12+8)/3 = 10, std_7 = 2, zscore_7 of 8 against
--          {10, 12} = (8-11)/sqrt(2) = -2.1213
--   03-31: a Sunday (7), month end and quarter end; log1p(-3) = -ln 4 = -1.3863
--   04-03: wow_change = (15-10)/10 = 0.5 (the same local time 7 days before:
--          168 hours by the wall clock, 167 real hours across the switch to
--          summer time on 03-31);
--          mean_7 = (12+8+10-3+0+14+15)/7 = 8
--   04-04: wow_change = (9-12)/12 = -0.25
-- Calendar elements are taken in Europe/Berlin: in UTC these rows are the
-- evening before (22:00 or 23:00), a day earlier.
SELECT to_char(ts AT TIME ZONE 'Europe/Berlin', 'MM-DD') AS day, value,
       (SELECT string_agg(name || '=' || coalesce(round(f::numeric, 4)::text, 'NULL'), ' ' ORDER BY n)
        FROM unnest(anomaly.kpi_feature_names(), features) WITH ORDINALITY AS e(name, f, n)) AS features
FROM (SELECT ts, value, anomaly.kpi_features(ts, value, 'Europe/Berlin') OVER (ORDER BY ts) AS features
      FROM kpi) s
ORDER BY ts;

-- Picking elements by name.
SELECT to_char(ts AT TIME ZONE 'Europe/Berlin', 'MM-DD') AS day,
       f[array_position(anomaly.kpi_feature_names(), 'day_of_week')] AS dow_berlin,
       g[array_position(anomaly.kpi_feature_names(), 'day_of_week')] AS dow_utc,
       f[array_position(anomaly.kpi_feature_names(), 'month_end')] AS month_end_berlin,
       g[array_position(anomaly.kpi_feature_names(), 'month_end')] AS month_end_utc
FROM (SELECT ts, anomaly.kpi_features(ts, value, 'Europe/Berlin') OVER w AS f,
             anomaly.kpi_features(ts, value) OVER w AS g
      FROM kpi WINDOW w AS (ORDER BY ts)) s
ORDER BY ts;

-- Causal: features of the first 6 days are the same when the last 3 are absent.
SELECT count(*) AS rows_compared, bool_and(a.f IS NOT DISTINCT FROM b.f) AS same
FROM (SELECT ts, anomaly.kpi_features(ts, value, 'Europe/Berlin') OVER (ORDER BY ts) f FROM kpi) a
JOIN (SELECT ts, anomaly.kpi_features(ts, value, 'Europe/Berlin') OVER (ORDER BY ts) f FROM kpi
      WHERE ts < '2024-04-02 00:00+02') b USING (ts);

-- Month over month is by calendar: 2024-03-31 is compared with 2024-02-29
-- (the day clamped to February's end), 2024-01-31 with 2023-12-31.
SELECT d, v, f[8] AS mom_change
FROM (SELECT d, v, anomaly.kpi_features(d::timestamp AT TIME ZONE 'UTC', v, 'UTC') OVER (ORDER BY d) AS f
      FROM (VALUES ('2023-12-31'::date, 100::float8), ('2024-01-31', 110), ('2024-02-29', 121),
                   ('2024-03-30', 60), ('2024-03-31', 242)) t(d, v)) s
ORDER BY d;

-- Hourly data: week over week is the same hour one week earlier.
SELECT h, f[7] AS wow_change
FROM (SELECT h, anomaly.kpi_features(t, v) OVER (ORDER BY t) AS f
      FROM generate_series(0, 24 * 7 + 2) AS h,
           LATERAL (SELECT '2024-01-01 00:00+00'::timestamptz + h * interval '1 hour' AS t, 100.0 + h AS v) x) s
WHERE h IN (24 * 7 - 1, 24 * 7, 24 * 7 + 2)
ORDER BY h;

-- NULL, NaN and ±Infinity values: the row still has its calendar elements;
-- its value/log1p are NULL (NaN) or ±Infinity, its changes and z-scores NULL,
-- and it never enters other rows' statistics (mean_7 of the last row = 2).
SELECT i, v, f[1] AS value, f[2] AS log1p, f[3] AS mean_7, f[9] AS zscore_7, f[11] AS day_of_week
FROM (SELECT i, v, anomaly.kpi_features('2024-01-01 00:00+00'::timestamptz + i * interval '1 day', v)
                   OVER (ORDER BY i) AS f
      FROM (VALUES (0, 1::float8), (1, NULL), (2, 'NaN'), (3, 'Infinity'), (4, '-Infinity'), (5, 3)) t(i, v)) s
ORDER BY i;

-- Empty input and a one-row partition.
SELECT anomaly.kpi_features(ts, value) OVER (ORDER BY ts) FROM kpi WHERE false;
SELECT anomaly.kpi_features('2024-01-01 00:00+00', 5) OVER () AS one_row;

-- Duplicate timestamps: rows are taken in the window's ORDER BY order (add a
-- tie-breaker); the week-ago lookup uses the last earlier row at that time.
SELECT i, f[7] AS wow_change
FROM (SELECT i, anomaly.kpi_features(t, v) OVER (ORDER BY t, i) AS f
      FROM (VALUES (1, '2024-01-01 00:00+00'::timestamptz, 1::float8), (2, '2024-01-01 00:00+00', 2),
                   (3, '2024-01-08 00:00+00', 4)) x(i, t, v)) s
ORDER BY i;

-- Values near the float8 limit: only a statistic beyond float8 would be
-- Infinity; never an error.
SELECT i, f[3] AS mean_7, f[4] AS std_7, f[9] AS zscore_7
FROM (SELECT i, anomaly.kpi_features('2024-01-01 00:00+00'::timestamptz + i * interval '1 day', v) OVER (ORDER BY i) AS f
      FROM (VALUES (0, 1e308::float8), (1, 1e308), (2, -1e308)) t(i, v)) s
ORDER BY i;

-- Bad input: clear errors with a SQLSTATE, never a crash.
SELECT anomaly.kpi_features(NULL, 1) OVER ();
SELECT anomaly.kpi_features('infinity', 1) OVER ();
SELECT anomaly.kpi_features(now(), 1, NULL) OVER ();
SELECT anomaly.kpi_features('2024-01-01 00:00+00', 1, 'Mars/Olympus_Mons') OVER ();
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate
FROM unnest(ARRAY[
    'SELECT anomaly.kpi_features(NULL, 1) OVER ()',
    'SELECT anomaly.kpi_features(''-infinity'', 1) OVER ()',
    'SELECT anomaly.kpi_features(''2024-01-01 00:00+00'', 1, NULL) OVER ()',
    'SELECT anomaly.kpi_features(''2024-01-01 00:00+00'', 1, ''Mars/Olympus_Mons'') OVER ()',
    'SELECT anomaly.kpi_features(''2024-01-01 00:00+00'', 1, ''+05:30'') OVER ()']) q;

DROP TABLE kpi;
