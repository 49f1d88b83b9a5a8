-- drift as a rule method: a subscription business whose daily sign-ups start
-- losing 2 % a day on 2026-05-01 (a broken referral link, say). No single
-- day is far enough off for a point detector; the drift rule says "drifting
-- down" within a week.
SET TIME ZONE 'UTC';
CREATE SCHEMA drift_shop;
-- 5 months of daily sign-ups: weekends at 70 %, a deterministic wobble of
-- +/- 3 % (hashint4), and from 2026-05-01 a ramp of -2 %/day for 14 days.
CREATE TABLE drift_shop.signups AS
SELECT date '2026-01-01' + d AS day,
       round((1000 * CASE WHEN extract(isodow FROM date '2026-01-01' + d) >= 6 THEN 0.7 ELSE 1 END
              * (1 + 0.03 * ((hashint4(d) & 1023) / 511.5 - 1))
              * (1 - 0.02 * least(greatest((date '2026-01-01' + d) - date '2026-05-01' + 1, 0), 14)))::numeric, 1)::float8
           AS signups
FROM generate_series(0, 150) AS d;

SELECT anomaly.add_metric('drift_signups', source => 'drift_shop.signups'::regclass, time_column => 'day',
                          value_column => 'signups', frequency => '1 day', good_direction => 'up',
                          default_rules => false) > 0 AS added;

-- The registry row.
SELECT method, layer, param_defaults, description FROM anomaly.rule_methods WHERE method = 'drift';

-- Parameters are checked when a rule is written.
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'drift', '{"period": 0}' FROM anomaly.metrics WHERE name = 'drift_signups';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'drift', '{"h": -1}' FROM anomaly.metrics WHERE name = 'drift_signups';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'drift', '{"k": "small"}' FROM anomaly.metrics WHERE name = 'drift_signups';

-- The rule a user writes (defaults: period 7, k 0.5, h 5).
INSERT INTO anomaly.rules (metric_id, name, method, params, severity)
SELECT id, 'drift', 'drift', '{}', 'warning' FROM anomaly.metrics WHERE name = 'drift_signups';
SELECT name, layer, params, history FROM anomaly.rules
WHERE metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'drift_signups') ORDER BY name;

-- Called directly: one causal pass; the evaluator's rows around the start.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(signups ORDER BY day) AS v
           FROM drift_shop.signups)
SELECT e.ts::date, e.value, round(e.expected) AS expected, round(e.lower) AS lower, round(e.upper) AS upper,
       round(e.score::numeric, 2) AS score, e.is_anomaly
FROM s, anomaly.rule_drift(s.t, s.v, '{"from": "2026-04-29"}') e
WHERE e.ts < '2026-05-09';

-- From run_checks (with the metric's frequency), points are scored in fixed
-- blocks, each by a pass that starts the same number of periods before it:
-- a point's score does not depend on where the arrays start.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(signups ORDER BY day) AS v
           FROM drift_shop.signups),
     a AS (SELECT r.* FROM s, anomaly.rule_drift(s.t, s.v, '{"frequency": "1 day", "from": "2026-05-01"}') r),
     b AS (SELECT r.* FROM s, anomaly.rule_drift(s.t[5:], s.v[5:], '{"frequency": "1 day", "from": "2026-05-01"}') r)
SELECT (SELECT count(*) FROM a) AS points,
       (SELECT count(*) FROM a JOIN b USING (ts) WHERE a.score IS NOT DISTINCT FROM b.score
                                                 AND a.score IS NOT NULL) AS same;

-- The check. The drift rule fires in the ramp's first week; then its down
-- side is held until its 4-week baseline has caught up with the new level,
-- but from 0.5.0 it restarts from the level of the week after the flag: the
-- decline goes on past it, and 05-13 (-26 %) is flagged again, a second
-- incident. Before the ramp: one false alarm in four months (the target is
-- at most one per 30 days).
CALL anomaly.run_checks(as_of => '2026-06-01', metrics => '{drift_signups}') \gset
SELECT r.name, count(*) AS hits, count(*) FILTER (WHERE h.ts < '2026-05-01') AS hits_before_ramp,
       min(h.ts::date) FILTER (WHERE h.ts >= '2026-05-01') AS first_hit_in_ramp,
       min(h.ts::date) FILTER (WHERE h.ts >= '2026-05-01') - date '2026-05-01' AS days_after_start,
       array_agg(DISTINCT h.direction) AS directions
FROM anomaly.rule_hits h JOIN anomaly.rules r ON r.id = h.rule_id
WHERE h.metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'drift_signups')
GROUP BY r.name ORDER BY r.name;

-- The incidents: hits less than auto_resolve_after + 1 periods apart are one
-- incident; down, with the rule's severity.
SELECT l.first_ts::date, l.last_ts::date, l.severity, l.direction, round(l.deviation_pct) AS deviation_pct,
       (SELECT array_agg(r.name ORDER BY r.name) FROM anomaly.rules r WHERE r.id = ANY (l.rule_ids)) AS rules
FROM anomaly.anomaly_log l
WHERE l.metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'drift_signups')
ORDER BY l.first_ts;

-- An hourly metric with a weekday profile and quiet weekends, 3 % noise,
-- no drift (0.4.0). A period of 7 rows (7 hours, the only default before
-- 0.4.0) reads every weekend as a drift; the default now follows the
-- frequency (a week of hours, h per day), and finds nothing.
WITH h AS (SELECT array_agg(t ORDER BY t) AS t,
                  array_agg((1000 + 400 * sin(2 * pi() * extract(hour FROM t) / 24)) *
                            CASE WHEN extract(isodow FROM t) >= 6 THEN 0.5 ELSE 1 END *
                            (1 + 0.03 * sin(7919 * extract(epoch FROM t) / 3600)) ORDER BY t) AS v
           FROM generate_series(timestamptz '2026-03-02 00:00+00', '2026-04-26 23:00+00', interval '1 hour') t)
SELECT anomaly.drift_default_period('1 hour') AS default_period,
       (SELECT count(*) FILTER (WHERE r.is_anomaly) FROM anomaly.rule_drift(h.t, h.v, '{"frequency": "1 hour", "period": 7}') r) AS flags_period_7,
       (SELECT count(*) FILTER (WHERE r.is_anomaly) FROM anomaly.rule_drift(h.t, h.v, '{"frequency": "1 hour"}') r) AS flags_default,
       (SELECT count(*) FILTER (WHERE r.score IS NOT NULL) FROM anomaly.rule_drift(h.t, h.v, '{"frequency": "1 hour"}') r) AS scored
FROM h;

DELETE FROM anomaly.metrics WHERE name = 'drift_signups';
DROP SCHEMA drift_shop CASCADE;
RESET TIME ZONE;
