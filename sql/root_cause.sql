-- Root cause of an alert, told as an analyst's story: three small shops of
-- daily data with planted causes, checked once with run_checks, then asked
-- "why?" with anomaly.root_cause(alert_id). Each planted cause must rank
-- first; an unrelated metric that happens to alert at the same time must
-- rank below the real cause; anomaly.incidents groups the related alerts.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;

CREATE PROCEDURE pg_temp.run_checks(as_of timestamptz) LANGUAGE plpgsql AS $$
DECLARE n int; p bigint; o int; e int; s int; r int; f int; d interval;
BEGIN
    CALL anomaly.run_checks(as_of, NULL, n, p, o, e, s, r, f, d);
END $$;
-- One deviation rule per metric (mad_zscore, threshold 3.5 over 28 days).
CREATE FUNCTION pg_temp.add(name text, source regclass, value_column name, dims name[] DEFAULT '{}',
                            related text[] DEFAULT '{}') RETURNS void LANGUAGE sql AS $$
    INSERT INTO anomaly.rules (metric_id, name, method)
    VALUES (anomaly.add_metric(name, source, 'day', value_column, dimension_columns => dims,
                               related_metrics => related, default_rules => false), 'deviation', 'mad_zscore');
$$;
-- The alert of a metric (and series) starting at a date.
CREATE FUNCTION pg_temp.alert(metric text, first date, series jsonb DEFAULT '{}') RETURNS bigint LANGUAGE sql AS $$
    SELECT l.id FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
    WHERE m.name = metric AND l.first_ts = first AND l.series = series;
$$;

CREATE SCHEMA rc;
-- 0. The baseline every analysis compares with, by hand. Series a: 10, 12,
--    11, 13, 9 then 20: median 11, absolute deviations 1 1 0 2 2, MAD 1, scale
--    1.4826: residual 9, z = 6.0704. Series b: 5, 5, 5, 5, 6 then 7: MAD 0,
--    so the scale is 1.2533 * mean absolute deviation 0.2 = 0.25066: z =
--    7.9788. Summed (a + b): 15, 17, 16, 18, 15 then 27: median 16, MAD 1:
--    residual 11, z = 7.4194.
CREATE TABLE rc.tiny (day date, k text, v float8);
INSERT INTO rc.tiny SELECT '2024-01-01'::date + i, 'a', (ARRAY[10, 12, 11, 13, 9, 20])[i + 1] FROM generate_series(0, 5) i;
INSERT INTO rc.tiny SELECT '2024-01-01'::date + i, 'b', (ARRAY[5, 5, 5, 5, 6, 7])[i + 1] FROM generate_series(0, 5) i;
SELECT anomaly.add_metric('tiny', 'rc.tiny', 'day', 'v', dimension_columns => '{k}', default_rules => false) AS tiny_id \gset
SELECT p.series, p.ts::date, p.value, p.expected, p.residual, round(p.z::numeric, 4) AS z
FROM anomaly.root_cause_points(:tiny_id, '{}', true, '2024-01-06', '2024-01-06', 5) AS p
UNION ALL
SELECT p.series, p.ts::date, p.value, p.expected, p.residual, round(p.z::numeric, 4)
FROM anomaly.root_cause_points(:tiny_id, '{}', false, '2024-01-06', '2024-01-06', 5) AS p;
SELECT anomaly.root_cause_points(:tiny_id, '{}', false, '2024-01-06', '2024-01-06', 2);
DELETE FROM anomaly.metrics WHERE name = 'tiny';
--    A daily metric with a weekly cycle (weekdays about 10, weekends about
--    20, plus (i % 3) - 1): the median of the same weekday is the baseline
--    (it cuts the mean absolute deviation from 3.32 to 0.68). Reference
--    values from test/root_cause_reference.py (numpy): Jan 30 expected 10,
--    residual 1, z 1.3490; Feb 3 (a Saturday) expected 20.5, residual -1.5,
--    z -2.0235 (against the plain median 10.5 it would be an outlier).
CREATE TABLE rc.weekly AS
SELECT d::date AS day, CASE WHEN extract(isodow FROM d) >= 6 THEN 20 ELSE 10 END + (i - 1) % 3 - 1 AS v
FROM generate_series(timestamp '2024-01-01', '2024-02-04', '1 day') WITH ORDINALITY AS g(d, i);
SELECT anomaly.add_metric('weekly', 'rc.weekly', 'day', 'v', default_rules => false) AS weekly_id \gset
SELECT p.ts::date, p.value, p.expected, p.residual, round(p.z::numeric, 4) AS z
FROM anomaly.root_cause_points(:weekly_id, '{}', false, '2024-01-29', '2024-02-04') AS p
WHERE p.ts IN ('2024-01-30', '2024-02-03');
DELETE FROM anomaly.metrics WHERE name = 'weekly';
SELECT anomaly.format_periods(1, '1 day'), anomaly.format_periods(3, '1 hour'), anomaly.format_periods(2, '15 minutes');
SELECT anomaly.format_evidence_number(0.021) AS a, anomaly.format_evidence_number(49.7) AS b,
       anomaly.format_evidence_number(1001.666) AS c, anomaly.format_evidence_number(-0.00123456) AS d, anomaly.format_evidence_number(0) AS e;

