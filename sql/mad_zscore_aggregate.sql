-- anomaly.mad_zscore_last: the score of each metric's newest point against the
-- points before it: what a scheduled check of the latest day needs.

CREATE TABLE daily (metric text, day date, value float8);
INSERT INTO daily VALUES
  ('revenue', '2026-01-01', 1), ('revenue', '2026-01-02', 2), ('revenue', '2026-01-03', 3),
  ('revenue', '2026-01-04', 4), ('revenue', '2026-01-05', 5), ('revenue', '2026-01-06', 6),
  ('revenue', '2026-01-07', 7), ('revenue', '2026-01-08', 100),
  ('orders',  '2026-01-01', 10), ('orders', '2026-01-02', 10), ('orders', '2026-01-03', 14),
  ('orders',  '2026-01-04', 10), ('orders', '2026-01-05', 10), ('orders', '2026-01-06', 12),
  ('signups', '2026-01-01', 5), ('signups', '2026-01-02', NULL);

-- ORDER BY form. revenue: 100 vs 3..7 -> 0.6745*95; orders: 2/(1.253314*0.8);
-- signups: the newest value is NULL -> NULL.
SELECT metric, round(anomaly.mad_zscore_last(value, 5, 3 ORDER BY day)::numeric, 6) AS z
FROM daily GROUP BY metric ORDER BY metric;

-- Defaults (lookback 28, min_history 7): revenue has 7 points before its newest.
SELECT metric, round(anomaly.mad_zscore_last(value ORDER BY day)::numeric, 6) AS z
FROM daily GROUP BY metric ORDER BY metric;

-- Timestamped form: input order does not matter.
SELECT metric,
       round(anomaly.mad_zscore_last(day::timestamptz, value, 5, 3)::numeric, 6) AS z,
       round(anomaly.mad_zscore_last(day::timestamptz, value ORDER BY value DESC)::numeric, 6) AS z_default
FROM daily GROUP BY metric ORDER BY metric;

-- It equals the window function's score of the newest row.
SELECT metric, a.z = w.z AS same
FROM (SELECT metric, anomaly.mad_zscore_last(value, 5, 3 ORDER BY day) z FROM daily GROUP BY metric) a
JOIN (SELECT DISTINCT ON (metric) metric, anomaly.mad_zscore(value, 5, 3) OVER (PARTITION BY metric ORDER BY day) z
      FROM daily ORDER BY metric, day DESC) w USING (metric)
WHERE a.z IS NOT NULL ORDER BY metric;

-- As a window aggregate over a growing frame, it is the running score.
SELECT day, anomaly.mad_zscore_last(value, 5, 3) OVER (ORDER BY day) = anomaly.mad_zscore(value, 5, 3) OVER (ORDER BY day) AS same
FROM daily WHERE metric = 'revenue' ORDER BY day OFFSET 3;

-- Empty groups and one-row groups.
SELECT anomaly.mad_zscore_last(value ORDER BY day) FROM daily WHERE false;
SELECT anomaly.mad_zscore_last(day::timestamptz, value) FROM daily WHERE false;
SELECT anomaly.mad_zscore_last(value, 1, 1 ORDER BY day) FROM daily WHERE metric = 'signups' AND value IS NOT NULL;

-- Rows without a timestamp cannot be placed in time and are skipped.
SELECT round(anomaly.mad_zscore_last(ts, v, 3, 3)::numeric, 4)
FROM (VALUES ('2026-01-01'::timestamptz, 1::float8), ('2026-01-02', 2), ('2026-01-03', 3),
             (NULL, 1000), ('2026-01-04', 4)) t(ts, v);

-- The newest timestamp twice is ambiguous: an error that names it.
SET TimeZone = 'UTC';
SELECT anomaly.mad_zscore_last(ts, v)
FROM (VALUES ('2026-01-01'::timestamptz, 1::float8), ('2026-01-02', 2), ('2026-01-02', 3)) t(ts, v);
SELECT anomaly.mad_zscore_last(ts, v)
FROM (VALUES ('2026-01-01'::timestamptz, 1::float8), ('infinity', 2)) t(ts, v);
RESET TimeZone;

-- Parameter errors.
SELECT anomaly.mad_zscore_last(value, 0, 1 ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore_last(value, 3, 5 ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore_last(value, NULL, 1 ORDER BY day) FROM daily;
SELECT anomaly.mad_zscore_last(value, (extract(day FROM day))::int + 2, 1 ORDER BY day) FROM daily;

-- Parallel aggregation: the timestamped form has a combine function, so the
-- planner splits it into partial aggregates in workers. The result equals the
-- serial one.
CREATE TABLE big AS
SELECT m, d, 100 + 10 * sin(d) + (CASE WHEN d % 97 = 0 THEN 80 ELSE 0 END) + m AS v
FROM generate_series(1, 4) m, generate_series(1, 20000) d;
ANALYZE big;
CREATE TABLE serial_result AS
SELECT m, anomaly.mad_zscore_last(timestamptz '2020-01-01' + d * interval '1 hour', v, 50, 10) AS z
FROM big GROUP BY m;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT m, anomaly.mad_zscore_last(timestamptz '2020-01-01' + d * interval '1 hour', v, 50, 10) FROM big GROUP BY m;
SELECT m, abs(p.z - s.z) < 1e-9 AS same_as_serial
FROM (SELECT m, anomaly.mad_zscore_last(timestamptz '2020-01-01' + d * interval '1 hour', v, 50, 10) AS z
      FROM big GROUP BY m) p
JOIN serial_result s USING (m) ORDER BY m;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- Partial states are portable bytea values: a version byte, then the
-- little-endian layout of src/core/latest_points_state.hpp. An aggregate
-- without final function exposes them.
CREATE AGGREGATE pg_temp.state_of(timestamptz, float8, int, int) (
    SFUNC = anomaly.mad_zscore_last_transfn, STYPE = bytea);
CREATE TABLE states AS
SELECT (d > 4) AS later, pg_temp.state_of(timestamptz '2026-01-01' + d * interval '1 day', d::float8, 5, 2) AS s
FROM generate_series(1, 8) d GROUP BY 1;
SELECT later, get_byte(s, 0) AS format_version, get_byte(s, 4) AS lookback, length(s) AS bytes
FROM states ORDER BY later;
-- Merging the two halves in either order scores day 8 against days 3..7.
SELECT round(anomaly.mad_zscore_last_ts_finalfn(anomaly.mad_zscore_last_combinefn(a.s, b.s))::numeric, 6) AS ab,
       round(anomaly.mad_zscore_last_ts_finalfn(anomaly.mad_zscore_last_combinefn(b.s, a.s))::numeric, 6) AS ba
FROM states a, states b WHERE NOT a.later AND b.later;
-- States of different parameters do not mix; corrupt states are rejected.
SELECT anomaly.mad_zscore_last_combinefn((SELECT s FROM states WHERE NOT later),
                                         (SELECT pg_temp.state_of(now(), 1, 6, 2)));
SELECT anomaly.mad_zscore_last_ts_finalfn('\x0100'::bytea);
SELECT anomaly.mad_zscore_last_ts_finalfn(set_byte(s, 0, 9)) FROM states WHERE later;
-- Transition functions only run inside an aggregate.
SELECT anomaly.mad_zscore_last_transfn(NULL, 1::float8);

DROP TABLE daily, big, serial_result, states;
