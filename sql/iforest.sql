-- Isolation forest: fit a model once per metric group, keep it in a table,
-- score any number of rows with it; or score a series causally with the
-- window form.

-- Daily acquisition cost (CAC) and lifetime value (LTV) of a shop: LTV moves
-- with CAC. Deterministic data (no random()): two days break the pattern
-- while each value alone stays within its usual range.
CREATE TABLE unit_economics AS
SELECT day::date AS day,
       40 + 4 * sin(i * 1.7) + 2 * sin(i * 0.37) AS cac,
       3 * (40 + 4 * sin(i * 1.7) + 2 * sin(i * 0.37)) + 4 * cos(i * 2.3) AS ltv
FROM generate_series(1, 360) i, LATERAL (SELECT '2026-01-01'::date + i - 1 AS day) d;
UPDATE unit_economics SET ltv = ltv - 45 WHERE day = '2026-04-10';  -- LTV falls, CAC does not
UPDATE unit_economics SET cac = cac + 12, ltv = ltv - 30 WHERE day = '2026-09-01';

-- Fit once: one model (bytea) over the vector (cac, ltv).
CREATE TABLE iforest_models AS
SELECT 'shop'::text AS segment, anomaly.iforest_fit(ARRAY[cac, ltv]) AS model FROM unit_economics;
-- The model's portable layout starts with a magic and a format version.
SELECT substring(model FROM 1 FOR 5) AS header, octet_length(model) > 1000 AS has_trees FROM iforest_models;

-- Score many rows: the two planted days rank first, far above an ordinary day.
SELECT u.day, round(anomaly.iforest_score(m.model, ARRAY[u.cac, u.ltv])::numeric, 2) AS score
FROM unit_economics u, iforest_models m
ORDER BY anomaly.iforest_score(m.model, ARRAY[u.cac, u.ltv]) DESC, u.day LIMIT 3;
SELECT count(*) FILTER (WHERE s > 0.6) AS above_0_6, count(*) FILTER (WHERE s < 0.5) AS below_0_5,
       min(s) >= 0 AND max(s) <= 1 AS in_unit_interval
FROM (SELECT anomaly.iforest_score(m.model, ARRAY[u.cac, u.ltv]) s FROM unit_economics u, iforest_models m) q;

-- A new day scored against the stored model.
SELECT round(anomaly.iforest_score(model, ARRAY[40, 120])::numeric, 2) AS ordinary,
       round(anomaly.iforest_score(model, ARRAY[40, 160])::numeric, 2) AS ltv_jump
FROM iforest_models;

-- Deterministic for a seed; another seed grows another forest.
SELECT anomaly.iforest_fit(ARRAY[cac, ltv]) = (SELECT model FROM iforest_models) AS same_model,
       anomaly.iforest_fit(ARRAY[cac, ltv], 100, 256, 7) = (SELECT model FROM iforest_models) AS same_with_seed_7
FROM unit_economics;
-- Row order does not matter.
SELECT anomaly.iforest_fit(ARRAY[cac, ltv] ORDER BY day DESC) = anomaly.iforest_fit(ARRAY[cac, ltv] ORDER BY ltv)
       AS order_independent
FROM unit_economics;

