---------------------------------------------------------------------------
-- Root cause, part 4: incidents across metrics.
-- anomaly.metric_relations lists which metrics are related (declared in
-- related_metrics either way, or through a formula). anomaly.incidents
-- groups the alerts (anomaly_log rows, suppressed ones excluded) of one
-- metric or of related metrics whose periods overlap (within 3 periods) into
-- one incident: the connected components of that "related and overlapping"
-- graph.
--
-- A view, not a table: an incident is a function of the log and of the
-- declared relations, and both change after the fact (late data removes or
-- re-keys alerts in build_incidents, a relation or formula declared later
-- regroups the past). A table would need triggers that merge and split
-- groups on every one of those changes; the view is always consistent and
-- cheap: alerts are first cut into time clusters by one sort (a sweep over
-- [first_ts - 3 periods, last_ts + 3 periods]), so pairs are only formed
-- inside a cluster. Measured in docs/drafts/root_cause.md.
---------------------------------------------------------------------------

CREATE VIEW anomaly.metric_relations AS
SELECT m.id AS metric_id, m.name AS metric, r.id AS related_id, r.name AS related_metric, 'declared'::text AS relation
FROM anomaly.metrics m
JOIN anomaly.metrics r ON r.id <> m.id
                      AND (r.name = ANY (m.related_metrics)
                           OR m.name = ANY (r.related_metrics))
UNION ALL
SELECT m.id, m.name, r.id, r.name, 'formula_term'
FROM anomaly.metrics m
CROSS JOIN LATERAL anomaly.formula_terms(m.formula) AS t
JOIN anomaly.metrics r ON r.name = t.metric
UNION ALL
SELECT r.id, r.name, m.id, m.name, 'term_of'
FROM anomaly.metrics m
CROSS JOIN LATERAL anomaly.formula_terms(m.formula) AS t
JOIN anomaly.metrics r ON r.name = t.metric;

COMMENT ON VIEW anomaly.metric_relations IS 'Which metrics are related, both ways: declared (related_metrics of either), formula_term (related_metric is a term of metric''s formula), term_of (metric is a term of related_metric''s formula).';
COMMENT ON COLUMN anomaly.metric_relations.metric_id IS 'Metric id.';
COMMENT ON COLUMN anomaly.metric_relations.metric IS 'Metric name.';
COMMENT ON COLUMN anomaly.metric_relations.related_id IS 'Id of the related metric.';
COMMENT ON COLUMN anomaly.metric_relations.related_metric IS 'Name of the related metric.';
COMMENT ON COLUMN anomaly.metric_relations.relation IS 'declared, formula_term or term_of.';

CREATE VIEW anomaly.incidents WITH (security_barrier) AS
WITH RECURSIVE al AS (
    SELECT l.id, l.metric_id, m.name, l.series, l.first_ts, l.last_ts, l.status, l.severity,
           3 * m.frequency AS tol
    FROM anomaly.anomaly_log l
    JOIN anomaly.metrics m ON m.id = l.metric_id
    WHERE l.status <> 'suppressed' AND pg_catalog.has_table_privilege(m.source, 'SELECT')
), sweep AS (
    SELECT al.*, pg_catalog.max(al.last_ts + al.tol)
                     OVER (ORDER BY al.first_ts - al.tol, al.id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach_before
    FROM al
), clustered AS (
    SELECT sweep.*,
           pg_catalog.sum(CASE WHEN sweep.reach_before IS NULL
                                    OR sweep.first_ts - sweep.tol > sweep.reach_before
                               THEN 1 ELSE 0 END)
               OVER (ORDER BY sweep.first_ts - sweep.tol, sweep.id) AS cluster
    FROM sweep
), edge AS (
    SELECT x.id AS a_id, y.id AS b_id
    FROM clustered x
    JOIN clustered y ON y.cluster = x.cluster AND y.id <> x.id
    WHERE y.first_ts <= x.last_ts + pg_catalog.interval_larger(x.tol, y.tol)
      AND x.first_ts <= y.last_ts + pg_catalog.interval_larger(x.tol, y.tol)
      AND (x.metric_id = y.metric_id
           OR EXISTS (SELECT FROM anomaly.metric_relations r
                      WHERE r.metric_id = x.metric_id
                        AND r.related_id = y.metric_id))
), reach (id, root) AS (
    SELECT al.id, al.id FROM al
    UNION
    SELECT edge.b_id, reach.root FROM reach JOIN edge ON edge.a_id = reach.id
), member AS (
    SELECT al.*, c.incident_id,
           -- A term of another member's formula is a cause rather than an effect.
           EXISTS (SELECT FROM anomaly.metric_relations r JOIN al o ON o.metric_id = r.related_id
                   JOIN reach ro ON ro.id = o.id AND ro.root = c.incident_id
                   WHERE r.metric_id = al.metric_id AND r.relation = 'term_of') AS is_term
    FROM (SELECT reach.id, pg_catalog.min(reach.root) AS incident_id FROM reach GROUP BY reach.id) AS c
    JOIN al ON al.id = c.id
)
SELECT member.incident_id,
       pg_catalog.min(member.first_ts) AS first_ts,
       pg_catalog.max(member.last_ts) AS last_ts,
       pg_catalog.array_agg(DISTINCT member.name ORDER BY member.name) AS metrics,
       pg_catalog.array_agg(member.id ORDER BY member.id) AS alert_ids,
       pg_catalog.count(*)::pg_catalog.int4 AS alerts,
       (pg_catalog.array_agg(member.name ORDER BY member.first_ts, member.is_term DESC, member.id))[1] AS root_metric,
       (pg_catalog.array_agg(member.id ORDER BY member.first_ts, member.is_term DESC, member.id))[1] AS root_alert_id,
       CASE WHEN pg_catalog.bool_or(member.status = ANY (ARRAY['triggered', 'investigating', 'escalated']))
            THEN 'open' ELSE 'closed' END AS status,
       (pg_catalog.array_agg(member.severity ORDER BY CASE member.severity WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END))[1] AS severity
FROM member
GROUP BY member.incident_id;

COMMENT ON VIEW anomaly.incidents IS 'Alerts of one metric or of related metrics (anomaly.metric_relations) whose periods overlap within 3 periods, grouped into incidents (suppressed alerts left out; only metrics whose source you can read).';
COMMENT ON COLUMN anomaly.incidents.incident_id IS 'Incident id: the smallest alert id in it (stable while the incident keeps its first alert; when two incidents merge, the older id wins).';
COMMENT ON COLUMN anomaly.incidents.first_ts IS 'First anomalous point of any of its alerts.';
COMMENT ON COLUMN anomaly.incidents.last_ts IS 'Last anomalous point of any of its alerts.';
COMMENT ON COLUMN anomaly.incidents.metrics IS 'Names of the metrics involved.';
COMMENT ON COLUMN anomaly.incidents.alert_ids IS 'Its alerts (anomaly_log.id), ascending.';
COMMENT ON COLUMN anomaly.incidents.alerts IS 'Number of alerts.';
COMMENT ON COLUMN anomaly.incidents.root_metric IS 'Probable root metric: the one whose alert started first; on a tie, a term of another member''s formula, then the oldest alert.';
COMMENT ON COLUMN anomaly.incidents.root_alert_id IS 'The alert of the root metric.';
COMMENT ON COLUMN anomaly.incidents.status IS 'open while any of its alerts is triggered, investigating or escalated; else closed.';
COMMENT ON COLUMN anomaly.incidents.severity IS 'Highest severity of its alerts.';
