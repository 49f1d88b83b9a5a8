-- anomaly.stl_residual(value, period, robust, history) OVER (PARTITION BY ...
-- ORDER BY ...): each row's STL residual in its trailing window, as a robust
-- score (|score| > 3.5 = anomaly, as for mad_zscore). Causal.

-- Two metrics, 120 days, a weekly pattern, deterministic noise; metric 1 has
-- a spike on day 90 and a missing day 70.
CREATE TABLE stl_days AS
SELECT m AS metric, d AS day,
       CASE WHEN m = 1 AND d = 70 THEN NULL
            ELSE 100 * m + 0.1 * d + (ARRAY[5, 3, 0, -1, -2, -8, 3])[d % 7 + 1]
                 + ((d * 7919 + m * 104729) % 17 - 8) / 8.0
                 + CASE WHEN m = 1 AND d = 90 THEN 25 ELSE 0 END
       END::float8 AS value
FROM generate_series(1, 2) AS m, generate_series(0, 119) AS d;

-- Scores start once history (56 rows for period 7) and 7 residuals exist;
-- the spike is the only row beyond 3.5.
SELECT metric, count(z) AS scored, min(day) FILTER (WHERE z IS NOT NULL) AS first_scored,
       array_agg(day ORDER BY day) FILTER (WHERE abs(z) > 3.5) AS flagged
FROM (SELECT metric, day, anomaly.stl_residual(value) OVER w AS z
      FROM stl_days WINDOW w AS (PARTITION BY metric ORDER BY day)) s
GROUP BY metric ORDER BY metric;

-- The missing day gets no score (and is filled with its expected value for
-- the later windows); around the spike, robust mode keeps the spike out of
-- the later windows, non-robust mode lets it bend them.
SELECT day, value, round(anomaly.stl_residual(value) OVER w::numeric, 2) AS z,
       round(anomaly.stl_residual(value, 7, false) OVER w::numeric, 2) AS z_plain
FROM stl_days WHERE metric = 1
WINDOW w AS (PARTITION BY metric ORDER BY day)
ORDER BY day OFFSET 68 LIMIT 4;
SELECT day, round(anomaly.stl_residual(value) OVER w::numeric, 2) AS z,
       round(anomaly.stl_residual(value, 7, false) OVER w::numeric, 2) AS z_plain
FROM stl_days WHERE metric = 1
WINDOW w AS (PARTITION BY metric ORDER BY day)
ORDER BY day OFFSET 89 LIMIT 10;

-- Causal: appending rows never changes earlier scores.
SELECT bool_and(a.z IS NOT DISTINCT FROM b.z) AS unchanged, count(a.z) AS compared
FROM (SELECT metric, day, anomaly.stl_residual(value) OVER w AS z FROM stl_days
      WINDOW w AS (PARTITION BY metric ORDER BY day)) a
JOIN (SELECT metric, day, anomaly.stl_residual(value) OVER w AS z FROM stl_days WHERE day < 95
      WINDOW w AS (PARTITION BY metric ORDER BY day)) b USING (metric, day);

-- The definition, recomputed in plain SQL for metric 2 (non-robust): each
-- row's residual is the last residual of stl_decompose on the 56 rows ending
-- at it; its score is 0.6745 * residual / MAD of the previous rows'
-- residuals (at most 56, at least 7).
WITH s AS (SELECT day, value FROM stl_days WHERE metric = 2),
r AS (SELECT s.day,
             (SELECT d.resid
              FROM anomaly.stl_decompose((SELECT array_agg(w.value ORDER BY w.day) FROM s w
                                          WHERE w.day BETWEEN s.day - 55 AND s.day), 7) d
              WHERE d.i = 56) AS r
      FROM s WHERE s.day >= 55),
expected AS (
  SELECT r1.day, 0.6745 * r1.r / (
           SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(r2.r - med.m))
           FROM r r2,
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r3.r) AS m
                 FROM r r3 WHERE r3.day BETWEEN r1.day - 56 AND r1.day - 1) med
           WHERE r2.day BETWEEN r1.day - 56 AND r1.day - 1) AS z
  FROM r r1
  WHERE (SELECT count(*) FROM r r4 WHERE r4.day < r1.day) >= 7),
got AS (SELECT day, anomaly.stl_residual(value, 7, false) OVER (ORDER BY day) AS z FROM s)
SELECT count(*) AS rows, count(got.z) AS scored, count(expected.z) AS expected,
       max(abs(got.z - expected.z)) < 1e-9 AS same_scores
FROM got LEFT JOIN expected USING (day)
WHERE got.z IS NOT NULL OR expected.z IS NOT NULL;

-- The array form gives the window function's scores, element by element.
SELECT bool_and(a.z IS NOT DISTINCT FROM w.z) AS same, count(a.z) AS scored
FROM (SELECT metric, day, anomaly.stl_residual(value) OVER (PARTITION BY metric ORDER BY day) AS z FROM stl_days) w
JOIN (SELECT metric, g.day - 1 AS day, g.z
      FROM (SELECT metric, anomaly.stl_residual(array_agg(value ORDER BY day)) AS zs FROM stl_days GROUP BY metric) s,
           unnest(s.zs) WITH ORDINALITY AS g(z, day)) a USING (metric, day);
SELECT anomaly.stl_residual(NULL::float8[]) IS NULL AS null_array,
       anomaly.stl_residual('[0:2]={1,2,3}'::float8[]) AS too_short,
       anomaly.stl_residual('{}'::float8[]) AS empty;
SELECT anomaly.stl_residual(ARRAY[1, 2]::float8[], 1);

-- Too short partitions and all-NULL partitions: NULL scores, no error.
SELECT count(*) AS rows, count(z) AS scored
FROM (SELECT anomaly.stl_residual(v) OVER (ORDER BY g) AS z
      FROM generate_series(1, 30) g, LATERAL (SELECT CASE WHEN g % 2 = 0 THEN NULL ELSE g END::float8 AS v) x) s;
SELECT count(z) FROM (SELECT anomaly.stl_residual(NULL::float8) OVER () AS z FROM generate_series(1, 5)) s;

-- Errors.
SELECT anomaly.stl_residual(value, 1) OVER (ORDER BY day) FROM stl_days;
SELECT anomaly.stl_residual(value, 7, true, 20) OVER (ORDER BY day) FROM stl_days;
SELECT anomaly.stl_residual(value, NULL) OVER (ORDER BY day) FROM stl_days;
SELECT anomaly.stl_residual(value, 7, true, 5000) OVER (ORDER BY day) FROM stl_days;
SELECT anomaly.stl_residual(value, 2147483647) OVER (ORDER BY day) FROM stl_days;


-- Long work stops on cancel: the weight vector of history 2000, period 600.
SET statement_timeout = '300ms';
SELECT count(z) FROM (SELECT anomaly.stl_residual(value, 600, false, 2000) OVER (ORDER BY day) AS z FROM stl_days) s;
RESET statement_timeout;
SELECT 1 + 1 AS still_connected;

DROP TABLE stl_days;
