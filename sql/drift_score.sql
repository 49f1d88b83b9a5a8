-- anomaly.drift_score(value, expected, period, k, h) OVER (PARTITION BY ... ORDER BY ts)
-- A growth analyst wants to hear about slow deterioration (a metric losing a
-- few percent a day) long before a static threshold notices it.

-- Hand-computed CUSUM (expected given = 0, so residual = value; h = 2):
-- rows 0-13 alternate 1, -1: warming up (the scale needs 14 residuals).
--   row 14 = 2:  history median 0, MAD 1, sigma = 1/0.6745: z = 1.349,
--                S+ = 1.349 - 0.5 = 0.849, score 0.849/2 = 0.4245
--   row 15 = 3:  history (with the 2) median 1, MAD 1: z = 2*0.6745 = 1.349,
--                S+ = 1.698, score 0.849
--   row 16 = -3: history median 1, MAD 1.5: z = -4*0.6745/1.5 = -1.79867,
--                S+ = 0, S- = 1.29867, score -0.64933 (down)
--   row 17 = -3: history median 1, MAD 2: z = -4*0.6745/2 = -1.349,
--                S- = 1.29867 + 0.849 = 2.14767 >= h: flagged (score
--                -1.07383, |score| >= 1), then both sums restart.
--   row 18 = -3: the down side is held after its flag (it gathers no
--                evidence while the residuals stay low: a drift is one
--                flag), S+ = max(0, 0 - 2.0235 - 0.5) = 0: score 0, not
--                flagged, no direction.
SELECT i, v, round(s::numeric, 5) AS score, (d).is_drift, (d).direction, (d).run_length, (d).expected
FROM (SELECT i, v, anomaly.drift_score(v, 0, h => 2) OVER w AS s,
             anomaly.drift_score_detail(v, 0, h => 2) OVER w AS d
      FROM (SELECT i, CASE WHEN i < 14 THEN CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END
                           WHEN i = 14 THEN 2 WHEN i = 15 THEN 3 ELSE -3 END::float8 AS v
            FROM generate_series(0, 18) i) t
      WINDOW w AS (ORDER BY i)) s
WHERE i >= 13
ORDER BY i;

