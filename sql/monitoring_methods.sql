-- Rule methods: every method is a function a user can call directly, with one
-- signature: (times timestamptz[], vals float8[], params jsonb) returning one
-- row per point. The answers below are computed by hand in the comments.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET extra_float_digits = 0;

-- Six days, 2024-01-01 .. 2024-01-06.
CREATE FUNCTION pg_temp.days(n int) RETURNS timestamptz[] LANGUAGE sql
RETURN ARRAY(SELECT timestamptz '2024-01-01' + (i || ' days')::interval FROM generate_series(0, n - 1) AS i);

-- Layer 1, min and max: value against a fixed bound; NULL and NaN are not scored.
SELECT ts::date, value, expected, score, is_anomaly
FROM anomaly.rule_min(pg_temp.days(5), ARRAY[4, 5, 6, NULL, 'NaN'::float8], '{"threshold": 5}');
SELECT ts::date, value, upper, score, is_anomaly
FROM anomaly.rule_max(pg_temp.days(3), ARRAY[4, 5, 6], '{"threshold": 5}');

-- zero_day, lookback 3: day 4 is 0 while mean(0, 2, 4) = 2 > 0; day 5: mean(2, 4, 0) = 2;
-- day 6: mean(4, 0, 0) = 4/3; day 7: mean(0, 0, 0) = 0, so no longer anomalous.
-- The first point (no history) is checked too: layer 1 works from the start.
SELECT ts::date, value, round(expected::numeric, 4) AS expected, round(score::numeric, 4) AS score, is_anomaly
FROM anomaly.rule_zero_day(pg_temp.days(7), ARRAY[0, 2, 4, 0, 0, 0, 0], '{"lookback": 3}');

-- missing_data needs frequency and as_of (never the clock): 1st -> 2nd is one period,
-- 2nd -> 5th is three (> 2), 5th -> as_of 8th is three.
SELECT ts::date, score, is_anomaly
FROM anomaly.rule_missing_data(ARRAY['2024-01-01', '2024-01-02', '2024-01-05']::timestamptz[], ARRAY[1, 2, 3],
                               '{"frequency": "1 day", "as_of": "2024-01-08"}');
SELECT * FROM anomaly.rule_missing_data(pg_temp.days(2), ARRAY[1, 2], '{}');

-- Layer 2, zscore, lookback 4 = min_history: day 5 against 1, 2, 3, 4: mean 2.5,
-- stddev sqrt(5/3) = 1.290994, z = 7.5 / 1.290994 = 5.8095, range 2.5 -/+ 3 * 1.290994.
-- Day 6 against 2, 3, 4, 10: mean 4.75, stddev sqrt(38.75/3) = 3.593976, z = -0.2087.
SELECT ts::date, value, round(expected::numeric, 4) AS expected, round(lower::numeric, 4) AS lower,
       round(upper::numeric, 4) AS upper, round(score::numeric, 4) AS score, is_anomaly
FROM anomaly.rule_zscore(pg_temp.days(6), ARRAY[1, 2, 3, 4, 10, 4], '{"lookback": 4, "min_history": 4}');

-- mad_zscore, lookback 5: day 6 (30) against 10, 12, 11, 13, 9: median 11, MAD 1,
-- score 0.6745 * 19 = 12.8155, range 11 -/+ 3.5 / 0.6745 = 5.8110 .. 16.1890.
SELECT ts::date, value, expected, round(lower::numeric, 4) AS lower, round(upper::numeric, 4) AS upper,
       round(score::numeric, 4) AS score, is_anomaly
FROM anomaly.rule_mad_zscore(pg_temp.days(6), ARRAY[10, 12, 11, 13, 9, 30], '{"lookback": 5, "min_history": 5}')
WHERE ts >= '2024-01-06';
-- MAD = 0 (5, 5, 5, 6, 5): the spread is 1.253314 * mean absolute deviation 0.2,
-- score 3 / 0.2506628 = 11.9683; the same score as anomaly.mad_zscore's.
SELECT ts::date, value, expected, round(score::numeric, 4) AS score,
       round(score::numeric, 9) = round((anomaly.mad_zscore(ARRAY[5, 5, 5, 6, 5, 8]::float8[], 5, 5))[6]::numeric, 9) AS same_as_mad_zscore
