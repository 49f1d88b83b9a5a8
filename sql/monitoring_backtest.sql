-- Backtest: the alerts a rule would have raised over a past range, computed
-- causally as run_checks would have computed them, without writing anything;
-- with labelled alerts, precision and recall against the labels.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA bt;

-- 70 days of sales from 2026-01-01 (day i = 2026-01-01 + i), 100..104
-- otherwise, with planted values: a two-day spike (i = 20, 21), another spike
-- five days later (i = 26), a drop (i = 40), a spike during a promotion
-- (i = 55) and a spike on the last day (i = 69).
CREATE TABLE bt.sales (day date PRIMARY KEY, amount float8);
INSERT INTO bt.sales
SELECT date '2026-01-01' + i,
       CASE i WHEN 20 THEN 200 WHEN 21 THEN 190 WHEN 26 THEN 180 WHEN 40 THEN 30 WHEN 55 THEN 300 WHEN 69 THEN 250
              ELSE 100 + i % 5 END
FROM generate_series(0, 69) AS i;
INSERT INTO anomaly.expected_events (name, during, affected_metrics)
VALUES ('bt promo', tstzrange('2026-02-25', '2026-02-26'), '{bt_sales}');

-- Two rules: a fixed cap (layer 1) and the robust deviation (layer 2).
SELECT anomaly.add_metric('bt_sales', 'bt.sales', 'day', 'amount', '1 day', 'up', default_rules => false) > 0 AS added;
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'cap', 'max', '{"threshold": 150}' FROM anomaly.metrics WHERE name = 'bt_sales';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'robust', 'mad_zscore', '{}' FROM anomaly.metrics WHERE name = 'bt_sales';

-- The cap rule over the whole range, by hand: hits on i = 20, 21 (one
-- incident: consecutive), i = 26 (a new incident: more than
-- auto_resolve_after = 3 periods after i = 21), i = 55 (inside the promotion:
-- suppressed), i = 69.
SELECT first_ts::date, last_ts::date, points, value, expected, direction, status, event_name
FROM anomaly.backtest('bt_sales', 'cap', '2026-01-01', '2026-03-12');

-- Checked as of 2026-03-11 00:00 the last day is not complete yet: it is not
-- scored.
SELECT first_ts::date, last_ts::date, status
FROM anomaly.backtest('bt_sales', 'cap', '2026-01-01', '2026-03-11');

-- A range in the middle: only hits inside it.
SELECT first_ts::date, last_ts::date, points
FROM anomaly.backtest('bt_sales', 'cap', '2026-01-22', '2026-02-20');

-- Nothing was written: no hits, no alerts, no run state.
SELECT (SELECT count(*) FROM anomaly.rule_hits h JOIN anomaly.metrics m ON m.id = h.metric_id WHERE m.name = 'bt_sales') AS hits,
       (SELECT count(*) FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id WHERE m.name = 'bt_sales') AS alerts,
       (SELECT count(*) FROM anomaly.metric_state s JOIN anomaly.metrics m ON m.id = s.metric_id WHERE m.name = 'bt_sales') AS states;

-- Causal: data arriving after the range (and its later corrections) changes
-- nothing inside it.
CREATE TEMP TABLE before_future AS
SELECT * FROM anomaly.backtest('bt_sales', 'robust', '2026-01-01', '2026-03-12');
INSERT INTO bt.sales SELECT date '2026-03-12' + i, 5000 FROM generate_series(0, 9) AS i;
SELECT count(*) AS robust_incidents,
       (SELECT count(*) FROM ((TABLE before_future EXCEPT ALL
                               SELECT * FROM anomaly.backtest('bt_sales', 'robust', '2026-01-01', '2026-03-12'))
                              UNION ALL
                              (SELECT * FROM anomaly.backtest('bt_sales', 'robust', '2026-01-01', '2026-03-12')
                               EXCEPT ALL TABLE before_future)) d) AS changed_by_future_data
FROM before_future;
DELETE FROM bt.sales WHERE day >= '2026-03-12';

