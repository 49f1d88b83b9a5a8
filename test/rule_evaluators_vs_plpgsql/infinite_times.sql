-- Infinite times and from/as_of values: same rows or same errors.
CREATE FUNCTION pg_temp.res(schema text, method text, t timestamptz[], v float8[], p jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE m text; st text; r text;
BEGIN
  EXECUTE format('SELECT string_agg(x::text, '';'') FROM %I.rule_%s($1, $2, $3) x', schema, method) INTO r USING t, v, p;
  RETURN 'ok ' || coalesce(r, '');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, st = RETURNED_SQLSTATE;
  RETURN st || ' ' || regexp_replace(m, '^anomaly\.rule_\w+: ', '');
END $$;
SELECT count(*) AS cases, count(*) FILTER (WHERE pg_temp.res('old', m, t, v, p) IS DISTINCT FROM pg_temp.res('anomaly', m, t, v, p)) AS differ
FROM unnest('{missing_data,same_period_last_week,min,zscore,consecutive_direction}'::text[]) m,
     (VALUES ('{-infinity,2024-01-01,2024-01-08}'::timestamptz[]), ('{2024-01-01,2024-01-08,infinity}'), ('{2024-01-01,2024-01-08,2024-01-15}'), ('{-infinity,infinity,infinity}')) t(t),
     (VALUES ('{1,2,3}'::float8[]), ('{NULL,NaN,4}')) v(v),
     (VALUES ('{"frequency": "1 day", "as_of": "-infinity", "threshold": 1}'::jsonb), ('{"frequency": "1 day", "as_of": "infinity", "threshold": 1}'),
             ('{"frequency": "1 week", "as_of": "2024-02-01", "from": "2024-01-05", "threshold": 1}'), ('{"frequency": "1 day", "as_of": "2024-02-01", "from": "infinity", "threshold": 1}'),
             ('{"frequency": "1 day", "as_of": "2024-02-01", "from": "-infinity", "min_weeks": 1, "threshold": 1, "lookback": 2, "min_history": 2}')) p(p);