FROM anomaly.rule_mad_zscore(pg_temp.days(6), ARRAY[5, 5, 5, 6, 5, 8], '{"lookback": 5, "min_history": 5}')
WHERE ts >= '2024-01-06';

-- pct_deviation, lookback 2: day 3 = 130 vs mean 100: +30 % (> 20); day 4 = 50 vs 115: -56.52 %.
SELECT ts::date, value, expected, lower, upper, round(score::numeric, 2) AS score, is_anomaly
FROM anomaly.rule_pct_deviation(pg_temp.days(4), ARRAY[100, 100, 130, 50],
                                '{"lookback": 2, "min_history": 2, "threshold_pct": 20}');

-- same_period_last_week, weeks 2: 15 days of 10, then 15 on day 15 (a Monday, like
-- days 1 and 8): expected mean(10, 10) = 10, +50 %. Days before the 15th with only
-- one earlier week (days 8..14) are warming up (min_weeks 2).
SELECT ts::date, value, expected, score, is_anomaly
FROM anomaly.rule_same_period_last_week(pg_temp.days(15), array_fill(10::float8, ARRAY[14]) || 15::float8,
                                        '{"weeks": 2, "min_weeks": 2}')
WHERE ts >= '2024-01-13';

-- Layer 3, consecutive_direction, n 3, good direction up (so falls are watched):
-- 5, 4, 3, 2 is three falls in a row (score -3) from 5; a flat step (score 0) ends the run.
SELECT ts::date, value, expected, score, is_anomaly
FROM anomaly.rule_consecutive_direction(pg_temp.days(6), ARRAY[5, 4, 3, 2, 2, 1], '{"n": 3, "good_direction": "up"}');
-- With good direction down, rises are watched instead.
SELECT ts::date, score, is_anomaly
FROM anomaly.rule_consecutive_direction(pg_temp.days(4), ARRAY[1, 2, 3, 4], '{"n": 3, "good_direction": "down"}');

-- rolling_mean_shift, short 2, long 2: day 5: mean(10, 13) = 11.5 vs mean(10, 10) = 10, +15 %;
-- day 6: mean(13, 13) = 13 vs mean(10, 10) = 10, +30 %.
SELECT ts::date, value, expected, round(score::numeric, 2) AS score, is_anomaly
FROM anomaly.rule_rolling_mean_shift(pg_temp.days(6), ARRAY[10, 10, 10, 10, 13, 13],
                                     '{"short": 2, "long": 2, "threshold_pct": 10}');

-- The runtime key "from" returns only the points from then on, with the same values.
SELECT (SELECT array_agg(score ORDER BY ts) FROM anomaly.rule_zscore(pg_temp.days(6), ARRAY[1, 2, 3, 4, 10, 4],
                                         '{"lookback": 4, "min_history": 4, "from": "2024-01-05"}'))
     = (SELECT array_agg(score ORDER BY ts) FROM anomaly.rule_zscore(pg_temp.days(6), ARRAY[1, 2, 3, 4, 10, 4],
                                         '{"lookback": 4, "min_history": 4}') WHERE ts >= '2024-01-05') AS same_scores;

-- The defaults in the registry are the evaluators' own: every built-in method
-- gives the same rows with '{}' as with its registered defaults, on 60 days.
CREATE TEMP TABLE series60 AS
SELECT ARRAY(SELECT timestamptz '2024-01-01' + (i || ' days')::interval FROM generate_series(0, 59) i) AS t,
       ARRAY(SELECT 100 + 10 * sin(i) + CASE WHEN i IN (30, 45) THEN 80 WHEN i = 50 THEN -100 ELSE 0 END
             FROM generate_series(0, 59) i)::float8[] AS v;
