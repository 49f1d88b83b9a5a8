---------------------------------------------------------------------------
-- Monitoring layer, part 7: views for BI tools. Stable column names, each
-- commented. Every view shows only the metrics whose source the querying
-- role may SELECT (has_table_privilege, evaluated for the querying role),
-- and is a security_barrier view so no function in a user's WHERE clause
-- sees the hidden rows.
---------------------------------------------------------------------------

CREATE VIEW anomaly.open_alerts WITH (security_barrier) AS
SELECT l.id AS alert_id, m.name AS metric, l.series, l.status, l.severity, l.first_ts, l.last_ts, l.points,
       l.value, l.expected, l.lower, l.upper, l.score, l.deviation_pct, l.direction,
       (SELECT pg_catalog.array_agg(r ->> 'name' ORDER BY (r ->> 'id')::int) FROM pg_catalog.jsonb_array_elements(l.rules) AS r) AS rules,
       (SELECT pg_catalog.array_agg(DISTINCT (r ->> 'layer')::int) FROM pg_catalog.jsonb_array_elements(l.rules) AS r) AS layers,
       l.message, l.playbook, l.created_at, l.updated_at
FROM anomaly.anomaly_log l
JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE l.status IN ('triggered', 'investigating', 'escalated')
  AND pg_catalog.has_table_privilege(m.source, 'SELECT');

COMMENT ON VIEW anomaly.open_alerts IS 'Alerts still open (triggered, investigating, escalated), of the metrics whose source you can read.';
COMMENT ON COLUMN anomaly.open_alerts.alert_id IS 'Alert id (for acknowledge, escalate, resolve, label, accept_new_normal).';
COMMENT ON COLUMN anomaly.open_alerts.metric IS 'Metric name.';
COMMENT ON COLUMN anomaly.open_alerts.series IS 'Dimension values of the series ({} without dimensions).';
COMMENT ON COLUMN anomaly.open_alerts.status IS 'triggered, investigating or escalated.';
COMMENT ON COLUMN anomaly.open_alerts.severity IS 'critical, warning or info.';
COMMENT ON COLUMN anomaly.open_alerts.first_ts IS 'First anomalous point.';
COMMENT ON COLUMN anomaly.open_alerts.last_ts IS 'Last anomalous point.';
COMMENT ON COLUMN anomaly.open_alerts.points IS 'Number of anomalous points.';
COMMENT ON COLUMN anomaly.open_alerts.value IS 'Value at the peak point.';
COMMENT ON COLUMN anomaly.open_alerts.expected IS 'Expected value at the peak point.';
COMMENT ON COLUMN anomaly.open_alerts.lower IS 'Lower bound of the normal range.';
COMMENT ON COLUMN anomaly.open_alerts.upper IS 'Upper bound of the normal range.';
COMMENT ON COLUMN anomaly.open_alerts.score IS 'Score of the peak hit (method-specific scale).';
COMMENT ON COLUMN anomaly.open_alerts.deviation_pct IS 'Deviation from expected in percent.';
COMMENT ON COLUMN anomaly.open_alerts.direction IS 'up or down.';
COMMENT ON COLUMN anomaly.open_alerts.rules IS 'Names of the rules that fired.';
COMMENT ON COLUMN anomaly.open_alerts.layers IS 'Their layers (1 threshold, 2 deviation, 3 trend).';
COMMENT ON COLUMN anomaly.open_alerts.message IS 'Rendered message.';
COMMENT ON COLUMN anomaly.open_alerts.playbook IS 'Investigation steps.';
COMMENT ON COLUMN anomaly.open_alerts.created_at IS 'When the alert was opened (wall clock).';
COMMENT ON COLUMN anomaly.open_alerts.updated_at IS 'When it changed last (wall clock).';

CREATE VIEW anomaly.alert_history WITH (security_barrier) AS
SELECT l.id AS alert_id, m.name AS metric, l.series, l.status, l.severity, l.first_ts, l.last_ts, l.points,
       l.value, l.expected, l.lower, l.upper, l.score, l.deviation_pct, l.direction, l.rule_ids, l.rules,
       l.event_name, l.message, l.playbook, l.resolution, l.resolved_at, l.label, l.label_note, l.labelled_by,
       l.labelled_at, l.created_at, l.updated_at
FROM anomaly.anomaly_log l
JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE pg_catalog.has_table_privilege(m.source, 'SELECT');