-- A daily metric with a weekly pattern (weekends -30 %) and 3 % gaussian
-- noise (seeded, so the output is reproducible), losing 2 % of its level a day from 2026-05-01 for
-- two weeks. The own baseline (expected NULL): the median of the same weekday
-- over the previous 4 weeks.
SELECT setseed(0.42);
CREATE TABLE drift_daily AS
SELECT m.metric, d::date AS day,
       1000 * CASE WHEN extract(isodow FROM d) >= 6 THEN 0.7 ELSE 1 END
            * (1 + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
            * CASE WHEN m.metric = 'signups' AND d >= '2026-05-01'
                   THEN 1 - 0.02 * least((d::date - '2026-05-01'::date) + 1, 14) ELSE 1 END AS value
FROM (VALUES ('signups'), ('orders')) m(metric),
     generate_series('2026-01-01'::date, '2026-05-31'::date, interval '1 day') AS g(d)
ORDER BY 1, 2;

-- When each metric is flagged: signups drifts down and is flagged a few
-- days after the ramp starts; orders has no ramp. Both show the false alarm
-- rate of the defaults on 3 % noise: one false alarm (a run of flagged
-- days) in four months (the target: at most one per metric per 30 days).
SELECT metric,
       count(*) FILTER (WHERE abs(s) >= 1 AND NOT coalesce(abs(s_before) >= 1, false)
                        AND day < '2026-05-01') AS false_alarms_before_may,
       min(day) FILTER (WHERE abs(s) >= 1 AND day >= '2026-05-01') AS first_flag_in_may,
       (min(day) FILTER (WHERE abs(s) >= 1 AND day >= '2026-05-01')) - '2026-05-01'::date AS days_after_start,
       count(*) FILTER (WHERE s IS NULL) AS warming_up
FROM (SELECT metric, day, s, lag(s) OVER (PARTITION BY metric ORDER BY day) AS s_before
      FROM (SELECT metric, day, anomaly.drift_score(value) OVER (PARTITION BY metric ORDER BY day) AS s
            FROM drift_daily) x) y
GROUP BY metric ORDER BY metric;

-- The story around the start, with the detail form: the score grows each
-- day until the flag, and the run length counts the days drifting down;
-- after the flag the down side is held while the drift goes on (score 0)
-- for at least the 7 rows (one period) whose median z becomes its new level;
-- from 0.5.0 it then gathers evidence against that level.
SELECT day, round(value) AS value, round((d).expected) AS expected, round((d).score::numeric, 2) AS score,
       (d).is_drift, (d).direction, (d).run_length
FROM (SELECT day, value, anomaly.drift_score_detail(value) OVER (ORDER BY day) AS d
      FROM drift_daily WHERE metric = 'signups') x
WHERE day BETWEEN '2026-04-29' AND '2026-05-08'
ORDER BY day;

-- Causal: appending days never changes an earlier score.
SELECT count(*) AS days_compared, bool_and(a.s IS NOT DISTINCT FROM b.s) AS same
FROM (SELECT day, anomaly.drift_score(value) OVER (ORDER BY day) s FROM drift_daily WHERE metric = 'signups') a
JOIN (SELECT day, anomaly.drift_score(value) OVER (ORDER BY day) s FROM drift_daily
      WHERE metric = 'signups' AND day < '2026-05-04') b USING (day);

-- With your own forecast as expected (here a flat 1000 on weekdays, 700 on
-- weekends), residuals are taken against it; rows where expected is NULL use
-- the own baseline.
SELECT metric, min(day) FILTER (WHERE abs(s) >= 1) AS first_flag
FROM (SELECT metric, day,
             anomaly.drift_score(value, CASE WHEN extract(isodow FROM day) >= 6 THEN 700 ELSE 1000 END)
                 OVER (PARTITION BY metric ORDER BY day) AS s
      FROM drift_daily) x
GROUP BY metric ORDER BY metric;

-- NULL, NaN and ±Infinity values: no score for that row (NULL), the sums
-- carry over to the next scored row.
SELECT i, v, round(anomaly.drift_score(v, 0, period => 1) OVER (ORDER BY i)::numeric, 4) AS score
FROM (SELECT i, CASE i WHEN 20 THEN NULL WHEN 21 THEN 'NaN' WHEN 22 THEN 'Infinity' WHEN 23 THEN '-Infinity'
                       ELSE ((i * 37) % 7 - 3)::float8 END AS v
      FROM generate_series(0, 24) i) t
ORDER BY i OFFSET 18;

-- Empty input and a one-row partition.
SELECT anomaly.drift_score(value) OVER (ORDER BY day) FROM drift_daily WHERE false;
SELECT anomaly.drift_score(1) OVER () AS one_row;

-- A constant series: sigma falls back to a tiny floor, so the first real
-- change counts as 3 sigma a day: a 1 % step is flagged on its second day,
-- once (then its side is held while the step lasts).
SELECT i, anomaly.drift_score(v, period => 1) OVER (ORDER BY i) AS score
FROM (SELECT i, CASE WHEN i < 40 THEN 100 ELSE 99 END::float8 AS v FROM generate_series(0, 42) i) t
ORDER BY i OFFSET 38;

-- Bad parameters: SQLSTATE 22023 (invalid parameter), 22004 for NULL ones.
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate
FROM unnest(ARRAY[
    'SELECT anomaly.drift_score(1, period => 0) OVER ()',
    'SELECT anomaly.drift_score(1, period => 100000) OVER ()',
    'SELECT anomaly.drift_score(1, k => -1) OVER ()',
    'SELECT anomaly.drift_score(1, h => 0) OVER ()',
    'SELECT anomaly.drift_score(1, h => ''NaN'') OVER ()',
    'SELECT anomaly.drift_score(1, h => ''Infinity'') OVER ()',
    'SELECT anomaly.drift_score(1, period => NULL) OVER ()',
    'SELECT anomaly.drift_score_detail(1, k => NULL) OVER ()']) q;

-- The series form (0.4.0): drift_score(ts, value, options) places the rows in
-- time and leaves known events out. A 10-day campaign (+60 %) on orders in
-- March: without the event the campaign and the weeks after it read as
-- drifts; with it, nothing is flagged there, and the rows of the campaign
-- get no score. On daily data without events, the series form is the row
-- form with period 7 (the rows are consecutive days).
CREATE TEMP VIEW drift_campaign AS
SELECT day::timestamptz AS ts,
       CASE WHEN day >= '2026-03-10' AND day < '2026-03-20' THEN 1.6 * value ELSE value END AS value
FROM drift_daily WHERE metric = 'orders';
SELECT count(*) FILTER (WHERE abs(plain) >= 1 AND ts BETWEEN '2026-03-10' AND '2026-04-20') AS flags_without_event,
       count(*) FILTER (WHERE abs(known) >= 1 AND ts BETWEEN '2026-03-10' AND '2026-04-20') AS flags_with_event,
       count(*) FILTER (WHERE known IS NULL AND ts >= '2026-03-10' AND ts < '2026-03-20') AS unscored_event_days,
       count(*) FILTER (WHERE plain IS DISTINCT FROM rows) AS series_form_differs_from_row_form
FROM (SELECT ts, anomaly.drift_score(ts, value) OVER w AS plain,
             anomaly.drift_score(ts, value, '{"events": [{"name": "campaign", "start": "2026-03-10", "end": "2026-03-20"}]}') OVER w AS known,
             anomaly.drift_score(value) OVER w AS rows
      FROM drift_campaign WINDOW w AS (ORDER BY ts)) s;

-- Edge cases of the series form: no rows, one row, a NULL ts (NULL, and the
-- other rows as without it), NULL/NaN/Infinity values (NULL), a step given
-- as text.
SELECT anomaly.drift_score(ts, value) OVER () FROM drift_campaign WHERE false;
SELECT anomaly.drift_score(now(), 1) OVER () AS one_row;
SELECT count(*) AS rows, count(*) FILTER (WHERE s IS NULL) AS null_scores,
       count(*) FILTER (WHERE ts IS NULL AND s IS NULL) AS null_ts_null,
       count(*) FILTER (WHERE value = 'NaN' OR value = 'Infinity') AS nonfinite,
       count(*) FILTER (WHERE (value = 'NaN' OR value = 'Infinity') AND s IS NULL) AS nonfinite_null,
       count(*) FILTER (WHERE ts IS NOT NULL AND s IS DISTINCT FROM s_clean
                        AND NOT (value = 'NaN' OR value = 'Infinity')) AS other_rows_changed
FROM (SELECT ts, value, anomaly.drift_score(ts, value, '{"step": "1 day"}') OVER (ORDER BY ts) AS s,
             anomaly.drift_score(ts, CASE WHEN value = 'NaN' OR value = 'Infinity' THEN NULL ELSE value END)
                 OVER (ORDER BY ts) AS s_clean
      FROM (SELECT ts, CASE WHEN ts = '2026-04-01' THEN 'NaN' WHEN ts = '2026-04-02' THEN 'Infinity' ELSE value END AS value
            FROM drift_campaign UNION ALL SELECT NULL, 5) q) r;

-- Its options and data errors.
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate
FROM unnest(ARRAY[
    'SELECT anomaly.drift_score(now(), 1, ''{"frequency": 7}'') OVER ()',
    'SELECT anomaly.drift_score(now(), 1, ''{"period": 0}'') OVER ()',
    'SELECT anomaly.drift_score(now(), 1, ''{"step": "1 fortnight"}'') OVER ()',
    'SELECT anomaly.drift_score(now(), 1, NULL) OVER ()',
    'SELECT anomaly.drift_score(t, 1) OVER () FROM (VALUES (timestamptz ''2026-05-01''), (''2026-05-01'')) v(t)']) q;

DROP VIEW drift_campaign;
DROP TABLE drift_daily;