-- Parallel plans fit the same model as serial ones, byte for byte, also when
-- the sample is smaller than the data (n_trees 10 × sample_size 64 = 640 rows kept).
CREATE TABLE iforest_big AS
SELECT i, ARRAY[sin(i * 0.7) * 10, cos(i * 1.3) * 5, (i % 17)::float8] AS f FROM generate_series(1, 30000) i;
ANALYZE iforest_big;
CREATE TABLE iforest_serial AS
SELECT anomaly.iforest_fit(f) AS full_model, anomaly.iforest_fit(f, 10, 64) AS small_model FROM iforest_big;
ALTER TABLE iforest_serial SET (parallel_workers = 0);  -- one row: scanned by the leader
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
-- Two workers each aggregate part of the table; the leader combines their states.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
CREATE TABLE iforest_parallel AS
SELECT anomaly.iforest_fit(f) AS full_model, anomaly.iforest_fit(f, 10, 64) AS small_model FROM iforest_big;
SELECT p.full_model = s.full_model AS full_same, p.small_model = s.small_model AS small_same
FROM iforest_parallel p, iforest_serial s;
-- Scoring in parallel workers (each decodes the model once) gives the serial scores.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
CREATE TABLE iforest_parallel_scores AS
SELECT count(*) FILTER (WHERE sc > 0.55) AS high, min(sc) AS lo, max(sc) AS hi
FROM (SELECT anomaly.iforest_score(m.model, f) AS sc
      FROM iforest_big, LATERAL (SELECT small_model AS model FROM iforest_serial) m) q;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT p.high = s.high AND p.lo = s.lo AND p.hi = s.hi AS same_scores, p.high > 0 AS some_high
FROM iforest_parallel_scores p,
     (SELECT count(*) FILTER (WHERE sc > 0.55) AS high, min(sc) AS lo, max(sc) AS hi
      FROM (SELECT anomaly.iforest_score((SELECT small_model FROM iforest_serial), f) AS sc FROM iforest_big) q) s;

-- Models merge: train on partitions (here the two halves of the year), then
-- combine into one forest of 200 trees.
WITH halves AS (
    SELECT day < '2026-07-01' AS first_half, anomaly.iforest_fit(ARRAY[cac, ltv]) AS model
    FROM unit_economics GROUP BY 1
), merged AS (
    SELECT anomaly.iforest_merge(a.model, b.model) AS model, octet_length(a.model) + octet_length(b.model) AS sum_len
    FROM halves a, halves b WHERE a.first_half AND NOT b.first_half
)
SELECT octet_length(model) = sum_len - 16 AS one_header,
       round(anomaly.iforest_score(model, ARRAY[40, 160])::numeric, 2) AS ltv_jump,
       round(anomaly.iforest_score(model, ARRAY[40, 120])::numeric, 2) AS ordinary
FROM merged;

-- One query scoring with several models (models of both halves of the year,
-- alternating row by row) gives each model's own scores: the per-query model
-- cache follows the model, whether read from a table (TOAST pointer) or
-- computed per row (compared by bytes).
CREATE TABLE iforest_halves AS
SELECT day < '2026-07-01' AS first_half, anomaly.iforest_fit(ARRAY[cac, ltv]) AS model FROM unit_economics GROUP BY 1;
CREATE TABLE iforest_alone AS
SELECT h.first_half, u.day, anomaly.iforest_score(h.model, ARRAY[u.cac, u.ltv]) AS s
FROM iforest_halves h, unit_economics u WHERE h.first_half
UNION ALL
SELECT h.first_half, u.day, anomaly.iforest_score(h.model, ARRAY[u.cac, u.ltv]) AS s
FROM iforest_halves h, unit_economics u WHERE NOT h.first_half;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE a.s = t.s AND a.s = m.s) AS same,
       count(DISTINCT t.s) > 300 AS models_differ
FROM iforest_alone a
JOIN (SELECT h.first_half, u.day, anomaly.iforest_score(h.model, ARRAY[u.cac, u.ltv]) AS s
      FROM unit_economics u CROSS JOIN LATERAL (SELECT * FROM iforest_halves) h) t USING (first_half, day)
JOIN (SELECT h.first_half, u.day, anomaly.iforest_score(h.model || ''::bytea, ARRAY[u.cac, u.ltv]) AS s
      FROM unit_economics u CROSS JOIN LATERAL (SELECT * FROM iforest_halves) h) m USING (first_half, day);
RESET enable_hashjoin;
RESET enable_mergejoin;
DROP TABLE iforest_halves, iforest_alone;

