-- C evaluators vs PL/pgSQL on random series (seeded).
SELECT setseed(0.7);
CREATE TEMP TABLE cases AS
SELECT c, array_agg(t ORDER BY i) AS t, array_agg(v ORDER BY i) AS v
FROM (SELECT c, i, timestamptz '2024-03-01 00:00+00' + (i * (1 + (c % 3))) * interval '13 hours' + CASE WHEN c % 2 = 0 THEN (i / 2) * interval '11 hours' ELSE interval '0' END AS t,
             CASE WHEN random() < 0.05 THEN NULL WHEN random() < 0.02 THEN 'NaN'::float8
                  WHEN random() < 0.02 THEN 'Infinity' WHEN random() < 0.05 THEN 0
                  WHEN c % 4 = 0 THEN round((random() * 10)::numeric, 0)::float8  -- ties: MAD = 0
                  ELSE (100 + 30 * random()) * (1 + c % 5) END AS v
      FROM generate_series(1, 40) c, generate_series(1, 90) i) x
GROUP BY c;
CREATE TEMP TABLE params(method text, p jsonb);
INSERT INTO params VALUES
 ('min', '{"threshold": 105}'), ('max', '{"threshold": 120.5}'),
 ('zero_day', '{}'), ('zero_day', '{"lookback": 2}'),
 ('missing_data', '{"frequency": "13 hours", "as_of": "2024-05-20 07:11:13.123+00"}'),
 ('missing_data', '{"frequency": "1 day", "max_gap_periods": 1.3, "as_of": "2024-05-20"}'),
 ('mad_zscore', '{}'), ('mad_zscore', '{"lookback": 5, "min_history": 3, "threshold": 2}'),
 ('zscore', '{}'), ('zscore', '{"lookback": 4, "min_history": 2}'),
 ('pct_deviation', '{}'), ('pct_deviation', '{"lookback": 3, "min_history": 1, "threshold_pct": 5}'),
 ('rolling_mean_shift', '{}'), ('rolling_mean_shift', '{"short": 2, "long": 3, "threshold_pct": 3}'),
 ('consecutive_direction', '{}'), ('consecutive_direction', '{"n": 2, "good_direction": "up"}'),
 ('consecutive_direction', '{"n": 3, "moving": "up"}'),
 ('same_period_last_week', '{}'), ('same_period_last_week', '{"weeks": 2, "min_weeks": 1, "threshold_pct": 4}'),
 ('same_period_last_week', '{"weeks": 7, "min_weeks": 3}');
CREATE FUNCTION pg_temp.run(schema text, method text, t timestamptz[], v float8[], p jsonb)
  RETURNS TABLE(ts timestamptz, value float8, expected float8, lower float8, upper float8, score float8, is_anomaly bool)
  LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE format('SELECT * FROM %I.rule_%s($1, $2, $3)', schema, method) USING t, v, p; END $$;
SELECT p.method, count(*) AS calls,
       sum((SELECT count(*) FROM pg_temp.run('anomaly', p.method, c.t, c.v, p.p || f.k))) AS rows,
       sum((SELECT count(*) FROM ((SELECT * FROM pg_temp.run('anomaly', p.method, c.t, c.v, p.p || f.k)
                                   EXCEPT ALL SELECT * FROM pg_temp.run('old', p.method, c.t, c.v, p.p || f.k))
                                  UNION ALL
                                  (SELECT * FROM pg_temp.run('old', p.method, c.t, c.v, p.p || f.k)
                                   EXCEPT ALL SELECT * FROM pg_temp.run('anomaly', p.method, c.t, c.v, p.p || f.k))) d)) AS differ
FROM params p CROSS JOIN cases c
CROSS JOIN (VALUES ('{}'::jsonb), ('{"from": "2024-04-10"}')) f(k)
GROUP BY p.method ORDER BY 1;