COMMENT ON VIEW anomaly.alert_history IS 'Every alert, open or closed, suppressed included, with its feedback label, of the metrics whose source you can read.';
COMMENT ON COLUMN anomaly.alert_history.alert_id IS 'Alert id.';
COMMENT ON COLUMN anomaly.alert_history.metric IS 'Metric name.';
COMMENT ON COLUMN anomaly.alert_history.series IS 'Dimension values of the series.';
COMMENT ON COLUMN anomaly.alert_history.status IS 'triggered, investigating, escalated, resolved, auto_resolved or suppressed.';
COMMENT ON COLUMN anomaly.alert_history.severity IS 'critical, warning or info.';
COMMENT ON COLUMN anomaly.alert_history.first_ts IS 'First anomalous point.';
COMMENT ON COLUMN anomaly.alert_history.last_ts IS 'Last anomalous point.';
COMMENT ON COLUMN anomaly.alert_history.points IS 'Number of anomalous points.';
COMMENT ON COLUMN anomaly.alert_history.value IS 'Value at the peak point.';
COMMENT ON COLUMN anomaly.alert_history.expected IS 'Expected value at the peak point.';
COMMENT ON COLUMN anomaly.alert_history.lower IS 'Lower bound of the normal range.';
COMMENT ON COLUMN anomaly.alert_history.upper IS 'Upper bound of the normal range.';
COMMENT ON COLUMN anomaly.alert_history.score IS 'Score of the peak hit.';
COMMENT ON COLUMN anomaly.alert_history.deviation_pct IS 'Deviation from expected in percent.';
COMMENT ON COLUMN anomaly.alert_history.direction IS 'up or down.';
COMMENT ON COLUMN anomaly.alert_history.rule_ids IS 'Ids of the rules that fired.';
COMMENT ON COLUMN anomaly.alert_history.rules IS 'The rules with name, layer and method.';
COMMENT ON COLUMN anomaly.alert_history.event_name IS 'Known event that suppressed it.';
COMMENT ON COLUMN anomaly.alert_history.message IS 'Rendered message.';
COMMENT ON COLUMN anomaly.alert_history.playbook IS 'Investigation steps.';
COMMENT ON COLUMN anomaly.alert_history.resolution IS 'How it was resolved.';
COMMENT ON COLUMN anomaly.alert_history.resolved_at IS 'When it was resolved (data time for auto_resolved).';
COMMENT ON COLUMN anomaly.alert_history.label IS 'Feedback: true_positive, false_positive or expected.';
COMMENT ON COLUMN anomaly.alert_history.label_note IS 'Feedback note.';
COMMENT ON COLUMN anomaly.alert_history.labelled_by IS 'Who labelled it.';
COMMENT ON COLUMN anomaly.alert_history.labelled_at IS 'When it was labelled.';
COMMENT ON COLUMN anomaly.alert_history.created_at IS 'When the alert was opened (wall clock).';
COMMENT ON COLUMN anomaly.alert_history.updated_at IS 'When it changed last (wall clock).';

CREATE VIEW anomaly.metric_health WITH (security_barrier) AS
SELECT m.name AS metric, m.enabled, m.frequency, m.good_direction,
       ss.series_count AS series, ss.last_ts AS last_point_ts, ss.last_value,
       st.last_run_at AS last_checked, st.last_as_of AS last_checked_as_of, st.watermark,
       pg_catalog.now() OPERATOR(pg_catalog.-) (ss.last_ts OPERATOR(pg_catalog.+) m.frequency) AS data_lag,
       (ss.series_count IS NULL OR ss.min_span OPERATOR(pg_catalog.<) COALESCE(w.warmup, '0'::pg_catalog.interval)) AS warming_up,
       w.warmup AS warmup_needed,
       (SELECT pg_catalog.count(*) FROM anomaly.anomaly_log l
         WHERE l.metric_id = m.id AND l.status IN ('triggered', 'investigating', 'escalated'))::pg_catalog.int4 AS open_alerts,
       (SELECT pg_catalog.count(*) FROM anomaly.anomaly_log l
         WHERE l.metric_id = m.id AND l.status <> 'suppressed'
           AND l.first_ts OPERATOR(pg_catalog.>=) (pg_catalog.now() OPERATOR(pg_catalog.-) '28 days'::pg_catalog.interval))::pg_catalog.int4 AS alerts_4w,
       (SELECT pg_catalog.count(*) FROM anomaly.anomaly_log l
         WHERE l.metric_id = m.id AND l.label = 'false_positive'
           AND l.first_ts OPERATOR(pg_catalog.>=) (pg_catalog.now() OPERATOR(pg_catalog.-) '28 days'::pg_catalog.interval))::pg_catalog.int4 AS false_alarms_4w,
       st.last_error, st.last_error_at
