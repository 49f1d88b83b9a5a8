-- anomaly.ensemble_anomaly: the detector to use by default. A shop's daily
-- revenue with a weekly pattern (weekends at 60 %), a deterministic wobble
-- of +/- 2 %, Black Friday (a known event: busy, not an anomaly), a payment
-- outage that halves one Tuesday, a double-loaded day, and a few days
-- missing (absent rows and NULL values).
SET TIME ZONE 'UTC';
SET datestyle = 'ISO, YMD';
CREATE SCHEMA ens_shop;
CREATE TABLE ens_shop.revenue AS
SELECT date '2025-08-01' + d AS day,
       CASE WHEN d IN (40, 41) THEN NULL
            ELSE round((1000 * (1 + 0.001 * d)
                        * CASE WHEN extract(isodow FROM date '2025-08-01' + d) >= 6 THEN 0.6 ELSE 1 END
                        * (1 + 0.02 * ((hashint4(d) & 1023) / 511.5 - 1))
                        * CASE WHEN date '2025-08-01' + d BETWEEN '2025-11-28' AND '2025-12-01' THEN 1.8 ELSE 1 END
                        * CASE WHEN date '2025-08-01' + d = '2025-12-09' THEN 0.5 ELSE 1 END
                        * CASE WHEN date '2025-08-01' + d = '2025-10-15' THEN 2 ELSE 1 END)::numeric, 1)::float8
       END AS amount
FROM generate_series(0, 150) AS d
WHERE d NOT IN (60, 61, 62);

CREATE VIEW ens_shop.judged AS
SELECT day, amount, (e).*
FROM (SELECT day, amount,
             anomaly.ensemble_anomaly(day, amount,
                 '{"name": "revenue", "events": [{"name": "black_friday", "start": "2025-11-28", "end": "2025-12-01"}]}')
                 OVER (ORDER BY day) AS e
      FROM ens_shop.revenue) q;

-- The anomalies, with what a person reads: the double-loaded Wednesday and
-- the outage Tuesday; nothing on weekends, nothing on Black Friday.
SELECT day, amount, severity, direction, round(expected) AS expected, round(deviation_pct) AS deviation_pct,
       explanation
FROM ens_shop.judged WHERE is_anomaly ORDER BY day;

-- Black Friday is far above the forecast but a known event: not an anomaly,
-- and the explanation says why.
SELECT day, amount, is_anomaly, round(deviation_pct) AS deviation_pct, explanation
FROM ens_shop.judged WHERE day BETWEEN '2025-11-28' AND '2025-12-01' ORDER BY day;

-- Every layer's raw and calibrated score and whether it fired, on the outage.
SELECT d.key AS detector, round((d.value ->> 'raw')::numeric, 2) AS raw,
       round((d.value ->> 'calibrated')::numeric, 6) AS calibrated, d.value -> 'fired' AS fired
FROM ens_shop.judged j, jsonb_each(j.detectors) AS d
WHERE j.day = '2025-12-09' ORDER BY d.key;

-- Cold start: with fewer than 30 values only the robust z-score speaks.
SELECT count(*) FILTER (WHERE warming_up) AS warming_up_rows, min(day) FILTER (WHERE NOT warming_up) AS first_full_day,
       bool_and(detectors -> 'forecast' ->> 'raw' IS NULL) FILTER (WHERE warming_up) AS forecast_silent
FROM ens_shop.judged;
SELECT day, amount, is_anomaly, round(score::numeric, 3) AS score, explanation
FROM ens_shop.judged WHERE day <= '2025-08-03' ORDER BY day;

-- Missing data: NULL values get no verdict (is_anomaly NULL) but an
-- expected value; absent days lower data_quality, the share of real points
-- among the last 28 days.
SELECT day, amount, is_anomaly, round(score::numeric, 3) AS score, round(expected) AS expected,
       round(data_quality::numeric, 3) AS data_quality,
       explanation
FROM ens_shop.judged WHERE day BETWEEN '2025-09-09' AND '2025-09-12' OR day BETWEEN '2025-10-03' AND '2025-10-05'
ORDER BY day;

-- Causal: judging only the first 100 days gives the same results for them.
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE a.e IS NOT DISTINCT FROM b.e) AS identical
FROM (SELECT day, anomaly.ensemble_anomaly(day, amount, '{}') OVER (ORDER BY day) AS e FROM ens_shop.revenue) a
JOIN (SELECT day, anomaly.ensemble_anomaly(day, amount, '{}') OVER (ORDER BY day) AS e
      FROM ens_shop.revenue WHERE day < '2025-08-01'::date + 100) b USING (day);