-- The same incidents as run_checks logs: a metric with the robust rule only,
-- checked as of the end of the range, against the backtest of that rule.
SELECT anomaly.add_metric('bt_sales_robust', 'bt.sales', 'day', 'amount', '1 day', 'up', default_rules => false) > 0 AS added;
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'robust', 'mad_zscore', '{}' FROM anomaly.metrics WHERE name = 'bt_sales_robust';
CALL anomaly.run_checks(as_of => '2026-03-12', metrics => '{bt_sales_robust}') \gset
SELECT first_ts::date, last_ts::date, points, round(score::numeric, 4) AS score, status, event_name
FROM anomaly.backtest('bt_sales_robust', 'robust', '2026-01-01', '2026-03-12');
SELECT count(*) AS logged,
       count(*) FILTER (WHERE EXISTS (
           SELECT FROM anomaly.backtest('bt_sales_robust', 'robust', '2026-01-01', '2026-03-12') b
           WHERE (b.first_ts, b.last_ts, b.points, b.peak_ts, b.value, b.expected, b.lower, b.upper, b.score, b.direction)
                 IS NOT DISTINCT FROM (l.first_ts, l.last_ts, l.points, l.peak_ts, l.value, l.expected, l.lower, l.upper, l.score, l.direction)
             AND b.status = CASE WHEN l.status = 'suppressed' THEN 'suppressed' ELSE 'alert' END)) AS same_in_backtest
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id WHERE m.name = 'bt_sales_robust';

-- With labels: check bt_sales, then label its alerts: the two-day spike and
-- the drop were real, the spike of i = 26 was not, the last one is unlabelled.
CALL anomaly.run_checks(as_of => '2026-03-12', metrics => '{bt_sales}') \gset
SELECT l.first_ts::date, l.last_ts::date, l.status, (anomaly.label(l.id, x.label)).label
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
JOIN (VALUES (date '2026-01-21', 'true_positive'), ('2026-01-27', 'false_positive'), ('2026-02-10', 'true_positive')) AS x(day, label)
  ON l.first_ts::date = x.day
WHERE m.name = 'bt_sales'
ORDER BY l.first_ts;
-- The cap rule catches the spike, not the drop: recall 1/2; of its labelled
-- alerts one is right: precision 1/2; the suppressed promotion does not count.
SELECT first_ts::date, status, label FROM anomaly.backtest('bt_sales', 'cap', '2026-01-01', '2026-03-12');
SELECT round(weeks::numeric, 1) AS weeks, alerts, suppressed, round(alerts_per_week::numeric, 3) AS alerts_per_week,
       true_positive_labels, true_positives_found, alerts_on_true_positives, alerts_on_false_labels,
       unlabelled_alerts, precision, recall
FROM anomaly.backtest_summary('bt_sales', 'cap', '2026-01-01', '2026-03-12');
-- The robust rule sees both.
SELECT alerts, true_positives_found, alerts_on_false_labels, precision, recall
FROM anomaly.backtest_summary('bt_sales', 'robust', '2026-01-01', '2026-03-12');
-- Without labels in the range, precision and recall are unknown (NULL).
SELECT alerts, true_positive_labels, precision, recall
FROM anomaly.backtest_summary('bt_sales', 'cap', '2026-03-01', '2026-03-12');

-- A metric with dimension columns: one series per region, incidents per series.
CREATE TABLE bt.regional (day date, region text, amount float8);
INSERT INTO bt.regional
SELECT date '2026-01-01' + i, r, CASE WHEN (r, i) IN (('EU', 30), ('US', 12), ('US', 13)) THEN 400 ELSE 100 END
FROM generate_series(0, 39) AS i, unnest(ARRAY['EU', 'US']) AS r;
SELECT anomaly.add_metric('bt_regional', 'bt.regional', 'day', 'amount', '1 day', 'up',
                          dimension_columns => '{region}', default_rules => false) > 0 AS added;
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'cap', 'max', '{"threshold": 150}' FROM anomaly.metrics WHERE name = 'bt_regional';
SELECT series, first_ts::date, last_ts::date, points
FROM anomaly.backtest('bt_regional', 'cap', '2026-01-01', '2026-02-10');

-- Errors.
SELECT * FROM anomaly.backtest('no_such_metric', 'cap', '2026-01-01', '2026-03-12');
SELECT * FROM anomaly.backtest('bt_sales', 'no such rule', '2026-01-01', '2026-03-12');
SELECT * FROM anomaly.backtest('bt_sales', 'cap', '2026-03-12', '2026-01-01');
SELECT * FROM anomaly.backtest('bt_sales', 'cap', '-infinity', '2026-01-01');
SELECT * FROM anomaly.backtest_summary('bt_sales', NULL, '2026-01-01', '2026-03-12');

-- Clean up.
DELETE FROM anomaly.metrics WHERE name IN ('bt_sales', 'bt_sales_robust', 'bt_regional');
DELETE FROM anomaly.expected_events WHERE name = 'bt promo';
DELETE FROM anomaly.alert_audit a WHERE NOT EXISTS (SELECT FROM anomaly.metrics m WHERE m.id = a.metric_id);
DROP SCHEMA bt CASCADE;
