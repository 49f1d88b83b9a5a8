-- The window, array and aggregate forms of mad_zscore give the same scores on
-- the same data (within 1e-9 relative: they add up in different orders).
CREATE TABLE series AS
SELECT m, i,
       CASE WHEN i % 17 = 0 THEN NULL
            WHEN i % 23 = 0 THEN 'NaN'::float8
            WHEN i % 89 = 0 THEN 'Infinity'::float8
            WHEN m = 3 THEN CASE WHEN i % 5 = 0 THEN (i * 7919 % 3) ELSE 2 END  -- MAD = 0 often
            WHEN m = 5 THEN CASE WHEN i % 37 = 0 THEN i % 2 ELSE 7 END         -- constant: ±Infinity
            ELSE 1000 * m + 50 * sin(i * 0.9) + (i * 7919 % 101) / 10.0
                 + CASE WHEN i % 61 = 0 THEN 400 ELSE 0 END             -- spikes
       END AS v
FROM generate_series(1, 5) m, generate_series(1, 300) i;

CREATE FUNCTION pg_temp.same(a float8, b float8) RETURNS bool LANGUAGE sql IMMUTABLE AS $$
    SELECT (a IS NULL AND b IS NULL)
        OR (a = b)
        OR (abs(a - b) <= 1e-9 * greatest(1, abs(b)))
$$;

CREATE TABLE win AS
SELECT m, i, anomaly.mad_zscore(v, 20, 5) OVER (PARTITION BY m ORDER BY i) AS z FROM series;

-- Every score, the way a user checks: how many rows, how many scored,
-- how many disagree.
WITH arr AS (
    SELECT m, ord AS i, z
    FROM (SELECT m, anomaly.mad_zscore(array_agg(v ORDER BY i), 20, 5) AS zs FROM series GROUP BY m) a,
         unnest(zs) WITH ORDINALITY AS u(z, ord)
)
SELECT count(*) AS rows, count(w.z) AS scored,
       count(*) FILTER (WHERE w.z = 'Infinity' OR w.z = '-Infinity') AS infinite,
       count(*) FILTER (WHERE NOT pg_temp.same(w.z, a.z)) AS array_differs
FROM win w JOIN arr a USING (m, i);

-- The aggregates, at every 7th row as the newest: the score of that row.
SELECT count(*) AS cuts,
       count(*) FILTER (WHERE NOT pg_temp.same(w.z, g.z_ordered)) AS ordered_differs,
       count(*) FILTER (WHERE NOT pg_temp.same(w.z, g.z_timestamped)) AS timestamped_differs
FROM win w
CROSS JOIN LATERAL (
    SELECT anomaly.mad_zscore_last(s.v, 20, 5 ORDER BY s.i) AS z_ordered,
           anomaly.mad_zscore_last(timestamptz '2024-01-01' + s.i * interval '1 day', s.v, 20, 5) AS z_timestamped
    FROM series s WHERE s.m = w.m AND s.i <= w.i
) g
WHERE w.i % 7 = 0;

-- Scaling and shifting the data leaves the scores unchanged (up to rounding):
-- the detector is location and scale invariant.
SELECT count(*) FILTER (WHERE abs(w.z - t.z) > 1e-7 * greatest(1, abs(w.z))) AS differs
FROM win w
JOIN (SELECT m, i, anomaly.mad_zscore(3 * v - 1e6, 20, 5) OVER (PARTITION BY m ORDER BY i) AS z FROM series) t USING (m, i)
WHERE w.z NOT IN ('Infinity', '-Infinity');

DROP TABLE series, win;