-- Deterministic wiggles (no randomness): w11 in -5..5, w13 in -6..6, w7 in -3..3.
CREATE TABLE rc.days AS
SELECT d::date AS day, i, (i * 37) % 11 - 5 AS w11, (i * 53) % 13 - 6 AS w13, (i * 29) % 7 - 3 AS w7
FROM generate_series(timestamp '2024-01-01', '2024-03-10', '1 day') WITH ORDINALITY AS g(d, i);

-- 1. Sessions fall 38 % from Mar 1 to Mar 5; revenue follows one day later
--    (Mar 2 .. Mar 6: orders of day t come from the sessions of day t - 1).
--    Support tickets spike on Mar 2 for an unrelated reason.
CREATE TABLE rc.traffic AS
SELECT day, CASE WHEN day BETWEEN '2024-03-01' AND '2024-03-05' THEN 6200 ELSE 10000 END + 40 * w11 AS sessions
FROM rc.days;
CREATE TABLE rc.revenue AS
SELECT d.day, 2.5 * coalesce(t.sessions, 10000) + 60 * d.w13 AS amount
FROM rc.days d LEFT JOIN rc.traffic t ON t.day = d.day - 1;
CREATE TABLE rc.support AS
SELECT day, CASE WHEN day = '2024-03-02' THEN 600 ELSE 200 + 5 * w7 END AS tickets FROM rc.days;
-- 'lonely': one spike on Jan 25, nothing related, nothing else alerting then.
CREATE TABLE rc.lonely AS
SELECT day, CASE WHEN day = '2024-01-25' THEN 90 ELSE 50 + w7 END AS v FROM rc.days;

SELECT pg_temp.add('sessions', 'rc.traffic', 'sessions');
SELECT pg_temp.add('revenue', 'rc.revenue', 'amount', related => ARRAY['sessions']);
SELECT pg_temp.add('support_tickets', 'rc.support', 'tickets');
SELECT pg_temp.add('lonely', 'rc.lonely', 'v');

-- 2. Revenue by region and channel: from Feb 20 to Feb 24 EU loses 2250 a day
--    (web 1400, app 850) and US web 250: EU explains 90 % of the drop.
CREATE TABLE rc.sales AS
SELECT d.day, s.region, s.channel,
       s.base + CASE WHEN d.day BETWEEN '2024-02-20' AND '2024-02-24' THEN s.drop ELSE 0 END
              + s.noise * CASE s.k WHEN 1 THEN d.w11 WHEN 2 THEN d.w13 ELSE d.w7 END AS amount
FROM rc.days d
CROSS JOIN (VALUES ('EU', 'web', 3000, -1400, 6, 1), ('EU', 'app', 2000, -850, 5, 2),
                   ('US', 'web', 2500, -250, 6, 3), ('US', 'app', 1500, 0, 4, 1),
                   ('APAC', 'web', 600, 0, 2, 2), ('APAC', 'app', 400, 0, 2, 3)) AS s(region, channel, base, drop, noise, k);
SELECT pg_temp.add('regional_revenue', 'rc.sales', 'amount', dims => ARRAY['region', 'channel']::name[]);

