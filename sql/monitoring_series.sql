-- Series of a metric: dimensions (one series per value combination, with a
-- cap), a shared table read through a row filter, missing-data policies, cold
-- start, a level shift accepted as the new normal, minimum deviations.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET extra_float_digits = 0;

CREATE SCHEMA sales;
-- Daily revenue per region in one shared table with other metrics' rows.
CREATE TABLE sales.facts (kind text, region text, day date, amount float8);
INSERT INTO sales.facts
SELECT k.kind, r.region, d::date,
       CASE WHEN r.region = 'EU' AND d::date = '2024-02-20' THEN 300 ELSE 1000 + ((i * 37) % 11 - 5) * 8 END
         * CASE k.kind WHEN 'revenue' THEN 1 ELSE 0.01 END
FROM generate_series(timestamp '2024-01-01', '2024-02-25', '1 day') WITH ORDINALITY AS g(d, i)
CROSS JOIN (VALUES ('EU'), ('US')) AS r(region)
CROSS JOIN (VALUES ('revenue'), ('refunds')) AS k(kind);

-- 1. Dimensions: one series per region; the filter keeps only revenue rows.
SELECT anomaly.add_metric('regional_revenue', 'sales.facts', 'day', 'amount', good_direction => 'up',
                          dimension_columns => ARRAY['region'], filter => '{"kind": "revenue"}') > 0 AS added;
SELECT * FROM anomaly.check_metric('regional_revenue', '2024-02-26 06:00+00');
-- Only the EU series alerts, and the alert names its series.
SELECT series, first_ts::date, status, round(value) AS value, message FROM anomaly.alert_history WHERE metric = 'regional_revenue';
SELECT metric, series, warming_up FROM anomaly.metric_health WHERE metric = 'regional_revenue';

-- 2. The cap on series per metric: a clear error naming the metric and the cap.
UPDATE anomaly.metrics SET max_series = 1 WHERE name = 'regional_revenue';
\set VERBOSITY terse
SELECT * FROM anomaly.check_metric('regional_revenue', '2024-02-27 06:00+00');
\set VERBOSITY default
-- run_checks goes on with the other metrics and records the failure.
\o /dev/null
CALL anomaly.run_checks('2024-02-27 06:00+00', ARRAY['regional_revenue']);
\o
SELECT metric, last_error FROM anomaly.metric_health WHERE metric = 'regional_revenue';
UPDATE anomaly.metrics SET max_series = 100 WHERE name = 'regional_revenue';
-- A dimension-filtered event suppresses the EU series only.
DELETE FROM anomaly.anomaly_log WHERE metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'regional_revenue');
DELETE FROM anomaly.rule_hits WHERE metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'regional_revenue');
DELETE FROM anomaly.metric_state WHERE metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'regional_revenue');
INSERT INTO sales.facts VALUES ('revenue', 'US', '2024-02-26', 200), ('revenue', 'EU', '2024-02-26', 200);
INSERT INTO anomaly.expected_events (name, during, affected_metrics, dimension_filter)
VALUES ('EU bank holiday', '[2024-02-26, 2024-02-27)', ARRAY['regional_revenue'], '{"region": "EU"}');
SELECT * FROM anomaly.check_metric('regional_revenue', '2024-02-27 06:00+00');
SELECT series, first_ts::date, status, event_name FROM anomaly.alert_history
WHERE metric = 'regional_revenue' ORDER BY first_ts, series::text;
DELETE FROM anomaly.expected_events;

-- 3. Missing data: a metric with days missing. With policy "zero" the missing
-- days count as 0 and the zero-day rule fires; with "ignore" (the default)
-- they are skipped; with "interpolate" they are filled between neighbours.
CREATE TABLE sales.gappy (day date, amount float8);
INSERT INTO sales.gappy SELECT d::date, 100 + (i % 3) FROM generate_series(timestamp '2024-01-01', '2024-01-20', '1 day') WITH ORDINALITY AS g(d, i)
WHERE d::date NOT IN ('2024-01-12', '2024-01-13');
SELECT anomaly.add_metric('gappy_' || p, 'sales.gappy', 'day', 'amount', good_direction => 'up', missing_data => p) > 0 AS added
FROM unnest(ARRAY['ignore', 'zero', 'interpolate']) AS p;
\o /dev/null
CALL anomaly.run_checks('2024-01-21 06:00+00', ARRAY['gappy_ignore', 'gappy_zero', 'gappy_interpolate']);
\o
SELECT metric, first_ts::date, last_ts::date, status, jsonb_path_query_array(rules, '$[*].name') AS rules
FROM anomaly.alert_history WHERE metric LIKE 'gappy%' ORDER BY metric, first_ts;