FROM anomaly.metrics m
LEFT JOIN anomaly.metric_state st ON st.metric_id = m.id
LEFT JOIN LATERAL (SELECT pg_catalog.count(*)::pg_catalog.int4 AS series_count, pg_catalog.max(s.last_ts) AS last_ts,
                          (pg_catalog.array_agg(s.last_value ORDER BY s.last_ts DESC))[1] AS last_value,
                          pg_catalog.min(s.last_ts OPERATOR(pg_catalog.-) s.first_ts) AS min_span
                   FROM anomaly.series_state s WHERE s.metric_id = m.id
                   HAVING pg_catalog.count(*) > 0) AS ss ON true
LEFT JOIN LATERAL (SELECT pg_catalog.max(r.warmup) AS warmup FROM anomaly.rules r
                   WHERE r.metric_id = m.id AND r.enabled AND r.layer >= 2) AS w ON true
WHERE pg_catalog.has_table_privilege(m.source, 'SELECT');

COMMENT ON VIEW anomaly.metric_health IS 'One row per metric whose source you can read: freshness, warm-up, open alerts and false alarms over 4 weeks, last error.';
COMMENT ON COLUMN anomaly.metric_health.metric IS 'Metric name.';
COMMENT ON COLUMN anomaly.metric_health.enabled IS 'Whether run_checks checks it.';
COMMENT ON COLUMN anomaly.metric_health.frequency IS 'Period length.';
COMMENT ON COLUMN anomaly.metric_health.good_direction IS 'up, down or both.';
COMMENT ON COLUMN anomaly.metric_health.series IS 'Number of series seen (NULL before the first check).';
COMMENT ON COLUMN anomaly.metric_health.last_point_ts IS 'Newest point checked (any series).';
COMMENT ON COLUMN anomaly.metric_health.last_value IS 'Its value.';
COMMENT ON COLUMN anomaly.metric_health.last_checked IS 'Wall clock of the last successful check.';
COMMENT ON COLUMN anomaly.metric_health.last_checked_as_of IS 'The as_of of that check.';
COMMENT ON COLUMN anomaly.metric_health.watermark IS 'Newest point checked; the next run re-checks recheck_periods before it.';
COMMENT ON COLUMN anomaly.metric_health.data_lag IS 'now() minus the end of the newest period checked.';
COMMENT ON COLUMN anomaly.metric_health.warming_up IS 'True until every series has the history its layer 2 and 3 rules need (layer 1 rules work from the first point).';
COMMENT ON COLUMN anomaly.metric_health.warmup_needed IS 'History the enabled layer 2/3 rules need before they score.';
COMMENT ON COLUMN anomaly.metric_health.open_alerts IS 'Alerts triggered, investigating or escalated.';
COMMENT ON COLUMN anomaly.metric_health.alerts_4w IS 'Alerts (not suppressed) whose first point is in the last 28 days.';
COMMENT ON COLUMN anomaly.metric_health.false_alarms_4w IS 'Alerts labelled false_positive whose first point is in the last 28 days.';
COMMENT ON COLUMN anomaly.metric_health.last_error IS 'Error of the last failed check (NULL after a successful one).';
COMMENT ON COLUMN anomaly.metric_health.last_error_at IS 'When it failed.';

CREATE VIEW anomaly.alert_stats_weekly WITH (security_barrier) AS
SELECT m.name AS metric,
       pg_catalog.date_trunc('week', l.first_ts)::pg_catalog.date AS week,
       pg_catalog.count(*) FILTER (WHERE l.status <> 'suppressed')::pg_catalog.int4 AS alerts,
       pg_catalog.count(*) FILTER (WHERE l.status = 'suppressed')::pg_catalog.int4 AS suppressed,
       pg_catalog.count(l.label)::pg_catalog.int4 AS labelled,
       pg_catalog.count(*) FILTER (WHERE l.label = 'true_positive')::pg_catalog.int4 AS true_positives,
       pg_catalog.count(*) FILTER (WHERE l.label = 'false_positive')::pg_catalog.int4 AS false_alarms,
       pg_catalog.round(pg_catalog.count(*) FILTER (WHERE l.label = 'true_positive')::pg_catalog.numeric
             OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(*) FILTER (WHERE l.label IN ('true_positive', 'false_positive')), 0), 3) AS precision