-- Seasonality mode (0.5.0): without the option the forecast is
-- multiplicative when every value before the first row out of warm-up is
-- positive (revenue: yes), else additive (a 0 among the first days); given,
-- it is kept.
SELECT count(*) FILTER (WHERE (a).expected IS DISTINCT FROM (m).expected) AS differs_from_multiplicative,
       count(*) FILTER (WHERE (z).expected IS DISTINCT FROM (za).expected) AS with_a_zero_differs_from_additive,
       count(*) FILTER (WHERE (a).expected IS DISTINCT FROM (ad).expected) AS differs_from_additive
FROM (SELECT day, anomaly.ensemble_anomaly(day, amount) OVER w AS a,
             anomaly.ensemble_anomaly(day, amount, '{"seasonality_mode": "multiplicative"}') OVER w AS m,
             anomaly.ensemble_anomaly(day, amount, '{"seasonality_mode": "additive"}') OVER w AS ad,
             anomaly.ensemble_anomaly(day, z) OVER w AS z,
             anomaly.ensemble_anomaly(day, z, '{"seasonality_mode": "additive"}') OVER w AS za
      FROM (SELECT day, amount, CASE WHEN day = '2025-08-03' THEN 0 ELSE amount END AS z FROM ens_shop.revenue) r
      WINDOW w AS (ORDER BY day)) q;

-- k-of-n agreement instead of the weighted score: at least three layers
-- must fire (an extreme robust z-score still decides alone).
SELECT day, is_anomaly, explanation
FROM (SELECT day, anomaly.ensemble_anomaly(day, amount,
                  '{"combine": "k_of_n", "k": 3, "events": [{"name": "black_friday", "start": "2025-11-28", "end": "2025-12-01"}]}')
                  OVER (ORDER BY day) AS e
      FROM ens_shop.revenue) q, LATERAL (SELECT (q.e).*) r
WHERE is_anomaly ORDER BY day;

-- Several metrics at once: one partition each.
SELECT metric, count(*) FILTER (WHERE (e).is_anomaly) AS anomalies, count(*) AS rows
FROM (SELECT metric, anomaly.ensemble_anomaly(day, v) OVER (PARTITION BY metric ORDER BY day) AS e
      FROM (SELECT 'revenue' AS metric, day, amount AS v FROM ens_shop.revenue
            UNION ALL SELECT 'orders', day, round(amount / 50) FROM ens_shop.revenue) m) q
GROUP BY metric ORDER BY metric;

-- Edge cases: no rows, one row, NULL / NaN / Infinity values, a NULL ts.
SELECT anomaly.ensemble_anomaly(day, amount) OVER (ORDER BY day) FROM ens_shop.revenue WHERE false;
SELECT (e).* FROM (SELECT anomaly.ensemble_anomaly(now(), 5) OVER () AS e) q;
SELECT t, v, (e).is_anomaly, (e).score, (e).warming_up, (e).explanation
FROM (SELECT t, v, anomaly.ensemble_anomaly(t, v) OVER (ORDER BY t) AS e
      FROM (VALUES (timestamptz '2025-01-01', 1::float8), ('2025-01-02', NULL), ('2025-01-03', 'NaN'),
                   ('2025-01-04', 'Infinity'), ('2025-01-05', '-Infinity'), (NULL, 3)) AS x(t, v)) q
ORDER BY t;
-- The same ts twice in a partition is an error naming it (aggregate first).
SELECT anomaly.ensemble_anomaly(t, 1) OVER () FROM (VALUES (timestamptz '2025-01-01'), ('2025-01-01')) AS x(t);
SELECT anomaly.ensemble_anomaly('infinity', 1) OVER ();