CREATE FUNCTION pg_temp.diff_rows(fn regproc, a jsonb, b jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %1$s($1, $2, $3) EXCEPT ALL SELECT * FROM %1$s($1, $2, $4))
                    UNION ALL (SELECT * FROM %1$s($1, $2, $4) EXCEPT ALL SELECT * FROM %1$s($1, $2, $3))) d', fn)
        INTO n USING (SELECT t FROM series60), (SELECT v FROM series60), a, b;
    RETURN n;
END $$;
-- Causality: scoring the first 40 days alone gives the same rows as scoring all
-- 60 and keeping the first 39 (the 40th is the last point for missing_data).
CREATE FUNCTION pg_temp.prefix_changes(fn regproc, rt jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %1$s($1[1:40], $2[1:40], $3) WHERE ts < $4)
                    EXCEPT ALL (SELECT * FROM %1$s($1, $2, $3) WHERE ts < $4)) d', fn)
        INTO n USING (SELECT t FROM series60), (SELECT v FROM series60), rt, (SELECT t[40] FROM series60);
    RETURN n;
END $$;
SELECT m.method, m.layer,
       pg_temp.diff_rows(m.evaluator::oid::regproc, r.rt, jsonb_strip_nulls(m.param_defaults) || r.rt) AS differ_from_defaults,
       pg_temp.prefix_changes(m.evaluator::oid::regproc, r.rt) AS changed_by_later_points
FROM anomaly.rule_methods m
CROSS JOIN (SELECT '{"frequency": "1 day", "as_of": "2024-03-01", "good_direction": "up"}'::jsonb AS rt) r
WHERE m.builtin AND m.method NOT IN ('min', 'max')
ORDER BY m.layer, m.method;

-- Bad input: clear errors with real SQLSTATEs, never a crash.
\set VERBOSITY terse
SELECT * FROM anomaly.rule_min(pg_temp.days(2), ARRAY[1, 2], '{}');                       -- threshold required
SELECT * FROM anomaly.rule_min(pg_temp.days(2), ARRAY[1, 2], '{"threshold": "five"}');    -- not a number
SELECT * FROM anomaly.rule_zscore(pg_temp.days(2), ARRAY[1, 2], '{"lookback": 1.5}');     -- not an integer
SELECT * FROM anomaly.rule_zscore(pg_temp.days(2), ARRAY[1, 2], '{"lookback": 3, "min_history": 5}');
SELECT * FROM anomaly.rule_zscore(pg_temp.days(3), ARRAY[1, 2], '{}');                    -- lengths differ
SELECT * FROM anomaly.rule_zscore(ARRAY['2024-01-02', '2024-01-01']::timestamptz[], ARRAY[1, 2], '{}');
SELECT * FROM anomaly.rule_zscore(ARRAY['2024-01-02', NULL]::timestamptz[], ARRAY[1, 2], '{}');
SELECT * FROM anomaly.rule_consecutive_direction(pg_temp.days(2), ARRAY[1, 2], '{"moving": "sideways"}');
\set VERBOSITY default
-- Empty input and NULL arguments: no rows.
SELECT count(*) FROM anomaly.rule_mad_zscore('{}', '{}', '{}');
SELECT count(*) FROM anomaly.rule_mad_zscore(NULL, '{1}', '{}');
-- All values equal: zscore is 0 at the same value, +Infinity above it.
SELECT ts::date, score, is_anomaly FROM anomaly.rule_zscore(pg_temp.days(4), ARRAY[7, 7, 7, 9], '{"lookback": 2, "min_history": 2}');

-- Missing-data policies on one series with days 3-4 and 6-9 missing (gaps of 2 and 4):
-- zero fills every gap; previous and interpolate only gaps of at most max_gaps (3).
SELECT p.policy, f.filled_times::date[] AS days, f.filled_vals AS vals
FROM (VALUES ('ignore'), ('zero'), ('previous'), ('interpolate')) AS p(policy)
CROSS JOIN LATERAL anomaly.fill_gaps(ARRAY['2024-01-01', '2024-01-02', '2024-01-05', '2024-01-10']::timestamptz[],
                                     ARRAY[10, 20, 50, 100], '1 day', p.policy, 3) AS f;
