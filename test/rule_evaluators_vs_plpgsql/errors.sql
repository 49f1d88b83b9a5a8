-- Errors: message, SQLSTATE and hint of every evaluator for bad parameters and points, C vs PL/pgSQL; then a sample.
CREATE FUNCTION pg_temp.err(schema text, method text, t timestamptz[], v float8[], p jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE m text; st text; h text; n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %I.rule_%s($1, $2, $3)', schema, method) INTO n USING t, v, p;
  RETURN 'ok ' || n;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, st = RETURNED_SQLSTATE, h = PG_EXCEPTION_HINT;
  RETURN st || ' ' || m || ' | ' || coalesce(h, '');
END $$;
WITH m(method) AS (VALUES ('min'), ('max'), ('zero_day'), ('missing_data'), ('mad_zscore'), ('zscore'), ('pct_deviation'),
                          ('rolling_mean_shift'), ('consecutive_direction'), ('same_period_last_week')),
     p(p) AS (VALUES ('{}'::jsonb), ('{"threshold": "x"}'), ('{"threshold": 1e400}'), ('{"threshold": -1}'), ('{"threshold": [1,2]}'),
                     ('{"lookback": 0}'), ('{"lookback": 2.5}'), ('{"lookback": 20000}'), ('{"min_history": 1}'),
                     ('{"lookback": 3, "min_history": 5}'), ('{"threshold_pct": -3}'), ('{"short": 0}'), ('{"long": {"a": 1}}'),
                     ('{"n": 1}'), ('{"weeks": 2, "min_weeks": 3}'), ('{"weeks": 521}'), ('{"min_weeks": 0.5}'), ('{"moving": "left"}'), ('{"moving": 5}'), ('{"from": "garbage"}'), ('{"from": 17}'),
                     ('{"frequency": "1 day"}'), ('{"frequency": "-1 day", "as_of": "2024-01-01"}'),
                     ('{"frequency": "bad", "as_of": "2024-01-01"}'), ('{"frequency": "1 day", "as_of": "bad"}'),
                     ('{"frequency": "1 day", "as_of": "2024-01-01", "max_gap_periods": 0.5}'),
                     ('[1, 2]'), ('"scalar"'), ('{"threshold": 1, "frequency": "1 mon", "as_of": "infinity"}')),
     a(t, v) AS (VALUES ('{2024-01-01,2024-01-02}'::timestamptz[], '{1,2}'::float8[]), ('{2024-01-02,2024-01-01}', '{1,2}'),
                        ('{2024-01-01,NULL}', '{1,2}'), ('{2024-01-01}', '{1,2}'), ('{}', '{}'))
SELECT count(*) AS cases, count(*) FILTER (WHERE pg_temp.err('old', m.method, a.t, a.v, p.p) IS DISTINCT FROM pg_temp.err('anomaly', m.method, a.t, a.v, p.p)) AS differ
FROM m, p, a;
WITH m(method) AS (VALUES ('min'), ('missing_data'), ('mad_zscore'), ('consecutive_direction'), ('same_period_last_week')),
     p(p) AS (VALUES ('{"threshold": "x"}'::jsonb), ('{"threshold": -1, "lookback": 2.5}'), ('{"moving": 5}'), ('{"frequency": "bad", "as_of": "2024-01-01"}'), ('{"threshold": 1, "frequency": "1 mon", "as_of": "infinity"}'))
SELECT m.method, p.p, pg_temp.err('anomaly', m.method, '{2024-01-01,2024-01-02}', '{1,2}', p.p) FROM m, p LIMIT 12;
