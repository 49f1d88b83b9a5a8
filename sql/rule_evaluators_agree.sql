-- The C rule evaluators agree, to the last bit, with a straightforward SQL
-- window computation of what each rule documents, on a seeded series with
-- NULL, NaN, Infinity and zero values, also when only the points from a time
-- on are asked for ("from").
CREATE TEMP TABLE agree_points AS
SELECT i, timestamptz '2024-01-01 00:00+00' + (i - 1) * interval '1 day' AS t,
       CASE WHEN i % 29 = 0 THEN NULL WHEN i = 50 THEN 'NaN' WHEN i = 77 THEN 'Infinity'
            WHEN i IN (60, 90) THEN 0
            ELSE round((100 + 20 * sin(i / 3.0) + (i * 37 % 11) * 1.7)::numeric, 3)::float8 END AS v
FROM generate_series(1, 120) AS i;
-- The finite points, numbered.
CREATE TEMP VIEW agree_finite AS
SELECT p.i, p.t, p.v, row_number() OVER (ORDER BY p.i) AS j
FROM agree_points p WHERE p.v > '-Infinity' AND p.v < 'Infinity';
CREATE TEMP VIEW agree_arrays AS
SELECT array_agg(t ORDER BY i) AS t, array_agg(v ORDER BY i) AS v FROM agree_points;

-- zscore / pct_deviation (lookback 5, min_history 4) and zero_day (lookback 3):
-- window aggregates over the finite values before each point.
CREATE TEMP VIEW agree_windows AS
SELECT f.t, f.v,
       avg(f.v) OVER w5 AS m5, stddev_samp(f.v) OVER w5 AS sd5, count(*) OVER w5 AS n5,
       avg(f.v) OVER w3 AS m3,
       avg(f.v) OVER (ORDER BY f.j ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS short3,
       avg(f.v) OVER (ORDER BY f.j ROWS BETWEEN 6 PRECEDING AND 3 PRECEDING) AS long4, f.j
FROM agree_finite f
WINDOW w5 AS (ORDER BY f.j ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING),
       w3 AS (ORDER BY f.j ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING);

SELECT 'zscore' AS method, count(*) AS rows,
       count(*) FILTER (WHERE (e.expected, e.lower, e.upper, e.score, e.is_anomaly) IS DISTINCT FROM
                              (w.m5, w.m5 - 2.5 * w.sd5, w.m5 + 2.5 * w.sd5,
                               CASE WHEN w.sd5 > 0 THEN (w.v - w.m5) / w.sd5 WHEN w.v = w.m5 THEN 0
                                    WHEN w.v > w.m5 THEN 'Infinity' ELSE '-Infinity' END,
                               abs(CASE WHEN w.sd5 > 0 THEN (w.v - w.m5) / w.sd5 WHEN w.v = w.m5 THEN 0
                                        WHEN w.v > w.m5 THEN 'Infinity' ELSE '-Infinity' END) > 2.5)) AS differ
FROM agree_arrays a, anomaly.rule_zscore(a.t, a.v, '{"threshold": 2.5, "lookback": 5, "min_history": 4}') e
JOIN agree_windows w ON w.t = e.ts
WHERE w.n5 >= 4
UNION ALL
SELECT 'zscore warming up / not finite', count(*),
       count(*) FILTER (WHERE num_nonnulls(e.expected, e.lower, e.upper, e.score, e.is_anomaly) > 0)
FROM agree_arrays a, anomaly.rule_zscore(a.t, a.v, '{"threshold": 2.5, "lookback": 5, "min_history": 4}') e
WHERE NOT EXISTS (SELECT FROM agree_windows w WHERE w.t = e.ts AND w.n5 >= 4)
UNION ALL
SELECT 'pct_deviation', count(*),
       count(*) FILTER (WHERE (e.expected, e.lower, e.upper, e.score, e.is_anomaly) IS DISTINCT FROM
                              (w.m5, w.m5 - abs(w.m5) * 15 / 100, w.m5 + abs(w.m5) * 15 / 100,
                               anomaly.pct_change(w.v, w.m5), abs(anomaly.pct_change(w.v, w.m5)) > 15))
FROM agree_arrays a, anomaly.rule_pct_deviation(a.t, a.v, '{"threshold_pct": 15, "lookback": 5, "min_history": 4}') e
JOIN agree_windows w ON w.t = e.ts
WHERE w.n5 >= 4
UNION ALL
SELECT 'zero_day', count(*),
       count(*) FILTER (WHERE (e.expected, e.score, e.is_anomaly) IS DISTINCT FROM
                              (w.m3, CASE WHEN w.m3 > 0 THEN (w.v - w.m3) / w.m3 END, w.v = 0 AND coalesce(w.m3 > 0, false)))
FROM agree_arrays a, anomaly.rule_zero_day(a.t, a.v, '{"lookback": 3}') e
JOIN agree_windows w ON w.t = e.ts
UNION ALL
SELECT 'rolling_mean_shift', count(*),
       count(*) FILTER (WHERE (e.value, e.expected, e.lower, e.upper, e.score, e.is_anomaly) IS DISTINCT FROM
                              (w.short3, w.long4, w.long4 - abs(w.long4) * 5 / 100, w.long4 + abs(w.long4) * 5 / 100,
                               anomaly.pct_change(w.short3, w.long4), abs(anomaly.pct_change(w.short3, w.long4)) > 5))
FROM agree_arrays a, anomaly.rule_rolling_mean_shift(a.t, a.v, '{"short": 3, "long": 4, "threshold_pct": 5}') e
JOIN agree_windows w ON w.t = e.ts
WHERE w.j >= 7
UNION ALL
-- mad_zscore (lookback 6, min_history 4): median and MAD of the window by
-- percentile_cont, the score by the array form anomaly.mad_zscore.
SELECT 'mad_zscore', count(*),
       count(*) FILTER (WHERE (e.expected, e.lower, e.upper, e.score, e.is_anomaly) IS DISTINCT FROM
                              (r.med, r.med - 3 * r.spread, r.med + 3 * r.spread, z.z, abs(z.z) > 3))
FROM agree_arrays a
CROSS JOIN LATERAL anomaly.rule_mad_zscore(a.t, a.v, '{"threshold": 3, "lookback": 6, "min_history": 4}') e
JOIN (SELECT u.t, u.z FROM agree_arrays a2, unnest(a2.t, anomaly.mad_zscore(a2.v, 6, 4)) AS u(t, z)) z ON z.t = e.ts
JOIN (SELECT f.t, m.med,
             CASE WHEN d.mad > 0 THEN d.mad / 0.6745 ELSE 1.253314 * d.mean_abs END AS spread
      FROM agree_finite f
      CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY g.v) AS med
                          FROM agree_finite g WHERE g.j BETWEEN f.j - 6 AND f.j - 1) m
      CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(g.v - m.med)) AS mad,
                                 avg(abs(g.v - m.med)) AS mean_abs
                          FROM agree_finite g WHERE g.j BETWEEN f.j - 6 AND f.j - 1) d
      WHERE f.j > 4) r ON r.t = e.ts
