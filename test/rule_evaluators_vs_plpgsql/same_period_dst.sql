-- same_period_last_week on local-midnight daily series across a daylight saving change, with gaps.
SET timezone = 'Europe/Berlin';
SELECT setseed(0.3);
CREATE TEMP TABLE cases2 AS
SELECT c, array_agg(t ORDER BY i) AS t, array_agg(v ORDER BY i) AS v
FROM (SELECT c, i, timestamptz '2024-03-01 00:00' + i * interval '1 day' + CASE WHEN c % 3 = 0 THEN interval '30 minutes' ELSE interval '0' END AS t,
             CASE WHEN random() < 0.05 THEN NULL WHEN random() < 0.02 THEN 'NaN'::float8 WHEN random() < 0.05 THEN 0
                  ELSE (100 + 30 * random()) * (1 + c % 5) + 1e-9 * random() END AS v
      FROM generate_series(1, 30) c, generate_series(1, 120) i WHERE random() > 0.1) x
GROUP BY c;
CREATE FUNCTION pg_temp.run2(schema text, t timestamptz[], v float8[], p jsonb)
  RETURNS TABLE(ts timestamptz, value float8, expected float8, lower float8, upper float8, score float8, is_anomaly bool)
  LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE format('SELECT * FROM %I.rule_same_period_last_week($1, $2, $3)', schema) USING t, v, p; END $$;
SELECT p.p, count(*) AS calls,
       sum((SELECT count(*) FROM pg_temp.run2('anomaly', c.t, c.v, p.p) WHERE expected IS NOT NULL)) AS scored,
       sum((SELECT count(*) FROM ((SELECT * FROM pg_temp.run2('anomaly', c.t, c.v, p.p) EXCEPT ALL SELECT * FROM pg_temp.run2('old', c.t, c.v, p.p))
                                  UNION ALL (SELECT * FROM pg_temp.run2('old', c.t, c.v, p.p) EXCEPT ALL SELECT * FROM pg_temp.run2('anomaly', c.t, c.v, p.p))) d)) AS differ
FROM (VALUES ('{}'::jsonb), ('{"weeks": 3, "min_weeks": 3}'), ('{"weeks": 8, "min_weeks": 1, "threshold_pct": 3}'), ('{"from": "2024-05-01"}')) p(p), cases2 c
GROUP BY p.p;
