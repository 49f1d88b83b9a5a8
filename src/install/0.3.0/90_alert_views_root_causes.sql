---------------------------------------------------------------------------
-- The alert views carry each alert's probable causes (anomaly_log.root_causes,
-- filled when the alert opens and while it grows: 62_root_causes_on_alerts.sql),
-- so BI users see them without the rights root_cause() needs. The column is
-- appended: the 0.2.0 columns keep their names and positions.
---------------------------------------------------------------------------

CREATE OR REPLACE VIEW anomaly.open_alerts WITH (security_barrier) AS
SELECT l.id AS alert_id, m.name AS metric, l.series, l.status, l.severity, l.first_ts, l.last_ts, l.points,
       l.value, l.expected, l.lower, l.upper, l.score, l.deviation_pct, l.direction,
       (SELECT pg_catalog.array_agg(r ->> 'name' ORDER BY (r ->> 'id')::int) FROM pg_catalog.jsonb_array_elements(l.rules) AS r) AS rules,
       (SELECT pg_catalog.array_agg(DISTINCT (r ->> 'layer')::int) FROM pg_catalog.jsonb_array_elements(l.rules) AS r) AS layers,
       l.message, l.playbook, l.created_at, l.updated_at,
       l.root_causes
FROM anomaly.anomaly_log l
JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE l.status IN ('triggered', 'investigating', 'escalated')
  AND pg_catalog.has_table_privilege(m.source, 'SELECT');

COMMENT ON COLUMN anomaly.open_alerts.root_causes IS 'Probable causes, best first: [{rank, kind, metric, series, score, evidence}] (see anomaly.root_cause); NULL when none was computed.';

CREATE OR REPLACE VIEW anomaly.alert_history WITH (security_barrier) AS
SELECT l.id AS alert_id, m.name AS metric, l.series, l.status, l.severity, l.first_ts, l.last_ts, l.points,
       l.value, l.expected, l.lower, l.upper, l.score, l.deviation_pct, l.direction, l.rule_ids, l.rules,
       l.event_name, l.message, l.playbook, l.resolution, l.resolved_at, l.label, l.label_note, l.labelled_by,
       l.labelled_at, l.created_at, l.updated_at,
       l.root_causes
FROM anomaly.anomaly_log l
JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE pg_catalog.has_table_privilege(m.source, 'SELECT');

COMMENT ON COLUMN anomaly.alert_history.root_causes IS 'Probable causes, best first: [{rank, kind, metric, series, score, evidence}] (see anomaly.root_cause); NULL when none was computed.';
