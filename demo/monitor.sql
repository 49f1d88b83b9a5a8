-- make demo: the monitoring layer on the demo metrics. Needs
-- demo/demo_data.sql loaded (and runs after demo/report.sql).
--
--   1. registers every demo metric with anomaly.add_metric (one shared table,
--      a filter per metric, the default layered rules) and the two Black
--      Fridays as known events that suppress alerts on revenue and orders;
--   2. CALL anomaly.run_checks(as_of => the day after the last demo day);
--   3. prints the open alerts (anomaly.open_alerts), the health of each
--      metric (anomaly.metric_health), and how the logged incidents
--      (anomaly.alert_history) match the planted anomalies.
-- Then run_demo.sh writes the HTML report (demo/report_html.sql) and
-- installs the pg_cron schedule (demo/schedule.sql): the report shows the
-- alerts of the demo data, not those of a scheduled run as of today.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\pset footer off
\pset null ''

-- A second make demo on the same database starts the monitoring from scratch.
DELETE FROM anomaly.metrics WHERE name IN (SELECT metric FROM demo.metrics);
DELETE FROM anomaly.expected_events WHERE name LIKE 'demo: %';

-- Which way is good, per metric (moves the good way are logged as info).
SELECT count(anomaly.add_metric(m.metric, 'demo.daily_metrics', 'day', 'value', '1 day',
                                good_direction => CASE WHEN m.metric IN ('churned_customers', 'cart_abandonment_rate', 'refunds',
                                                                         'support_tickets', 'cac', 'page_errors', 'api_latency_ms',
                                                                         'checkout_failures') THEN 'down'
                                                       WHEN m.metric = 'ad_spend' THEN 'both'
                                                       ELSE 'up' END,
                                filter => jsonb_build_object('metric', m.metric),
                                description => m.description)) AS n_registered
FROM demo.metrics m \gset
INSERT INTO anomaly.expected_events (name, during, affected_metrics, expected_impact)
VALUES ('demo: Black Friday 2023', tstzrange('2023-11-24', '2023-11-25'), '{revenue,orders}', 'revenue and orders about 2x'),
       ('demo: Black Friday 2024', tstzrange('2024-11-29', '2024-11-30'), '{revenue,orders}', 'revenue and orders about 2x');
SELECT count(*) AS n_rules FROM anomaly.rules r JOIN anomaly.metrics m ON m.id = r.metric_id
WHERE m.name IN (SELECT metric FROM demo.metrics) \gset
SELECT (max(day) + 1)::text AS as_of, max(day)::text AS last_day FROM demo.daily_metrics \gset

SELECT format('== Monitoring layer: %s metrics registered with anomaly.add_metric (%s default rules), 2 known events;',
              :n_registered, :n_rules) AS line1,
       format('   CALL anomaly.run_checks(as_of => %L) checks all of their history:', :'as_of') AS line2 \gset
\echo
\echo :line1
\echo :line2
CALL anomaly.run_checks(as_of => :'as_of') \gset
SELECT :metrics_checked AS metrics_checked, :points_scored AS points_scored, :alerts_opened AS alerts_opened,
       :suppressed AS suppressed, :auto_resolved AS auto_resolved, :metrics_failed AS metrics_failed,
       :'duration'::interval AS duration;


\echo
\echo '== Open alerts (SELECT * FROM anomaly.open_alerts), most severe first:'
SELECT metric, severity, first_ts::date AS first_day, last_ts::date AS last_day, points,
       array_to_string(rules, ', ') AS rules, left(message, 100) AS message
FROM anomaly.open_alerts
WHERE metric IN (SELECT metric FROM demo.metrics)
ORDER BY CASE severity WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END, metric, first_ts;

\echo '== Metric health (SELECT * FROM anomaly.metric_health), with the incidents logged over the 2 years:'
SELECT h.metric, h.last_point_ts::date AS last_day, h.warming_up, h.open_alerts,
       count(a.alert_id) FILTER (WHERE a.status <> 'suppressed') AS incidents,
       count(a.alert_id) FILTER (WHERE a.severity = 'critical' AND a.status <> 'suppressed') AS critical,
       count(a.alert_id) FILTER (WHERE a.status = 'suppressed') AS suppressed
FROM anomaly.metric_health h
LEFT JOIN anomaly.alert_history a ON a.metric = h.metric
WHERE h.metric IN (SELECT metric FROM demo.metrics)
GROUP BY h.metric, h.last_point_ts, h.warming_up, h.open_alerts
ORDER BY h.metric;

-- Planted anomalies against the logged incidents: found when an incident of
-- the metric (warning or critical, or suppressed by a known event) covers the
-- day (a level shift: within its first week).
SELECT count(*) AS n_planted,
       count(*) FILTER (WHERE EXISTS (
           SELECT FROM anomaly.alert_history a
           WHERE a.metric = p.metric AND (a.severity <> 'info' OR a.status = 'suppressed')
             AND a.first_ts::date <= p.day + CASE WHEN p.kind = 'level_shift' THEN 6 ELSE 0 END
             AND a.last_ts::date >= p.day)) AS n_found
FROM demo.planted_anomalies p \gset
SELECT count(*) AS n_incidents, count(*) FILTER (WHERE severity <> 'info' AND status <> 'suppressed') AS n_warn
FROM anomaly.alert_history WHERE metric IN (SELECT metric FROM demo.metrics) \gset
SELECT format('== The default rules found %s of %s planted anomalies (a warning or critical incident, or a suppressed one, on the day;',
              :n_found, :n_planted) AS line1,
       format('   a level shift within its first week), in %s logged incidents (%s warning or critical).', :n_incidents, :n_warn) AS line2 \gset
\echo :line1
\echo :line2
\echo '   Tune them from feedback: SELECT anomaly.label(alert_id, ''false_positive''); then SELECT * FROM anomaly.tune(''revenue'');'
\echo '   Replay a rule: SELECT * FROM anomaly.backtest(''revenue'', ''deviation'', ''2024-01-01'', ''2025-01-01'');'
