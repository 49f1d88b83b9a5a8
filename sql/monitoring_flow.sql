-- The monitoring flow of a data engineer, end to end, from SQL alone: a daily
-- revenue table with known anomalies, a promotion in the known-events
-- calendar, a partial current day and a late correction. Time is fixed with
-- run_checks(as_of => ...) so the story is reproducible.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET extra_float_digits = 0;

-- run_checks as this story calls it: its summary without the duration (which varies).
CREATE PROCEDURE pg_temp.run_checks(as_of timestamptz, metrics text[],
        INOUT metrics_checked int DEFAULT NULL, INOUT points_scored bigint DEFAULT NULL,
        INOUT alerts_opened int DEFAULT NULL, INOUT alerts_extended int DEFAULT NULL,
        INOUT suppressed int DEFAULT NULL, INOUT auto_resolved int DEFAULT NULL, INOUT metrics_failed int DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE d interval;
BEGIN
    CALL anomaly.run_checks(as_of, metrics, metrics_checked, points_scored, alerts_opened, alerts_extended,
                            suppressed, auto_resolved, metrics_failed, d);
END $$;

CREATE SCHEMA shop;
CREATE TABLE shop.daily_revenue (day date PRIMARY KEY, amount numeric NOT NULL);
-- 2024-01-01 .. 2024-03-20: about 1000 with a deterministic wiggle of +/- 40;
-- planted: a drop to 400 on Feb 14, zero on Mar 5, the
-- spring sale (1800) on Mar 15. Mar 19 arrives incomplete (300) and is
-- corrected later; Mar 21 is today: its partial amount must never alert.
INSERT INTO shop.daily_revenue
SELECT d::date,
       CASE d::date WHEN '2024-02-14' THEN 400 WHEN '2024-03-05' THEN 0 WHEN '2024-03-15' THEN 1800
                    WHEN '2024-03-19' THEN 300 WHEN '2024-03-21' THEN 120
            ELSE 1000 + ((i * 37) % 11 - 5) * 8 END
FROM generate_series(timestamp '2024-01-01', '2024-03-21', '1 day') WITH ORDINALITY AS g(d, i);

-- 1. Register the metric. It gets the default layered rules.
SELECT anomaly.add_metric('revenue', source => 'shop.daily_revenue'::regclass, time_column => 'day',
                          value_column => 'amount', frequency => '1 day', good_direction => 'up',
                          related_metrics => ARRAY['orders', 'sessions']) > 0 AS added;
SELECT rule, layer, method, threshold, lookback, severity, direction
FROM anomaly.rule_catalog WHERE metric = 'revenue' ORDER BY layer, rule;
-- A template from the library adds a business rule.
SELECT anomaly.apply_template('revenue', 'revenue_drop') > 0 AS applied;
SELECT rule, method, threshold, severity, direction, min_pct_deviation, template
FROM anomaly.rule_catalog WHERE metric = 'revenue' AND template IS NOT NULL;

-- 2. The spring sale is a known event: its anomalies are logged, not alerted.
INSERT INTO anomaly.expected_events (name, during, affected_metrics, expected_impact)
VALUES ('spring sale', '[2024-03-15, 2024-03-16)', ARRAY['revenue'], 'revenue about +80 %');

-- 3. First run, on the morning of Mar 21: Mar 20 is the last complete day.
CALL pg_temp.run_checks('2024-03-21 06:00+00', ARRAY['revenue']);

-- One row per incident: the zero day is one alert although three rules fired.
SELECT metric, first_ts::date, last_ts::date, status, severity, jsonb_path_query_array(rules, '$[*].name') AS rules, round(value::numeric) AS value,
       round(expected::numeric) AS expected, round(deviation_pct::numeric, 1) AS deviation_pct, direction, event_name
FROM anomaly.alert_history WHERE metric = 'revenue' ORDER BY first_ts;
-- The rendered message and playbook of the open alert.
SELECT message, playbook FROM anomaly.open_alerts WHERE metric = 'revenue';
-- Today's partial revenue (Mar 21, 120) was not looked at.
SELECT watermark::date, last_point_ts::date FROM anomaly.metric_health WHERE metric = 'revenue';

-- 4. Running again at the same time changes nothing.
CREATE TEMP TABLE log_before AS SELECT * FROM anomaly.anomaly_log;
CALL pg_temp.run_checks('2024-03-21 06:00+00', ARRAY['revenue']);
SELECT count(*) AS changed_rows FROM (
    (SELECT * FROM anomaly.anomaly_log EXCEPT SELECT * FROM log_before)
    UNION ALL (SELECT * FROM log_before EXCEPT SELECT * FROM anomaly.anomaly_log)) AS d;

-- 5. Late data: the loader corrects Mar 19 and delivers Mar 21 in full. The next
-- morning's run re-checks the last days: the Mar 19 alert came from incomplete
-- data and goes away (audited as removed).
UPDATE shop.daily_revenue SET amount = 1004 WHERE day = '2024-03-19';
UPDATE shop.daily_revenue SET amount = 996 WHERE day = '2024-03-21';
CALL pg_temp.run_checks('2024-03-22 06:00+00', ARRAY['revenue']);
SELECT first_ts::date, status, severity FROM anomaly.alert_history WHERE metric = 'revenue' ORDER BY first_ts;

-- 6. Three more normal days: the zero-day alert of Mar 5 was auto-resolved long
-- ago (3 normal days after it); nothing is open now.
INSERT INTO shop.daily_revenue VALUES ('2024-03-22', 1010), ('2024-03-23', 990), ('2024-03-24', 1005);
CALL pg_temp.run_checks('2024-03-25 06:00+00', ARRAY['revenue']);
SELECT count(*) AS open FROM anomaly.open_alerts WHERE metric = 'revenue';

-- 7. A new drop opens an alert; the next day's drop extends it instead of
-- opening a second one.
INSERT INTO shop.daily_revenue VALUES ('2024-03-25', 350);
CALL pg_temp.run_checks('2024-03-26 06:00+00', ARRAY['revenue']);
INSERT INTO shop.daily_revenue VALUES ('2024-03-26', 330);
CALL pg_temp.run_checks('2024-03-27 06:00+00', ARRAY['revenue']);
SELECT first_ts::date, last_ts::date, points, status, severity, rules FROM anomaly.open_alerts WHERE metric = 'revenue';

-- 8. Lifecycle: acknowledge, escalate, resolve, label; every change is audited.
SELECT status FROM anomaly.acknowledge((SELECT alert_id FROM anomaly.open_alerts WHERE metric = 'revenue'), 'looking at the checkout');
SELECT status FROM anomaly.escalate((SELECT alert_id FROM anomaly.open_alerts WHERE metric = 'revenue'), 'payments provider down');
-- Forbidden transitions, bad labels and unknown alerts are errors (22023).
\set VERBOSITY sqlstate
SELECT status FROM anomaly.acknowledge((SELECT alert_id FROM anomaly.open_alerts WHERE metric = 'revenue'));
SELECT status FROM anomaly.label((SELECT alert_id FROM anomaly.open_alerts WHERE metric = 'revenue'), 'maybe');
SELECT status FROM anomaly.resolve(-1);
\set VERBOSITY default
SELECT status, resolution FROM anomaly.resolve((SELECT alert_id FROM anomaly.open_alerts WHERE metric = 'revenue'), 'provider fixed the outage');
SELECT label, label_note FROM anomaly.label((SELECT alert_id FROM anomaly.alert_history WHERE metric = 'revenue' AND first_ts = '2024-03-25'),
                                            'true_positive', 'real outage');
SELECT label FROM anomaly.label((SELECT alert_id FROM anomaly.alert_history WHERE metric = 'revenue' AND first_ts = '2024-02-14'),
                                'false_positive', 'Valentine''s day is always low');
SELECT a.action, a.old_status, a.new_status, a.label, a.note
FROM anomaly.alert_audit a JOIN anomaly.alert_history h ON h.alert_id = a.alert_id
WHERE h.metric = 'revenue' AND h.first_ts = '2024-03-25' ORDER BY a.id;
-- A resolved alert stays resolved when the next run sees the same points again.
INSERT INTO shop.daily_revenue VALUES ('2024-03-27', 990);
CALL pg_temp.run_checks('2024-03-28 06:00+00', ARRAY['revenue']);
SELECT first_ts::date, status FROM anomaly.alert_history WHERE metric = 'revenue' AND first_ts = '2024-03-25';

-- 9. The BI views.
SELECT metric, series, warming_up, open_alerts, alerts_4w, false_alarms_4w, last_error,
       last_point_ts::date, last_value
FROM anomaly.metric_health WHERE metric = 'revenue';
SELECT metric, week, alerts, suppressed, labelled, true_positives, false_alarms, precision
FROM anomaly.alert_stats_weekly WHERE metric = 'revenue' ORDER BY week;

-- 10. Recurring events: entered once, they occur every year.
INSERT INTO anomaly.expected_events (name, during, recurrence, suppress_alerts) VALUES
    ('christmas', '[2023-12-24, 2023-12-27)', 'yearly', true),
    ('thanksgiving', '[2023-11-23, 2023-11-25)', 'nth_weekday', true),   -- 4th Thursday of November
    ('memorial day', '[2023-05-29, 2023-05-30)', 'last_weekday', false);  -- last Monday of May
SELECT name, during FROM anomaly.event_occurrences('2024-01-01', '2025-12-31')
WHERE name <> 'spring sale' ORDER BY lower(during);
SELECT anomaly.suppressing_event('revenue', '{}', '2025-11-27 12:00+00') AS thanksgiving_2025,
       anomaly.suppressing_event('revenue', '{}', '2025-05-26 12:00+00') AS memorial_day_does_not_suppress;
DELETE FROM anomaly.expected_events WHERE recurrence <> 'none';

-- 11. Rules are validated when written, with the reason.
\set VERBOSITY terse
INSERT INTO anomaly.rules (metric_id, name, method) SELECT id, 'x', 'prophet' FROM anomaly.metrics WHERE name = 'revenue';
INSERT INTO anomaly.rules (metric_id, name, method, params) SELECT id, 'x', 'mad_zscore', '{"treshold": 3}' FROM anomaly.metrics WHERE name = 'revenue';
INSERT INTO anomaly.rules (metric_id, name, method, params) SELECT id, 'x', 'mad_zscore', '{"threshold": -1}' FROM anomaly.metrics WHERE name = 'revenue';
INSERT INTO anomaly.rules (metric_id, name, method, params) SELECT id, 'x', 'max', '{}' FROM anomaly.metrics WHERE name = 'revenue';
INSERT INTO anomaly.rules (metric_id, name, method, layer) SELECT id, 'x', 'zscore', 1 FROM anomaly.metrics WHERE name = 'revenue';
INSERT INTO anomaly.rules (metric_id, name, method, params) SELECT id, 'x', 'zscore', '{"from": "2024-01-01"}' FROM anomaly.metrics WHERE name = 'revenue';
UPDATE anomaly.rules SET params = '{"history_periods": 0}' WHERE method = 'ensemble_anomaly' AND name = 'deviation';
SELECT anomaly.apply_template('revenue', 'revenue_explosion');
SELECT anomaly.add_metric('bad', 'shop.daily_revenue', 'day', 'no_such_column');
SELECT anomaly.add_metric('bad', 'shop.daily_revenue', 'amount', 'amount');
\set VERBOSITY default

-- 12. A new rule method is one function plus one row: run_checks needs no change.
-- "above_double": a value above twice the previous one.
CREATE FUNCTION public.rule_above_double(times timestamptz[], vals float8[], params jsonb)
RETURNS TABLE(ts timestamptz, value float8, expected float8, lower float8, upper float8, score float8, is_anomaly bool)
LANGUAGE sql STABLE
AS $$
    SELECT t, v, 2 * p, NULL::float8, 2 * p, v / p, v > 2 * p
    FROM (SELECT t, v, lag(v) OVER (ORDER BY t) AS p FROM unnest(times, vals) AS u(t, v)) AS s
    ORDER BY t
$$;
INSERT INTO anomaly.rule_methods (method, layer, evaluator, history, description, formula)
VALUES ('above_double', 2, 'public.rule_above_double(timestamptz[], float8[], jsonb)', 'frequency',
        'Value above twice the previous one.', 'value > 2 * previous value');
CREATE TABLE shop.orders (day date, n int);
INSERT INTO shop.orders VALUES ('2024-03-01', 10), ('2024-03-02', 11), ('2024-03-03', 25), ('2024-03-04', 12);
SELECT anomaly.add_metric('orders', 'shop.orders', 'day', 'n', default_rules => false) > 0 AS added;
INSERT INTO anomaly.rules (metric_id, name, method) SELECT id, 'doubled', 'above_double' FROM anomaly.metrics WHERE name = 'orders';
CALL pg_temp.run_checks('2024-03-05 00:00+00', ARRAY['orders']);
SELECT metric, first_ts::date, jsonb_path_query_array(rules, '$[*].method') AS methods, value, expected, message FROM anomaly.alert_history WHERE metric = 'orders';
-- An evaluator without the common signature is refused.
\set VERBOSITY terse
INSERT INTO anomaly.rule_methods (method, layer, evaluator, description, formula)
VALUES ('broken', 2, 'anomaly.mad_zscore(float8[], int4, int4)', 'x', 'x');
\set VERBOSITY default

-- Clean up.
DELETE FROM anomaly.metrics WHERE name IN ('revenue', 'orders');
DELETE FROM anomaly.expected_events;
DELETE FROM anomaly.rule_methods WHERE method = 'above_double';
DROP FUNCTION public.rule_above_double(timestamptz[], float8[], jsonb);
DROP SCHEMA shop CASCADE;
