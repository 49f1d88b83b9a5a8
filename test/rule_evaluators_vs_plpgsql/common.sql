-- Loaded before each check file by run.sh: the result of one evaluator call as text,
-- 'ok <rows>' or '<SQLSTATE> <message without the C guard's function prefix>'.
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