-- The aggregate form merges a column of models (here one per quarter).
WITH quarters AS (
    SELECT extract(quarter FROM day) AS q, anomaly.iforest_fit(ARRAY[cac, ltv], 25) AS model
    FROM unit_economics GROUP BY 1
)
SELECT octet_length(anomaly.iforest_merge(model ORDER BY q)) = sum(octet_length(model)) - 3 * 16 AS one_header,
       anomaly.iforest_merge(model ORDER BY q) =
         (SELECT anomaly.iforest_merge(anomaly.iforest_merge(a.model, b.model), anomaly.iforest_merge(c.model, d.model))
          FROM quarters a, quarters b, quarters c, quarters d WHERE (a.q, b.q, c.q, d.q) = (1, 2, 3, 4)) AS same_trees,
       round(anomaly.iforest_score(anomaly.iforest_merge(model ORDER BY q), ARRAY[40, 160])::numeric, 2) AS ltv_jump
FROM quarters;

-- Bad rows: a NULL array, NULL elements, NaN and Infinity are skipped by the
-- fit and score NULL; fewer than 2 usable rows give no model.
SELECT anomaly.iforest_fit(f) = anomaly.iforest_fit(f) FILTER (WHERE i > 0) AS bad_rows_ignored
FROM (VALUES (1, ARRAY[1, 2]::float8[]), (2, ARRAY[2, 3]::float8[]), (3, ARRAY[5, 1]::float8[]),
             (-1, NULL), (-2, ARRAY[1, NULL]::float8[]), (-3, ARRAY['NaN', 1]::float8[]),
             (-4, ARRAY['Infinity', 1]::float8[])) v(i, f);
SELECT anomaly.iforest_fit(f) IS NULL AS one_row_no_model FROM (VALUES (ARRAY[1, 2]::float8[]), (NULL)) v(f);
SELECT anomaly.iforest_fit(f) IS NULL AS no_rows_no_model FROM (SELECT ARRAY[1.0::float8] f WHERE false) v;
SELECT anomaly.iforest_score(model, ARRAY[NULL, 1]::float8[]) AS null_element,
       anomaly.iforest_score(model, ARRAY['NaN', 1]::float8[]) AS nan,
       anomaly.iforest_score(model, ARRAY['-Infinity', 1]::float8[]) AS infinity,
       anomaly.iforest_score(model, NULL) AS null_array
FROM iforest_models;

-- Errors, with their SQLSTATE.
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT pg_temp.error_of(q) FROM unnest(ARRAY[
  'SELECT anomaly.iforest_fit(ARRAY[1, 2]::float8[], 0)',
  'SELECT anomaly.iforest_fit(ARRAY[1, 2]::float8[], 100, 1)',
  'SELECT anomaly.iforest_fit(ARRAY[1, 2]::float8[], 100, 256, NULL)',
  'SELECT anomaly.iforest_fit(ARRAY[1, 2]::float8[], 100000)',
  'SELECT anomaly.iforest_fit(ARRAY[1, 2]::float8[], 10000, 1000000)',
  'SELECT anomaly.iforest_fit(f) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY[1, 2, 3]::float8[])) v(f)',
  'SELECT anomaly.iforest_fit(ARRAY[]::float8[])',
  'SELECT anomaly.iforest_fit(ARRAY[[1, 2], [3, 4]]::float8[])',
  'SELECT anomaly.iforest_fit(x, n) FROM (VALUES (ARRAY[1, 2]::float8[], 10), (ARRAY[2, 1]::float8[], 20)) v(x, n)',
  'SELECT anomaly.iforest_score(model, ARRAY[1, 2, 3]::float8[]) FROM iforest_models',
  'SELECT anomaly.iforest_score(''\x0102''::bytea, ARRAY[1]::float8[])',
  'SELECT anomaly.iforest_score(overlay(model placing ''\x02''::bytea from 5), ARRAY[1, 2]::float8[]) FROM iforest_models',
  'SELECT anomaly.iforest_score(substring(model from 1 for 100), ARRAY[1, 2]::float8[]) FROM iforest_models',
  'SELECT anomaly.iforest_merge(model, ''\x00''::bytea) FROM iforest_models',
  'SELECT anomaly.iforest_merge(model, (SELECT anomaly.iforest_fit(ARRAY[i, i * i, 1]) FROM generate_series(1, 5) i)) FROM iforest_models',
  'SELECT anomaly.iforest_fit_finalfn(''\x41494653''::bytea)',
  'SELECT anomaly.iforest_fit_combinefn(''\x00''::bytea, ''\x00''::bytea)',
  'SELECT anomaly.iforest_fit_transfn(NULL, ARRAY[1]::float8[])',
  'SELECT anomaly.iforest_score(ARRAY[cac]) OVER (ORDER BY day) FROM unit_economics',
  'SELECT anomaly.iforest_score(ARRAY[cac], 1) OVER (ORDER BY day) FROM unit_economics',
  'SELECT anomaly.iforest_score(ARRAY[cac], 64, 0) OVER (ORDER BY day) FROM unit_economics',
  'SELECT anomaly.iforest_score(ARRAY[cac], 64, 8, NULL) OVER (ORDER BY day) FROM unit_economics',
  'SELECT anomaly.iforest_score(CASE WHEN day < ''2026-02-01'' THEN ARRAY[cac] ELSE ARRAY[cac, ltv] END) OVER (ORDER BY day) FROM unit_economics'
]) q;
SELECT 'still connected' AS status;

