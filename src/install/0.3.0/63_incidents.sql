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
-- cheap: alerts of one metric are grouped by one sweep per metric (linear
-- after the sort), pairs are only formed between alerts of related metrics,
-- and the components are found by a recursive walk over those edges (its
-- cost grows with the square of an incident's size, not of the log's).
-- Measured in docs/drafts/root_cause.md.
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

-- The grouping itself: a pure function of the alerts and the relations the
-- view passes in (read with the view owner's rights, so that a role with
-- SELECT on the view needs no right on the tables), and a function so that
-- it runs without JIT: the planner cannot estimate the recursive walk and
-- compiled it for 4 s (for a 200 ms query) when it was inline in the view.
CREATE FUNCTION anomaly.incident_groups(alert_ids pg_catalog.int8[], metric_ids pg_catalog.int4[],
                                        first_ts pg_catalog.timestamptz[], last_ts pg_catalog.timestamptz[],
                                        tolerances pg_catalog.interval[],
                                        related_from pg_catalog.int4[], related_to pg_catalog.int4[],
                                        from_is_term pg_catalog.bool[])
    RETURNS TABLE(alert_id pg_catalog.int8, incident_id pg_catalog.int8, is_term pg_catalog.bool)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    COST 10000 ROWS 1000
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $$
WITH RECURSIVE al AS MATERIALIZED (
    SELECT u.id, u.metric_id, u.first_ts, u.last_ts, u.tol
    FROM unnest(alert_ids, metric_ids, first_ts, last_ts, tolerances) AS u(id, metric_id, first_ts, last_ts, tol)
), links AS MATERIALIZED (
    SELECT DISTINCT u.a, u.b, u.a_is_term
    FROM unnest(related_from, related_to, from_is_term) AS u(a, b, a_is_term)
), same_metric AS (
    -- Alerts of one metric: one sweep per metric over [first_ts, last_ts + tol]
    -- finds the overlapping runs; each alert is linked to the run's first.
    SELECT s.id, pg_catalog.first_value(s.id) OVER (PARTITION BY s.metric_id, s.run ORDER BY s.first_ts, s.id) AS head
    FROM (SELECT w.*, pg_catalog.sum(CASE WHEN w.reach_before IS NULL OR w.first_ts > w.reach_before THEN 1 ELSE 0 END)
                          OVER (PARTITION BY w.metric_id ORDER BY w.first_ts, w.id) AS run
          FROM (SELECT al.*, pg_catalog.max(al.last_ts + al.tol)
                                 OVER (PARTITION BY al.metric_id ORDER BY al.first_ts, al.id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach_before
                FROM al) AS w) AS s
), related_pair AS MATERIALIZED (
    -- Each alert with the metrics related to its own (one hash join each way).
    SELECT x.id, x.first_ts, x.last_ts, x.tol, k.b
    FROM al x JOIN links k ON k.a = x.metric_id
), edge AS MATERIALIZED (
    SELECT same_metric.id AS a_id, same_metric.head AS b_id FROM same_metric WHERE same_metric.id <> same_metric.head
    UNION ALL
    SELECT same_metric.head, same_metric.id FROM same_metric WHERE same_metric.id <> same_metric.head
    UNION ALL
    -- Alerts of related metrics whose periods overlap within the larger tolerance.
    SELECT p.id, y.id
    FROM related_pair p
    JOIN al y ON y.metric_id = p.b
    WHERE y.first_ts <= p.last_ts + pg_catalog.interval_larger(p.tol, y.tol)
      AND p.first_ts <= y.last_ts + pg_catalog.interval_larger(p.tol, y.tol)
), reach (id, root) AS (
    SELECT al.id, al.id FROM al
    UNION
    SELECT edge.b_id, reach.root FROM reach JOIN edge ON edge.a_id = reach.id
), member AS (
    SELECT al.*, c.incident_id
    FROM (SELECT reach.id, pg_catalog.min(reach.root) AS incident_id FROM reach GROUP BY reach.id) AS c
    JOIN al ON al.id = c.id
), term_member AS (
    -- A term of another member's formula is a cause rather than an effect.
    SELECT DISTINCT x.id
    FROM member x
    JOIN links k ON k.a = x.metric_id AND k.a_is_term
    JOIN member y ON y.metric_id = k.b AND y.incident_id = x.incident_id
)
SELECT member.id, member.incident_id, t.id IS NOT NULL
FROM member LEFT JOIN term_member t ON t.id = member.id;
$$;

COMMENT ON FUNCTION anomaly.incident_groups(pg_catalog.int8[], pg_catalog.int4[], pg_catalog.timestamptz[], pg_catalog.timestamptz[], pg_catalog.interval[], pg_catalog.int4[], pg_catalog.int4[], pg_catalog.bool[]) IS
'Helper of anomaly.incidents: given alerts (id, metric id, first_ts, last_ts, overlap tolerance) and metric relations (from, to, whether from is a term of to''s formula), the incident of every alert: the smallest alert id of its connected group (alerts of one metric, or of related metrics, whose [first_ts, last_ts] overlap within the larger tolerance), and whether its metric is a term of another member''s formula.';

CREATE VIEW anomaly.incidents WITH (security_barrier) AS
SELECT g.incident_id,
       min(l.first_ts) AS first_ts,
       max(l.last_ts) AS last_ts,
       array_agg(DISTINCT m.name ORDER BY m.name) AS metrics,
       array_agg(l.id ORDER BY l.id) AS alert_ids,
       count(*)::int4 AS alerts,
       (array_agg(m.name ORDER BY l.first_ts, NOT g.is_term, l.id))[1] AS root_metric,
       (array_agg(l.id ORDER BY l.first_ts, NOT g.is_term, l.id))[1] AS root_alert_id,
       CASE WHEN bool_or(l.status IN ('triggered', 'investigating', 'escalated')) THEN 'open' ELSE 'closed' END AS status,
       (array_agg(l.severity ORDER BY CASE l.severity WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END))[1] AS severity
FROM (SELECT array_agg(l.id) AS ids, array_agg(l.metric_id) AS metric_ids, array_agg(l.first_ts) AS firsts,
             array_agg(l.last_ts) AS lasts, array_agg(3 * m.frequency) AS tols
      FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
      WHERE l.status <> 'suppressed' AND has_table_privilege(m.source, 'SELECT')) AS a
CROSS JOIN (SELECT array_agg(r.metric_id) AS rf, array_agg(r.related_id) AS rt, array_agg(r.relation = 'term_of') AS rterm
            FROM anomaly.metric_relations r) AS k
CROSS JOIN LATERAL anomaly.incident_groups(a.ids, a.metric_ids, a.firsts, a.lasts, a.tols, k.rf, k.rt, k.rterm) AS g
JOIN anomaly.anomaly_log l ON l.id = g.alert_id
JOIN anomaly.metrics m ON m.id = l.metric_id
GROUP BY g.incident_id;

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
