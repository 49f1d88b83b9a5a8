-- anomaly.mad_zscore(value, lookback, min_history) OVER (PARTITION BY ... ORDER BY ...)
-- A data engineer scores each day of each metric against the days before it.

CREATE TABLE daily (metric text, day date, value float8);
INSERT INTO daily VALUES
  ('revenue', '2026-01-01', 1), ('revenue', '2026-01-02', 2), ('revenue', '2026-01-03', 3),
  ('revenue', '2026-01-04', 4), ('revenue', '2026-01-05', 5), ('revenue', '2026-01-06', 6),
  ('revenue', '2026-01-07', 7), ('revenue', '2026-01-08', 100), ('revenue', '2026-01-09', 3),
  ('orders',  '2026-01-01', 10), ('orders', '2026-01-02', 10), ('orders', '2026-01-03', 14),
  ('orders',  '2026-01-04', 10), ('orders', '2026-01-05', 10), ('orders', '2026-01-06', 12);

-- Hand-computed (lookback 5, min_history 3):
--   revenue 01-04: history 1 2 3, median 2, MAD 1     -> 0.6745*2   = 1.349
--   revenue 01-08: history 3..7, median 5, MAD 1      -> 0.6745*95  = 64.0775
--   revenue 01-09: history 4 5 6 7 100, median 6, MAD 1 -> 0.6745*-3 = -2.0235
--   orders  01-06: history 10 10 14 10 10, MAD 0, mean |dev| 0.8
--                  -> 2/(1.253314*0.8) = 1.99470...
SELECT metric, day, value,
       round(anomaly.mad_zscore(value, 5, 3) OVER w ::numeric, 6) AS z
FROM daily
WINDOW w AS (PARTITION BY metric ORDER BY day)
ORDER BY metric, day;

-- Defaults are lookback 28, min_history 7; named arguments work too.
SELECT day, round(anomaly.mad_zscore(value) OVER w ::numeric, 4) AS z_default,
       round(anomaly.mad_zscore(value, min_history => 3) OVER w ::numeric, 4) AS z_named
FROM daily WHERE metric = 'revenue'
WINDOW w AS (ORDER BY day) ORDER BY day;

-- Causal: a later row never changes an earlier score. Scoring only the first
-- 8 days gives the same scores as scoring all 9.
SELECT a.day, a.z = b.z AS same
FROM (SELECT day, anomaly.mad_zscore(value, 5, 3) OVER (ORDER BY day) z
      FROM daily WHERE metric = 'revenue') a
JOIN (SELECT day, anomaly.mad_zscore(value, 5, 3) OVER (ORDER BY day) z
      FROM daily WHERE metric = 'revenue' AND day < '2026-01-09') b USING (day)
WHERE a.z IS NOT NULL ORDER BY a.day;

-- NULL, NaN and ±Infinity: their own score is NULL and they never enter the
-- history nor count toward lookback. Row 7 is scored against 1 2 3 only.
SELECT i, v, round(anomaly.mad_zscore(v, 3, 3) OVER (ORDER BY i) ::numeric, 4) AS z
FROM (VALUES (1, 1::float8), (2, NULL), (3, 2), (4, 'NaN'), (5, 3),
             (6, 'Infinity'), (7, 4), (8, '-Infinity')) t(i, v)
ORDER BY i;

-- MAD = 0 and mean absolute deviation = 0: 0 at the median, else ±Infinity.
SELECT i, v, anomaly.mad_zscore(v, 4, 4) OVER (ORDER BY i) AS z
FROM (VALUES (1, 3::float8), (2, 3), (3, 3), (4, 3), (5, 3), (6, 2), (7, 3.5)) t(i, v)
ORDER BY i;

-- Empty input and one-row partitions.
SELECT anomaly.mad_zscore(value) OVER (ORDER BY day) FROM daily WHERE false;
SELECT metric, anomaly.mad_zscore(value, 1, 1) OVER (PARTITION BY metric ORDER BY day) AS z
FROM (SELECT metric, min(day) AS day, min(value) AS value FROM daily GROUP BY metric) one
ORDER BY metric;

-- Duplicate timestamps: rows are taken in the window's ORDER BY order, and
-- PostgreSQL orders peers arbitrarily; a tie-breaker makes the result
-- reproducible (here, the value).
SELECT i, v, round(anomaly.mad_zscore(v, 3, 2) OVER (ORDER BY i, v) ::numeric, 4) AS z
FROM (VALUES (1, 1::float8), (2, 2), (2, 10), (3, 3)) t(i, v)
ORDER BY i, v;

-- The frame clause does not change the history (it is set by lookback).
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS differing
FROM (SELECT anomaly.mad_zscore(value, 5, 3) OVER (PARTITION BY metric ORDER BY day) a,
             anomaly.mad_zscore(value, 5, 3) OVER (PARTITION BY metric ORDER BY day
                                                   ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) b
      FROM daily) s;

-- Parameters: clear errors, whatever the data.
SELECT anomaly.mad_zscore(value, 0, 1) OVER (ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore(value, 5, 0) OVER (ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore(value, 5, 6) OVER (ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore(value, NULL, 3) OVER (ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore(value, 5, NULL) OVER (ORDER BY day) FROM daily;
-- ...but none for an empty input, where nothing is computed.
SELECT anomaly.mad_zscore(value, 0, 1) OVER (ORDER BY day) FROM daily WHERE false;
-- Without OVER it is not a plain function.
SELECT anomaly.mad_zscore(value) FROM daily;
-- A huge lookback is fine: it only costs what the partition has.
SELECT count(z) AS scored
FROM (SELECT anomaly.mad_zscore(value, 2147483647, 3) OVER (PARTITION BY metric ORDER BY day) AS z FROM daily) s;

DROP TABLE daily;