-- Long computations stop when the statement is cancelled (here by a timeout:
-- the window form over 30,000 rows needs seconds).
SET statement_timeout = '300ms';
SELECT count(s) FROM (SELECT anomaly.iforest_score(f) OVER (ORDER BY i) AS s FROM iforest_big) w;
RESET statement_timeout;

-- The window form: each day scored by a forest fitted on the days before it
-- (trailing window of 64 days, refitted every 8 days). The first 32 days have
-- too little history: NULL.
CREATE TABLE iforest_window AS
SELECT day, anomaly.iforest_score(ARRAY[cac, ltv], 64, 8, 50) OVER (ORDER BY day) AS score FROM unit_economics;
SELECT count(*) FILTER (WHERE score IS NULL) AS warming_up, min(day) FILTER (WHERE score IS NOT NULL) AS first_scored
FROM iforest_window;
-- A 64-day window is a small sample: the CAC+LTV break of 09-01 ranks first of
-- the year, the LTV-only drop of 04-10 (axis-parallel splits isolate a
-- point off a diagonal less easily) still ranks in the top 20 of 328 scored days.
SELECT day, round(score::numeric, 2) AS score, rank
FROM (SELECT day, score, rank() OVER (ORDER BY score DESC NULLS LAST) FROM iforest_window) r
WHERE day IN ('2026-04-10', '2026-09-01') ORDER BY day;
-- Causal: computed on the first 150 days only, the scores of those days are the same.
SELECT count(*) AS days, count(*) FILTER (WHERE w.score IS NOT DISTINCT FROM p.score) AS same
FROM iforest_window w
JOIN (SELECT day, anomaly.iforest_score(ARRAY[cac, ltv], 64, 8, 50) OVER (ORDER BY day) AS score
      FROM unit_economics WHERE day < '2026-01-01'::date + 150) p USING (day);
-- Defaults (window 256, refit every 32, 100 trees of 256 rows, seed 42), one
-- partition per metric; NULL features give NULL scores.
SELECT metric, count(s) AS scored, count(*) - count(s) AS not_scored
FROM (SELECT metric, anomaly.iforest_score(CASE WHEN day = '2026-03-01' THEN NULL ELSE ARRAY[v] END)
                     OVER (PARTITION BY metric ORDER BY day) AS s
      FROM unit_economics, LATERAL (VALUES ('cac', cac), ('ltv', ltv)) m(metric, v)) q
GROUP BY metric ORDER BY metric;

DROP TABLE unit_economics, iforest_models, iforest_big, iforest_serial, iforest_parallel, iforest_parallel_scores,
           iforest_window;