-- 4. Cold start: a new metric with 5 days. Layer 1 rules work from the first
-- point (a min bound catches day 3); the deviation and trend rules stay silent
-- and the metric reports warming_up.
CREATE TABLE sales.signups (day date, n int);
INSERT INTO sales.signups VALUES ('2024-01-01', 50), ('2024-01-02', 52), ('2024-01-03', 5), ('2024-01-04', 51), ('2024-01-05', 49);
SELECT anomaly.add_metric('signups', 'sales.signups', 'day', 'n', good_direction => 'up') > 0 AS added;
INSERT INTO anomaly.rules (metric_id, name, method, params, severity)
SELECT id, 'at least 10', 'min', '{"threshold": 10}', 'critical' FROM anomaly.metrics WHERE name = 'signups';
SELECT * FROM anomaly.check_metric('signups', '2024-01-06 06:00+00');
SELECT first_ts::date, status, jsonb_path_query_array(rules, '$[*].name') AS rules, message
FROM anomaly.alert_history WHERE metric = 'signups';
SELECT metric, warming_up, warmup_needed FROM anomaly.metric_health WHERE metric = 'signups';

-- 5. A level shift that persists: the alert stays open while the robust
-- baseline still remembers the old level; accepting it as the new normal
-- resolves it and the rules restart from the new level.
CREATE TABLE sales.traffic (day date, visits float8);
INSERT INTO sales.traffic SELECT d::date, CASE WHEN i <= 40 THEN 100 ELSE 160 END + (i * 7) % 5
FROM generate_series(timestamp '2024-01-01', '2024-02-14', '1 day') WITH ORDINALITY AS g(d, i);
SELECT anomaly.add_metric('traffic', 'sales.traffic', 'day', 'visits', good_direction => 'up', default_rules => false) > 0 AS added;
INSERT INTO anomaly.rules (metric_id, name, method, params, severity)
SELECT id, 'deviation', 'mad_zscore', '{"lookback": 14}', 'warning' FROM anomaly.metrics WHERE name = 'traffic';
SELECT * FROM anomaly.check_metric('traffic', '2024-02-15 06:00+00');
SELECT first_ts::date, last_ts::date, points, status FROM anomaly.open_alerts WHERE metric = 'traffic';
SELECT status, resolution FROM anomaly.accept_new_normal((SELECT alert_id FROM anomaly.open_alerts WHERE metric = 'traffic'), 'new pricing page');
INSERT INTO sales.traffic SELECT d::date, 160 + (i * 7) % 5 FROM generate_series(timestamp '2024-02-15', '2024-02-25', '1 day') WITH ORDINALITY AS g(d, i);
SELECT * FROM anomaly.check_metric('traffic', '2024-02-26 06:00+00');
SELECT count(*) AS open FROM anomaly.open_alerts WHERE metric = 'traffic';
SELECT metric, warming_up FROM anomaly.metric_health WHERE metric = 'traffic';

-- 6. Minimum deviation: a tiny metric (2 or 3 a day) jumping to 6 is a huge
-- z-score but only +3; with min_abs_deviation 5 the rule stays quiet, with
-- min_pct_deviation 50 it still fires (6 vs the median 2.5: +140 %), with 150 it does not.
CREATE TABLE sales.tiny (day date, n int);
INSERT INTO sales.tiny SELECT d::date, CASE WHEN i = 30 THEN 6 ELSE 2 + i % 2 END
FROM generate_series(timestamp '2024-01-01', '2024-01-31', '1 day') WITH ORDINALITY AS g(d, i);
SELECT anomaly.add_metric('tiny_' || k, 'sales.tiny', 'day', 'n', default_rules => false) > 0 AS added
FROM unnest(ARRAY['plain', 'abs5', 'pct50', 'pct150']) AS k;
INSERT INTO anomaly.rules (metric_id, name, method, min_abs_deviation, min_pct_deviation)
SELECT m.id, 'deviation', 'mad_zscore', x.a, x.p
FROM anomaly.metrics m JOIN (VALUES ('tiny_plain', 0, 0), ('tiny_abs5', 5, 0), ('tiny_pct50', 0, 50), ('tiny_pct150', 0, 150)) AS x(name, a, p)
  ON x.name = m.name;
\o /dev/null
CALL anomaly.run_checks('2024-02-01 06:00+00', ARRAY['tiny_plain', 'tiny_abs5', 'tiny_pct50', 'tiny_pct150']);
\o
SELECT m.name AS metric, count(l.id) AS alerts, max(l.value) AS value, max(l.expected) AS expected
FROM anomaly.metrics m LEFT JOIN anomaly.anomaly_log l ON l.metric_id = m.id
WHERE m.name LIKE 'tiny%' GROUP BY m.name ORDER BY m.name;

-- Clean up.
DELETE FROM anomaly.metrics WHERE name IN ('regional_revenue', 'gappy_ignore', 'gappy_zero', 'gappy_interpolate', 'signups', 'traffic',
                                           'tiny_plain', 'tiny_abs5', 'tiny_pct50', 'tiny_pct150');
DROP SCHEMA sales CASCADE;
