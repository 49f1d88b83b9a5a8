-- float8 overflow/underflow: the same SQLSTATE 22003 and message (without the C guard's function prefix) or the same rows; then a count showing errors do occur.
WITH m(method, p) AS (VALUES ('min', '{"threshold": -1e308}'::jsonb), ('max', '{"threshold": 1e308}'), ('zero_day', '{"lookback": 2}'),
        ('mad_zscore', '{"lookback": 2, "min_history": 2, "threshold": 1e6}'), ('mad_zscore', '{"lookback": 3, "min_history": 2, "threshold": 0.000001}'),
        ('zscore', '{"lookback": 2, "min_history": 2, "threshold": 1e6}'), ('zscore', '{"lookback": 3, "min_history": 3}'),
        ('pct_deviation', '{"lookback": 2, "min_history": 1, "threshold_pct": 1e9}'), ('pct_deviation', '{"lookback": 2, "min_history": 2, "threshold_pct": 0.1}'),
        ('rolling_mean_shift', '{"short": 1, "long": 2, "threshold_pct": 1e9}'), ('same_period_last_week', '{"weeks": 2, "min_weeks": 2, "threshold_pct": 1e9}'),
        ('same_period_last_week', '{"weeks": 2, "min_weeks": 2, "threshold_pct": 0.001}'),
        ('consecutive_direction', '{"n": 2}')),
     a(v) AS (VALUES ('{1e308,-1e308,1e308,5,-1e308}'::float8[]), ('{1e200,-1e200,5,6,7}'), ('{5e-324,5e-324,1e-320,5e-324,0}'),
                     ('{1e-310,2e-310,3e-310,-1e-309,1e-300}'), ('{1e307,1e307,-1e307,1e307,2e307}'), ('{1,2,Infinity,-Infinity,3}'),
                     ('{8e307,9e307,-9e307,NaN,1e308}'), ('{1e-200,2e-200,-1e-200,1e-200,3e-200}'))
SELECT m.method, m.p, a.v, pg_temp.res('old', m.method, t.t, a.v, m.p) AS old, pg_temp.res('anomaly', m.method, t.t, a.v, m.p) AS new
FROM m, a, (SELECT ARRAY(SELECT timestamptz '2024-01-01' + i * interval '7 days' FROM generate_series(0, 4) i) AS t) t
WHERE pg_temp.res('old', m.method, t.t, a.v, m.p) IS DISTINCT FROM pg_temp.res('anomaly', m.method, t.t, a.v, m.p);
SELECT count(*) FILTER (WHERE x LIKE '22003%') AS errors, count(*) FROM (
SELECT pg_temp.res('anomaly', m, ARRAY(SELECT timestamptz '2024-01-01' + i * interval '7 days' FROM generate_series(0, 4) i), v, '{"lookback": 2, "min_history": 2, "threshold": 1}') x
FROM unnest('{zero_day,zscore,pct_deviation,mad_zscore}'::text[]) m, (VALUES ('{1e308,-1e308,1e308,5,-1e308}'::float8[]), ('{1e200,-1e200,5,6,7}'), ('{5e-324,5e-324,1e-320,5e-324,0}')) a(v)) y;