-- 3. Net new MRR = new + expansion - contraction - churned; churn triples
--    from Feb 7 to Feb 9 (+300 a day), contraction rises by 20.
CREATE TABLE rc.mrr AS
SELECT day, 500 + 4 * w11 AS new_mrr, 200 + 3 * w13 AS expansion,
       100 + 2 * w7 + CASE WHEN day BETWEEN '2024-02-07' AND '2024-02-09' THEN 20 ELSE 0 END AS contraction,
       150 + 3 * w7 + CASE WHEN day BETWEEN '2024-02-07' AND '2024-02-09' THEN 300 ELSE 0 END AS churned
FROM rc.days;
CREATE VIEW rc.mrr_net AS SELECT day, new_mrr + expansion - contraction - churned AS net FROM rc.mrr;
SELECT pg_temp.add('new', 'rc.mrr', 'new_mrr');
SELECT pg_temp.add('expansion', 'rc.mrr', 'expansion');
SELECT pg_temp.add('contraction', 'rc.mrr', 'contraction');
SELECT pg_temp.add('churned', 'rc.mrr', 'churned');
SELECT pg_temp.add('mrr', 'rc.mrr_net', 'net');

-- 4. Web revenue = visits * conversion * order value (a product): conversion
--    falls 30 % from Jan 15 to Jan 17 while visits and order value hold.
CREATE TABLE rc.web AS
SELECT day, 1000 + 5 * w11 AS visits,
       CASE WHEN day BETWEEN '2024-01-15' AND '2024-01-17' THEN 0.021 ELSE 0.03 END + 0.0002 * w13 AS conversion,
       50 + 0.3 * w7 AS order_value
FROM rc.days;
CREATE VIEW rc.web_revenue AS SELECT day, visits * conversion * order_value AS amount FROM rc.web;
SELECT pg_temp.add('visits', 'rc.web', 'visits');
SELECT pg_temp.add('conversion', 'rc.web', 'conversion');
SELECT pg_temp.add('order_value', 'rc.web', 'order_value');
SELECT pg_temp.add('web_revenue', 'rc.web_revenue', 'amount');
UPDATE anomaly.metrics SET formula = 'visits * conversion * order_value' WHERE name = 'web_revenue';

-- 'fragile' spikes on Mar 10 and declares 'capped' related, a metric with
-- more series than its cap (its own checks fail).
CREATE TABLE rc.fragile AS
SELECT day, CASE WHEN day = '2024-03-10' THEN 90 ELSE 50 + w7 END AS v FROM rc.days;
CREATE TABLE rc.capped AS SELECT d.day, k.k, 10 + d.w11 AS v FROM rc.days d, (VALUES ('a'), ('b')) AS k(k);
SELECT anomaly.add_metric('capped', 'rc.capped', 'day', 'v', dimension_columns => '{k}', max_series => 1,
                          default_rules => false) > 0 AS added;
SELECT pg_temp.add('fragile', 'rc.fragile', 'v', related => ARRAY['capped']);

-- A formula is a sum or a product of registered metrics; anything else is
-- refused with the reason (SQLSTATE 22023).
UPDATE anomaly.metrics SET formula = 'new + expansion * churned' WHERE name = 'mrr';
UPDATE anomaly.metrics SET formula = 'new + expansion - downgrades' WHERE name = 'mrr';
UPDATE anomaly.metrics SET formula = 'new + mrr' WHERE name = 'mrr';
UPDATE anomaly.metrics SET formula = 'new + ' WHERE name = 'mrr';
UPDATE anomaly.metrics SET formula = 'new + new' WHERE name = 'mrr';
SELECT * FROM anomaly.formula_terms('sessions * "conversion rate" / refunds');
UPDATE anomaly.metrics SET formula = 'new + expansion - contraction - churned' WHERE name = 'mrr';
SELECT metric, related_metric, relation FROM anomaly.metric_relations ORDER BY metric, related_metric, relation;