FROM anomaly.anomaly_log l
JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE pg_catalog.has_table_privilege(m.source, 'SELECT')
GROUP BY m.name, pg_catalog.date_trunc('week', l.first_ts)::pg_catalog.date;

COMMENT ON VIEW anomaly.alert_stats_weekly IS 'Per metric and week of the first anomalous point: alerts, false alarms and precision from the feedback labels (the figure that should fall over time).';
COMMENT ON COLUMN anomaly.alert_stats_weekly.metric IS 'Metric name.';
COMMENT ON COLUMN anomaly.alert_stats_weekly.week IS 'Monday of the week (session time zone).';
COMMENT ON COLUMN anomaly.alert_stats_weekly.alerts IS 'Alerts raised (not suppressed).';
COMMENT ON COLUMN anomaly.alert_stats_weekly.suppressed IS 'Anomalies suppressed by known events.';
COMMENT ON COLUMN anomaly.alert_stats_weekly.labelled IS 'Alerts with a feedback label.';
COMMENT ON COLUMN anomaly.alert_stats_weekly.true_positives IS 'Labelled true_positive.';
COMMENT ON COLUMN anomaly.alert_stats_weekly.false_alarms IS 'Labelled false_positive.';
COMMENT ON COLUMN anomaly.alert_stats_weekly.precision IS 'true_positives / (true_positives + false_alarms); NULL without such labels.';

CREATE VIEW anomaly.rule_catalog WITH (security_barrier) AS
SELECT m.name AS metric, r.id AS rule_id, r.name AS rule, r.enabled, r.layer,
       CASE r.layer WHEN 1 THEN 'static threshold' WHEN 2 THEN 'statistical deviation' ELSE 'trend' END AS layer_name,
       r.method, rm.description AS logic, rm.formula, r.params AS threshold, r.history AS lookback, m.frequency,
       r.severity, r.direction, r.min_abs_deviation, r.min_pct_deviation,
       rm.false_positive_rate AS expected_false_positive_rate,
       pg_catalog.array_to_string(r.playbook, ' / ') AS playbook, r.template
FROM anomaly.rules r
JOIN anomaly.metrics m ON m.id = r.metric_id
JOIN anomaly.rule_methods rm ON rm.method = r.method
WHERE pg_catalog.has_table_privilege(m.source, 'SELECT');

COMMENT ON VIEW anomaly.rule_catalog IS 'Every rule in plain language: logic, formula, thresholds, lookback, frequency, severity, expected false positive rate, playbook.';
COMMENT ON COLUMN anomaly.rule_catalog.metric IS 'Metric name.';
COMMENT ON COLUMN anomaly.rule_catalog.rule_id IS 'Rule id.';
COMMENT ON COLUMN anomaly.rule_catalog.rule IS 'Rule name.';
COMMENT ON COLUMN anomaly.rule_catalog.enabled IS 'Whether it is evaluated.';
COMMENT ON COLUMN anomaly.rule_catalog.layer IS '1, 2 or 3.';
COMMENT ON COLUMN anomaly.rule_catalog.layer_name IS 'static threshold, statistical deviation or trend.';
COMMENT ON COLUMN anomaly.rule_catalog.method IS 'Rule method.';
COMMENT ON COLUMN anomaly.rule_catalog.logic IS 'What the method checks, in plain language.';
COMMENT ON COLUMN anomaly.rule_catalog.formula IS 'The formula.';
COMMENT ON COLUMN anomaly.rule_catalog.threshold IS 'The rule''s parameters (thresholds, windows), defaults filled in.';
COMMENT ON COLUMN anomaly.rule_catalog.lookback IS 'History the rule reads before a point.';
COMMENT ON COLUMN anomaly.rule_catalog.frequency IS 'Period length of the metric.';
COMMENT ON COLUMN anomaly.rule_catalog.severity IS 'critical, warning or info.';
COMMENT ON COLUMN anomaly.rule_catalog.direction IS 'Deviations that fire: up, down or both.';
COMMENT ON COLUMN anomaly.rule_catalog.min_abs_deviation IS 'Minimum |value - expected| to fire.';
COMMENT ON COLUMN anomaly.rule_catalog.min_pct_deviation IS 'Minimum deviation in percent to fire.';
COMMENT ON COLUMN anomaly.rule_catalog.expected_false_positive_rate IS 'Expected false positive rate of the method, in plain language.';
COMMENT ON COLUMN anomaly.rule_catalog.playbook IS 'Investigation steps.';
COMMENT ON COLUMN anomaly.rule_catalog.template IS 'Rule template it came from.';
