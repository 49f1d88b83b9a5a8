-- anomaly.ensemble_rule_scores: what the rule method ensemble_anomaly runs
-- (run_checks' default deviation rule). The same detector pass as
-- anomaly.ensemble_anomaly, only the five fields a rule needs, and nothing
-- for the rows before `since`: a daily check returns 4 rows of a block of
-- ~380, and no longer builds an explanation for the other 376.
-- Two shops, 150 days: weekends at 60 %, a deterministic wobble, one
-- double-loaded day and one outage in shop a, a missing value in shop b.
SET TIME ZONE 'UTC';
SET datestyle = 'ISO, YMD';
CREATE SCHEMA rcc;
CREATE TABLE rcc.sales AS
SELECT s.shop, date '2025-03-01' + d AS day,
       CASE WHEN s.shop = 'b' AND d = 90 THEN NULL
            ELSE round((s.level * CASE WHEN extract(isodow FROM date '2025-03-01' + d) >= 6 THEN 0.6 ELSE 1 END
                        * (1 + 0.03 * ((hashint4(d + s.level::int) & 1023) / 511.5 - 1))
                        * CASE WHEN s.shop = 'a' AND d = 100 THEN 2 WHEN s.shop = 'a' AND d = 130 THEN 0.4 ELSE 1 END)::numeric, 2)::float8
       END AS revenue
FROM (VALUES ('a', 1000.0), ('b', 35.0)) AS s(shop, level), generate_series(0, 149) AS d;

CREATE VIEW rcc.both AS
SELECT shop, day, revenue, full_e, lean_e
FROM (SELECT shop, day, revenue,
             anomaly.ensemble_anomaly(day, revenue, '{"threshold": 0.9999}') OVER w AS full_e,
             anomaly.ensemble_rule_scores(day, revenue, '{"threshold": 0.9999}', NULL) OVER w AS lean_e
      FROM rcc.sales WINDOW w AS (PARTITION BY shop ORDER BY day)) q;

-- Every row: the same is_anomaly, score, expected, lower and upper (compared
-- as float8: equal to the last bit), anomalies included.
SELECT shop, count(*) AS rows,
       count(*) FILTER (WHERE ((full_e).is_anomaly, (full_e).score, (full_e).expected, (full_e).lower, (full_e).upper)
                              IS NOT DISTINCT FROM
                              ((lean_e).is_anomaly, (lean_e).score, (lean_e).expected, (lean_e).lower, (lean_e).upper)) AS same,
       count(*) FILTER (WHERE (lean_e).is_anomaly) AS anomalies,
       count(*) FILTER (WHERE (lean_e).is_anomaly IS NULL) AS not_judged
FROM rcc.both GROUP BY shop ORDER BY shop;
SELECT shop, day, revenue, (lean_e).is_anomaly, round((lean_e).expected) AS expected
FROM rcc.both WHERE (lean_e).is_anomaly ORDER BY shop, day;

-- Rows before `since` are NULL; the rows from `since` on are those of the
-- whole pass (each still judged from every row before it).
SELECT count(*) FILTER (WHERE e IS NULL) AS before_since, count(*) FILTER (WHERE e IS NOT NULL) AS from_since,
       count(*) FILTER (WHERE e IS NOT NULL AND ((e).score, (e).expected) IS NOT DISTINCT FROM ((full_e).score, (full_e).expected)) AS same
FROM (SELECT q.day, q.full_e,
             anomaly.ensemble_rule_scores(q.day, q.revenue, '{"threshold": 0.9999}', '2025-07-20') OVER (ORDER BY q.day) AS e
      FROM rcc.both q WHERE q.shop = 'a') x;

-- A NULL ts gets NULL; a NULL value is not judged.
SELECT t, v, e
FROM (SELECT t, v, anomaly.ensemble_rule_scores(t, v, '{}', NULL) OVER (ORDER BY t) AS e
      FROM (VALUES (timestamptz '2025-01-01', 1.0::float8), ('2025-01-02', NULL), (NULL, 3.0)) AS x(t, v)) q
ORDER BY t;

-- Options are checked like ensemble_anomaly's (22004, 22023).
\set VERBOSITY sqlstate
SELECT anomaly.ensemble_rule_scores(now(), 1, NULL, NULL) OVER ();
\set VERBOSITY default
SELECT anomaly.ensemble_rule_scores(now(), 1, '{"treshold": 0.99}', NULL) OVER ();
SELECT anomaly.ensemble_rule_scores('infinity', 1, '{}', NULL) OVER ();

-- The rule method returns exactly these scores: run_checks' call (blocks of
-- 28 days, each from the 365 days before it) equals the lean window over
-- the last block's rows, and equals ensemble_anomaly's fields.
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(revenue ORDER BY day) AS v
           FROM rcc.sales WHERE shop = 'a'),
     r AS (SELECT x.* FROM s, anomaly.rule_ensemble_anomaly(s.t, s.v,
               '{"threshold": 0.9999}'::jsonb || anomaly.runtime_params('1 day', 'up', '2025-07-29', '2025-07-24')) AS x),
     b AS (SELECT anomaly.rule_block_start('2025-07-24', '28 days') AS b0),
     w AS (SELECT q.day, (q.e).* FROM b, LATERAL (
               SELECT day, anomaly.ensemble_anomaly(day, revenue, '{"weights": {"iforest": 0}, "threshold": 0.9999}') OVER (ORDER BY day) AS e
               FROM rcc.sales WHERE shop = 'a' AND day >= b.b0 - interval '365 days' AND day < b.b0 + interval '28 days') q)
SELECT count(*) AS points,
       count(*) FILTER (WHERE (r.score, r.expected, r.lower, r.upper, r.is_anomaly)
                              IS NOT DISTINCT FROM (w.score, w.expected, w.lower, w.upper, w.is_anomaly)) AS same
FROM r JOIN w ON w.day = r.ts;

DROP SCHEMA rcc CASCADE;
RESET TIME ZONE;
RESET datestyle;
