-- Incidents do not depend on how checks were cut: 120 daily runs, one per new
-- day (with a value corrected a day late), give the same anomaly log as one
-- run over the whole history; running again changes nothing.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

CREATE SCHEMA inc;
-- The final data: a wiggle around 1000 with a drop, a zero day, a three-day
-- spike inside a known event, a slow five-day decline and a level shift.
CREATE TABLE inc.final (day date PRIMARY KEY, amount float8);
INSERT INTO inc.final
SELECT d::date,
       CASE WHEN i = 50 THEN 300 WHEN i = 70 THEN 0 WHEN i BETWEEN 90 AND 92 THEN 2000
            WHEN i BETWEEN 100 AND 104 THEN 1000 - (i - 99) * 60
            ELSE 1000 + ((i * 37) % 11 - 5) * 8 + CASE WHEN i > 110 THEN 400 ELSE 0 END END
FROM generate_series(timestamp '2024-01-01', '2024-04-29', '1 day') WITH ORDINALITY AS g(d, i);
-- What the loader has delivered so far, filled day by day below.
CREATE TABLE inc.feed (day date PRIMARY KEY, amount float8);

SELECT anomaly.add_metric('all_at_once', 'inc.final', 'day', 'amount', good_direction => 'up') > 0 AS added;
SELECT anomaly.add_metric('day_by_day', 'inc.feed', 'day', 'amount', good_direction => 'up') > 0 AS added;
SELECT anomaly.apply_template(m, 'mrr_contraction') > 0 AS applied, anomaly.apply_template(m, 'revenue_spike') > 0 AS applied
FROM unnest(ARRAY['all_at_once', 'day_by_day']) AS m;
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'falling', 'consecutive_direction', '{"n": 4}' FROM anomaly.metrics WHERE name IN ('all_at_once', 'day_by_day');
INSERT INTO anomaly.expected_events (name, during, expected_impact)
VALUES ('launch', '[2024-03-30, 2024-04-01)', 'traffic spike');

-- Day by day: each morning the previous day arrives and is checked. Apr 10
-- first arrives incomplete (150) and is corrected the next morning.
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT day FROM inc.final ORDER BY day LOOP
        INSERT INTO inc.feed SELECT day, CASE WHEN day = '2024-04-10' THEN 150 ELSE amount END FROM inc.final WHERE day = d;
        UPDATE inc.feed f SET amount = i.amount FROM inc.final i WHERE f.day = '2024-04-10' AND i.day = f.day AND d = '2024-04-11';
        PERFORM anomaly.check_metric('day_by_day', d + interval '1 day 6 hours');
    END LOOP;
END
$$;
-- All at once, the morning after the last day.
SELECT * FROM anomaly.check_metric('all_at_once', '2024-04-30 06:00+00');

-- The incidents (the same for both metrics, shown once).
CREATE TEMP VIEW incidents AS
SELECT m.name AS metric, l.series, l.first_ts, l.last_ts, l.points, l.status, l.severity,
       jsonb_path_query_array(l.rules, '$[*].name') AS rules, l.value, l.expected, l.lower, l.upper, l.score,
       l.deviation_pct, l.direction, l.peak_ts, (SELECT r.name FROM anomaly.rules r WHERE r.id = l.peak_rule_id) AS peak_rule,
       l.event_name, replace(l.message, m.name, '<metric>') AS message, l.playbook, l.resolution, l.resolved_at
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE m.name IN ('all_at_once', 'day_by_day');
SELECT first_ts::date, last_ts::date, points, status, severity, rules, event_name
FROM incidents WHERE metric = 'all_at_once' ORDER BY first_ts;

-- Every column equal, both ways.
SELECT count(*) AS differences FROM (
    (SELECT series, first_ts, last_ts, points, status, severity, rules, value, expected, lower, upper, score, deviation_pct,
            direction, peak_ts, peak_rule, event_name, message, playbook, resolution, resolved_at
     FROM incidents WHERE metric = 'all_at_once'
     EXCEPT ALL
     SELECT series, first_ts, last_ts, points, status, severity, rules, value, expected, lower, upper, score, deviation_pct,
            direction, peak_ts, peak_rule, event_name, message, playbook, resolution, resolved_at
     FROM incidents WHERE metric = 'day_by_day')
    UNION ALL
    (SELECT series, first_ts, last_ts, points, status, severity, rules, value, expected, lower, upper, score, deviation_pct,
            direction, peak_ts, peak_rule, event_name, message, playbook, resolution, resolved_at
     FROM incidents WHERE metric = 'day_by_day'
     EXCEPT ALL
     SELECT series, first_ts, last_ts, points, status, severity, rules, value, expected, lower, upper, score, deviation_pct,
            direction, peak_ts, peak_rule, event_name, message, playbook, resolution, resolved_at
     FROM incidents WHERE metric = 'all_at_once')) AS d;
-- The stored per-point hits agree too (rule names instead of ids).
SELECT count(*) AS hit_differences FROM (
    SELECT r.name, h.series, h.ts, h.value, h.expected, h.score, h.severity, m.name = 'all_at_once' AS once
    FROM anomaly.rule_hits h JOIN anomaly.rules r ON r.id = h.rule_id JOIN anomaly.metrics m ON m.id = h.metric_id
    WHERE m.name IN ('all_at_once', 'day_by_day')) AS x
GROUP BY name, series, ts, value, expected, score, severity HAVING count(*) <> 2;

-- Running again, at the same time or the next morning without new data
-- (only the staleness rule may speak), changes no incident.
CREATE TEMP TABLE before AS SELECT * FROM anomaly.anomaly_log;
SELECT * FROM anomaly.check_metric('all_at_once', '2024-04-30 06:00+00');
SELECT * FROM anomaly.check_metric('day_by_day', '2024-04-30 06:00+00');
SELECT count(*) AS changed FROM ((SELECT * FROM anomaly.anomaly_log EXCEPT SELECT * FROM before)
                                 UNION ALL (SELECT * FROM before EXCEPT SELECT * FROM anomaly.anomaly_log)) AS d;

DELETE FROM anomaly.metrics WHERE name IN ('all_at_once', 'day_by_day');
DELETE FROM anomaly.expected_events;
DROP SCHEMA inc CASCADE;
