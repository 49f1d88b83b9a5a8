-- Infinite times and from/as_of values: same rows or same errors.
SELECT count(*) AS cases, count(*) FILTER (WHERE pg_temp.res('old', m, t, v, p) IS DISTINCT FROM pg_temp.res('anomaly', m, t, v, p)) AS differ
FROM unnest('{missing_data,same_period_last_week,min,zscore,consecutive_direction}'::text[]) m,
     (VALUES ('{-infinity,2024-01-01,2024-01-08}'::timestamptz[]), ('{2024-01-01,2024-01-08,infinity}'), ('{2024-01-01,2024-01-08,2024-01-15}'), ('{-infinity,infinity,infinity}')) t(t),
     (VALUES ('{1,2,3}'::float8[]), ('{NULL,NaN,4}')) v(v),
     (VALUES ('{"frequency": "1 day", "as_of": "-infinity", "threshold": 1}'::jsonb), ('{"frequency": "1 day", "as_of": "infinity", "threshold": 1}'),
             ('{"frequency": "1 week", "as_of": "2024-02-01", "from": "2024-01-05", "threshold": 1}'), ('{"frequency": "1 day", "as_of": "2024-02-01", "from": "infinity", "threshold": 1}'),
             ('{"frequency": "1 day", "as_of": "2024-02-01", "from": "-infinity", "min_weeks": 1, "threshold": 1, "lookback": 2, "min_history": 2}')) p(p);