UNION ALL
-- missing_data: the gap to the next point, or to as_of (12:34:56.789 after
-- the last point: a quotient with no short decimal form).
SELECT 'missing_data', count(*),
       count(*) FILTER (WHERE (e.score, e.is_anomaly) IS DISTINCT FROM
                              (-(extract(epoch FROM s.nxt - s.t) / extract(epoch FROM interval '7 hours'))::float8,
                               s.nxt - s.t > interval '7 hours' * 2.5))
FROM (SELECT array_agg(t ORDER BY i) AS t, array_agg(v ORDER BY i) AS v FROM agree_points WHERE i % 7 <> 3) a
CROSS JOIN LATERAL anomaly.rule_missing_data(a.t, a.v, '{"max_gap_periods": 2.5, "frequency": "7 hours", "as_of": "2024-04-30 12:34:56.789+00"}') e
JOIN (SELECT p.t, coalesce(lead(p.t) OVER (ORDER BY p.i), timestamptz '2024-04-30 12:34:56.789+00') AS nxt
      FROM agree_points p WHERE p.i % 7 <> 3) s ON s.t = e.ts
UNION ALL
-- consecutive_direction (n 3, moving down): runs of equal step signs over the
-- finite values, numbered with a running count of sign changes.
SELECT 'consecutive_direction', count(*),
       count(*) FILTER (WHERE (e.expected, e.score, e.is_anomaly) IS DISTINCT FROM
                              (r.start_value, r.z, r.z <= -3))