-- 5. Checks on the mornings of Jan 17, Feb 9, Feb 22, Mar 4 and Mar 11. On Mar 4 the
--    revenue alert is open (Mar 2 .. Mar 3) and carries its causes, computed
--    from the data up to its last point; support tickets were checked after
--    revenue, so their coincident alert is not among them yet. The alert
--    grows until Mar 6 and its causes are refreshed. Alerts already closed
--    when first written ('lonely' on Feb 9) carry none: anomaly.root_cause
--    answers for them.
CALL pg_temp.run_checks('2024-01-17 00:00+00');
CALL pg_temp.run_checks('2024-02-09 00:00+00');
CALL pg_temp.run_checks('2024-02-22 00:00+00');
CALL pg_temp.run_checks('2024-03-04 00:00+00');
SELECT l.first_ts::date, l.last_ts::date, l.status, c.rank, c.metric, c.score, c.evidence
FROM anomaly.anomaly_log l, jsonb_to_recordset(l.root_causes) AS c(rank int, metric text, score float8, evidence text)
WHERE l.id = pg_temp.alert('revenue', '2024-03-02') ORDER BY c.rank;
CALL pg_temp.run_checks('2024-03-11 00:00+00');
SELECT l.first_ts::date, l.last_ts::date, l.status, c.rank, c.metric, c.score, c.evidence
FROM anomaly.anomaly_log l, jsonb_to_recordset(l.root_causes) AS c(rank int, metric text, score float8, evidence text)
WHERE l.id = pg_temp.alert('revenue', '2024-03-02') ORDER BY c.rank;
SELECT m.name AS metric, l.series, l.first_ts::date, l.last_ts::date, l.direction
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
ORDER BY l.first_ts, m.name, l.series::text;

-- 6. Why did revenue drop? Sessions fell first; the coincident support spike ranks below.
SELECT rank, kind, metric, series, round(score::numeric, 2) AS score, evidence
FROM anomaly.root_cause(pg_temp.alert('revenue', '2024-03-02'));

-- 7. Why did regional revenue (EU web) drop? The EU slice explains 90 %.
SELECT rank, kind, metric, series, round(score::numeric, 2) AS score, evidence
FROM anomaly.root_cause(pg_temp.alert('regional_revenue', '2024-02-20', '{"region": "EU", "channel": "web"}'));

-- 8. Why did net new MRR drop? Churn.
SELECT rank, kind, metric, series, round(score::numeric, 2) AS score, evidence
FROM anomaly.root_cause(pg_temp.alert('mrr', '2024-02-07'));

-- 9. Why did web revenue drop? Conversion: its log change is the whole log change.
SELECT rank, kind, metric, series, round(score::numeric, 2) AS score, evidence
FROM anomaly.root_cause(pg_temp.alert('web_revenue', '2024-01-15'));

-- 10. Nothing is related to 'lonely' and nothing else alerted then: no cause.
SELECT count(*) AS causes FROM anomaly.root_cause(pg_temp.alert('lonely', '2024-01-25'));

-- 11. The alerts carry their top causes (NULL for alerts closed when first written).
SELECT m.name AS metric, l.series, l.first_ts::date, c.kind, c.metric AS cause, c.series AS cause_series,
       jsonb_array_length(l.root_causes) AS causes
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
LEFT JOIN LATERAL jsonb_to_recordset(l.root_causes) AS c(rank int, kind text, metric text, series jsonb)
       ON c.rank = 1
ORDER BY l.first_ts, m.name, l.series::text;

-- 12. Incidents: related alerts whose periods overlap form one incident.
SELECT metrics, alerts, root_metric, first_ts::date, last_ts::date, status, severity,
       alert_ids[1] = incident_id AS id_is_first_alert
FROM anomaly.incidents ORDER BY first_ts, root_metric;

-- 13. Errors. A related metric that cannot be read is reported as such and
--     the analysis goes on.
SELECT status, c.metric, c.score, c.evidence
FROM anomaly.anomaly_log l, jsonb_to_recordset(l.root_causes) AS c(metric text, score float8, evidence text)
WHERE l.id = pg_temp.alert('fragile', '2024-03-10');
SELECT * FROM anomaly.root_cause(-1);
SELECT * FROM anomaly.root_cause(NULL);

DROP SCHEMA rc CASCADE;
DELETE FROM anomaly.metrics WHERE name IN ('sessions', 'revenue', 'support_tickets', 'lonely', 'regional_revenue',
                                           'new', 'expansion', 'contraction', 'churned', 'mrr',
                                           'visits', 'conversion', 'order_value', 'web_revenue', 'fragile', 'capped');
