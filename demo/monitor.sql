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

-- Planted anomalies against the logged incidents (an incident of the metric on
-- the day; a level shift: within its first week). Each planted anomaly is
-- one of: alerted (a warning or critical incident); logged as info (only info
-- incidents: the move was the metric's good direction, or only the layer-3
-- rule saw it); expected (the day is in a known event of the metric); missed.
CREATE TEMP VIEW planted_vs_incidents AS
SELECT p.metric, p.day, p.kind, p.factor,
       CASE WHEN ev.name IS NOT NULL THEN 'expected'
            WHEN bool_or(a.severity <> 'info' AND a.status <> 'suppressed') THEN 'alerted'
            WHEN bool_or(a.alert_id IS NOT NULL) THEN 'logged as info'
            ELSE 'missed' END AS outcome,
       coalesce(ev.name, string_agg(DISTINCT r ->> 'name', ', ')) AS why
FROM demo.planted_anomalies p
-- the events the deviation rule was given (recurring ones and those on every metric included)
LEFT JOIN LATERAL (SELECT anomaly.rule_metric_events(p.metric, p.day::timestamptz, (p.day + 1)::timestamptz)
                          -> 0 ->> 'name' AS name) ev ON true
LEFT JOIN anomaly.alert_history a
       ON a.metric = p.metric
      AND a.first_ts::date <= p.day + CASE WHEN p.kind = 'level_shift' THEN 6 ELSE 0 END
      AND a.last_ts::date >= p.day
LEFT JOIN LATERAL jsonb_array_elements(a.rules) r ON true
GROUP BY p.metric, p.day, p.kind, p.factor, ev.name;
SELECT count(*) AS n_planted,
       count(*) FILTER (WHERE outcome = 'alerted') AS n_alerted,
       count(*) FILTER (WHERE outcome = 'logged as info') AS n_info_found,
       count(*) FILTER (WHERE outcome = 'expected') AS n_expected,
       count(*) FILTER (WHERE outcome = 'missed') AS n_missed
FROM planted_vs_incidents \gset
SELECT count(*) AS n_incidents, count(*) FILTER (WHERE severity <> 'info' AND status <> 'suppressed') AS n_warn,
       count(*) FILTER (WHERE severity = 'info' AND status <> 'suppressed') AS n_info
FROM anomaly.alert_history WHERE metric IN (SELECT metric FROM demo.metrics) \gset
\echo
SELECT format('== The %s planted anomalies against the incidents the default rules logged (%s: %s warning or critical, %s info):',
              :n_planted, :n_incidents, :n_warn, :n_info) AS line1,
       format('   %s alerted (a warning or critical incident on the day; a level shift: in its first week), %s logged as info,',
              :n_alerted, :n_info_found) AS line2,
       format('   %s expected (on a known event of the metric), %s missed. The ones not alerted:', :n_expected, :n_missed) AS line3 \gset
\echo :line1
\echo :line2
\echo :line3
SELECT outcome, metric, day, kind, CASE WHEN kind = 'zero' THEN NULL ELSE factor END AS factor, why
FROM planted_vs_incidents WHERE outcome <> 'alerted'
ORDER BY CASE outcome WHEN 'logged as info' THEN 1 WHEN 'expected' THEN 2 ELSE 3 END, metric, day;
\echo '   logged as info: the metric moved its good way (good_direction: its deviation rule logs that as info) or only'
\echo '   the layer-3 level-shift rule (info) saw it. expected: the deviation rule models the metric''s known events'
\echo '   (anomaly.expected_events) and never calls them anomalies; other rules'' incidents on them are logged as suppressed.'
\echo '   Tune them from feedback: SELECT anomaly.label(alert_id, ''false_positive''); then SELECT * FROM anomaly.tune(''revenue'');'
\echo '   Replay a rule: SELECT * FROM anomaly.backtest(''revenue'', ''deviation'', ''2024-01-01'', ''2025-01-01'');'