FROM agree_arrays a
CROSS JOIN LATERAL anomaly.rule_consecutive_direction(a.t, a.v, '{"n": 3, "moving": "down"}') e
JOIN (SELECT d.t, d.j, (SELECT x.v FROM agree_finite x WHERE x.j = d.j - d.streak) AS start_value,
             d.step * d.streak AS z
      FROM (SELECT d.*, d.j - min(d.j) OVER (PARTITION BY d.run) + 1 AS streak
            FROM (SELECT d.*, count(*) FILTER (WHERE d.step IS DISTINCT FROM d.prev_step) OVER (ORDER BY d.j) AS run
                  FROM (SELECT d.*, lag(d.step) OVER (ORDER BY d.j) AS prev_step
                        FROM (SELECT f.*, sign(f.v - lag(f.v) OVER (ORDER BY f.j)) AS step FROM agree_finite f) d) d) d) d) r
  ON r.t = e.ts AND r.j > 3
UNION ALL
-- same_period_last_week (weeks 3, min_weeks 2): the finite values exactly 7,
-- 14, 21 days earlier (in the session's time zone: the points are local
-- midnights across a daylight saving change).
SELECT 'same_period_last_week', count(*),
       count(*) FILTER (WHERE (e.expected, e.score, e.is_anomaly) IS DISTINCT FROM
                              (w.m, anomaly.pct_change(w.v, w.m), abs(anomaly.pct_change(w.v, w.m)) > 10))
FROM agree_arrays a
CROSS JOIN LATERAL anomaly.rule_same_period_last_week(a.t, a.v, '{"weeks": 3, "min_weeks": 2, "threshold_pct": 10}') e
JOIN (SELECT f.t, f.v, avg(g.v ORDER BY g.t DESC) AS m
      FROM agree_finite f JOIN agree_finite g
        ON g.t IN (f.t - interval '7 days', f.t - interval '14 days', f.t - interval '21 days')
      GROUP BY f.t, f.v HAVING count(*) >= 2) w ON w.t = e.ts
UNION ALL
SELECT 'min', count(*),
       count(*) FILTER (WHERE (e.value, e.expected, e.lower, e.upper, e.score, e.is_anomaly) IS DISTINCT FROM
                              (p.v, 95.5::float8, 95.5::float8, NULL::float8,
                               CASE WHEN p.v > '-Infinity' AND p.v < 'Infinity' THEN p.v - 95.5 END,
                               CASE WHEN p.v > '-Infinity' AND p.v < 'Infinity' THEN p.v < 95.5 END))
FROM agree_arrays a, anomaly.rule_min(a.t, a.v, '{"threshold": 95.5}') e
JOIN agree_points p ON p.t = e.ts;

-- "from": the rows from a time on are the same rows of the full call.
CREATE FUNCTION pg_temp.rows(method text, params jsonb)
    RETURNS TABLE(ts timestamptz, value float8, expected float8, lower float8, upper float8, score float8,
                  is_anomaly bool)
    LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT x.* FROM agree_arrays a, anomaly.rule_%s(a.t, a.v, $1) x', method) USING params;
END;
$$;
SELECT m.method,
       (SELECT count(*) FROM pg_temp.rows(m.method, m.params)) AS rows_all,
       (SELECT count(*) FROM pg_temp.rows(m.method, m.params || '{"from": "2024-03-15 00:00+00"}')) AS rows_from,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.rows(m.method, m.params || '{"from": "2024-03-15 00:00+00"}')
                              EXCEPT ALL
                              SELECT * FROM pg_temp.rows(m.method, m.params)) d) AS differ
FROM (VALUES ('zscore', '{"lookback": 5, "min_history": 4}'::jsonb), ('pct_deviation', '{}'), ('zero_day', '{}'),
             ('mad_zscore', '{"lookback": 6, "min_history": 4}'), ('rolling_mean_shift', '{"short": 3, "long": 4}'),
             ('max', '{"threshold": 110}'), ('consecutive_direction', '{"n": 2}'),
             ('same_period_last_week', '{"min_weeks": 1}'),
             ('missing_data', '{"frequency": "1 day", "as_of": "2024-05-01 00:00+00"}')) AS m(method, params)
ORDER BY 1;

DROP FUNCTION pg_temp.rows(text, jsonb);
DROP VIEW agree_windows, agree_arrays, agree_finite;
DROP TABLE agree_points;