-- Options are checked, naming the bad key (22023).
\set VERBOSITY sqlstate
SELECT anomaly.ensemble_anomaly(now(), 1, NULL) OVER ();
\set VERBOSITY default
SELECT anomaly.ensemble_anomaly(now(), 1, '{"treshold": 0.99}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"threshold": 1.5}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"combine": "vote"}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"k": 9, "combine": "k_of_n"}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"weights": {"prophet": 1}}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"weights": {"forecast": "high"}}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"weights": [1, 2]}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"step": "1 fortnight"}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"period": 1}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"events": [{"name": "x", "start": "soon", "end": "2025-01-01"}]}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '{"time_zone": "Mars"}') OVER ();
SELECT anomaly.ensemble_anomaly(now(), 1, '[1]') OVER ();

-- As a rule method: add_metric's default deviation rule is now
-- ensemble_anomaly, and run_checks raises its alerts.
CREATE TABLE ens_shop.daily AS SELECT day, amount FROM ens_shop.revenue WHERE amount IS NOT NULL;
INSERT INTO anomaly.expected_events (name, during, affected_metrics, expected_impact, suppress_alerts)
VALUES ('black_friday', tstzrange('2025-11-28', '2025-12-02'), ARRAY['ens_revenue'], 'revenue +80 %', false);
SELECT anomaly.add_metric('ens_revenue', 'ens_shop.daily', 'day', 'amount', good_direction => 'up') > 0 AS added;
SELECT name, method, layer, params, history, warmup FROM anomaly.rules
WHERE metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'ens_revenue') ORDER BY name;
SELECT method, layer, param_defaults FROM anomaly.rule_methods WHERE method = 'ensemble_anomaly';
-- Parameters are checked when a rule is written.
\set VERBOSITY terse
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'ensemble_anomaly', '{"options": {"combine": "vote"}}' FROM anomaly.metrics WHERE name = 'ens_revenue';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'ensemble_anomaly', '{"options": {"threshold": 0.9}}' FROM anomaly.metrics WHERE name = 'ens_revenue';
INSERT INTO anomaly.rules (metric_id, name, method, params)
SELECT id, 'bad', 'ensemble_anomaly', '{"threshold": 2}' FROM anomaly.metrics WHERE name = 'ens_revenue';
\set VERBOSITY default
-- The evaluator called directly agrees with the window function given the
-- rule's default options (the isolation-forest layer off).
WITH s AS (SELECT array_agg(day::timestamptz ORDER BY day) AS t, array_agg(amount ORDER BY day) AS v FROM ens_shop.daily),
     e AS (SELECT e.* FROM s, anomaly.rule_ensemble_anomaly(s.t, s.v, '{}') AS e),
     w AS (SELECT day::timestamptz AS ts,
                  anomaly.ensemble_anomaly(day, amount, '{"weights": {"iforest": 0}}') OVER (ORDER BY day) AS w
           FROM ens_shop.daily)
SELECT count(*) AS points,
       count(*) FILTER (WHERE e.expected IS NOT DISTINCT FROM (w.w).expected AND e.score IS NOT DISTINCT FROM (w.w).score
                          AND e.is_anomaly IS NOT DISTINCT FROM (w.w).is_anomaly) AS same_as_window,
       count(*) FILTER (WHERE e.is_anomaly) AS anomalies
FROM e JOIN w USING (ts);
CALL anomaly.run_checks(as_of => '2026-01-01', metrics => '{ens_revenue}') \gset
SELECT r.name, h.ts::date AS day, h.value, round(h.expected) AS expected, round(h.score::numeric, 4) AS score,
       h.direction
FROM anomaly.rule_hits h JOIN anomaly.rules r ON r.id = h.rule_id
WHERE h.metric_id = (SELECT id FROM anomaly.metrics WHERE name = 'ens_revenue') AND r.method = 'ensemble_anomaly'
ORDER BY h.ts;
SELECT name, method FROM anomaly.rule_templates WHERE method = 'ensemble_anomaly';

-- NULL options are an error; a long computation stops at statement_timeout.
\set VERBOSITY terse
SELECT anomaly.ensemble_anomaly(day, amount, NULL) OVER (ORDER BY day) FROM ens_shop.daily LIMIT 1;
SET statement_timeout = '200ms';
SELECT count((e).score) FROM (
    SELECT anomaly.ensemble_anomaly(t, sin(i) + i % 7, '{"step": "1 hour"}') OVER (ORDER BY t) AS e
    FROM generate_series(1, 300000) i, LATERAL (SELECT timestamptz '2020-01-01' + i * interval '1 hour' AS t) x) q;
RESET statement_timeout;
\set VERBOSITY default

DELETE FROM anomaly.metrics WHERE name = 'ens_revenue';
DELETE FROM anomaly.expected_events WHERE name = 'black_friday';
DROP SCHEMA ens_shop CASCADE;
RESET TIME ZONE;
RESET datestyle;
