-- anomaly.detect_period(values float8[], min_period, max_period)
--     RETURNS TABLE(period int, strength float8)
-- Which seasonal period does a metric have? Candidate periods, strongest
-- first, with strength in [0, 1] (the share of the variance around the
-- period's trend that its repeating pattern explains).
SELECT setseed(0.4);

-- A shop's daily orders over two years: growth, fewer orders at weekends,
-- noise. The period is 7 days, and nothing else (not 14, not 3.5).
CREATE TABLE pd_orders AS
SELECT metric, day,
       1000 + 0.8 * i
       + 200 * (ARRAY[1.0, 1.04, 1.06, 1.05, 1.02, 0.80, 0.75])[1 + i % 7]
       + 60 * (random() - 0.5) AS orders
FROM (VALUES ('shop_a'), ('shop_b')) m(metric),
     generate_series(0, 729) i,
     LATERAL (SELECT date '2024-01-01' + i AS day) d;
-- shop_b has no weekly rhythm: its orders only drift (a random walk).
UPDATE pd_orders SET orders = 1000 + w.walk
FROM (SELECT day, sum(random() - 0.5) OVER (ORDER BY day) * 40 AS walk
      FROM pd_orders WHERE metric = 'shop_b') w
WHERE pd_orders.metric = 'shop_b' AND pd_orders.day = w.day;

SELECT period, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period((SELECT array_agg(orders ORDER BY day) FROM pd_orders WHERE metric = 'shop_a'));

-- Every metric at once: one array per metric, LATERAL. shop_b has no period,
-- so it gets no row (LEFT JOIN ... ON true keeps it, with NULLs).
SELECT s.metric, p.period, round(p.strength::numeric, 2) AS strength
FROM (SELECT metric, array_agg(orders ORDER BY day) AS series FROM pd_orders GROUP BY metric) s
LEFT JOIN LATERAL anomaly.detect_period(s.series) p ON true
ORDER BY s.metric, p.strength DESC;

-- A rule picks the period to use (e.g. for STL), or a default when there is
-- no clear one.
SELECT s.metric,
       coalesce((SELECT period FROM anomaly.detect_period(s.series)
                 WHERE strength >= 0.2 ORDER BY strength DESC LIMIT 1), 1) AS period_to_use
FROM (SELECT metric, array_agg(orders ORDER BY day) AS series FROM pd_orders GROUP BY metric) s
ORDER BY 1;

-- Hourly web traffic over 12 weeks: a daily shape, quieter weekends. The
-- daily period comes first, then the weekly one with what it adds (the
-- weekday/weekend difference).
SELECT period, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period((
    SELECT array_agg(50 + 0.01 * h
                     + (CASE WHEN (h / 24) % 7 >= 5 THEN 0.6 ELSE 1 END)
                       * (10 * sin(2 * pi() * (h % 24 - 6) / 24) + 4 * sin(4 * pi() * (h % 24) / 24))
                     + CASE WHEN (h / 24) % 7 >= 5 THEN -8 ELSE 0 END
                     + 10 * (random() - 0.5) ORDER BY h)
    FROM generate_series(0, 24 * 7 * 12 - 1) h));

-- Monthly sales over 8 years: a yearly cycle with a December peak.
SELECT period, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period((
    SELECT array_agg(200 + 0.5 * i + 15 * sin(2 * pi() * (i % 12) / 12)
                     + CASE WHEN i % 12 = 11 THEN 20 ELSE 0 END + 10 * (random() - 0.5) ORDER BY i)
    FROM generate_series(0, 95) i));

-- Noise has no period: no row.
SELECT count(*) AS rows_for_noise
FROM anomaly.detect_period((SELECT array_agg(random()) FROM generate_series(1, 1000)));

-- Missing days (NULL) are interpolated: 10% of the days missing, and the
-- first and last days, still give 7.
SELECT period, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period((
    SELECT array_agg(CASE WHEN random() < 0.1 OR day IN ('2024-01-01', '2025-12-30') THEN NULL ELSE orders END
                     ORDER BY day)
    FROM pd_orders WHERE metric = 'shop_a'));

-- min_period / max_period bound the search: up to 6 days, nothing is found
-- (a weekly rhythm folded by 2..6 days averages out); from 10 days up, the
-- weekly rhythm shows at a multiple of 7.
SELECT count(*) AS rows_up_to_6
FROM anomaly.detect_period((SELECT array_agg(orders ORDER BY day) FROM pd_orders WHERE metric = 'shop_a'), 2, 6);
SELECT period, period % 7 = 0 AS multiple_of_7, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period((SELECT array_agg(orders ORDER BY day) FROM pd_orders WHERE metric = 'shop_a'), 10);

-- A period needs two full cycles: max_period defaults to (and is capped at)
-- half the series. Two cycles of a 10-point shape: found; one point less: not.
SELECT period, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period('{0,5,9,4,-2,-6,-8,-3,1,0.5,0,5,9,4,-2,-6,-8,-3,1,0.5}'::float8[]);
SELECT period, round(strength::numeric, 2) AS strength
FROM anomaly.detect_period('{0,5,9,4,-2,-6,-8,-3,1,0.5,0,5,9,4,-2,-6,-8,-3,1,0.5}'::float8[], 2, 1000);
SELECT count(*) AS rows_19_points
FROM anomaly.detect_period('{0,5,9,4,-2,-6,-8,-3,1,0.5,0,5,9,4,-2,-6,-8,-3,1}'::float8[]);

-- No rows: NULL array, empty, all NULL, too short, constant. NULL min_period
-- means 2, NULL max_period half the series.
SELECT (SELECT count(*) FROM anomaly.detect_period(NULL)) AS null_array,
       (SELECT count(*) FROM anomaly.detect_period('{}')) AS empty,
       (SELECT count(*) FROM anomaly.detect_period('{NULL,NULL,NULL,NULL,NULL}')) AS all_null,
       (SELECT count(*) FROM anomaly.detect_period('{1,2,3}')) AS three_points,
       (SELECT count(*) FROM anomaly.detect_period(array_fill(5.0::float8, ARRAY[100]))) AS constant;
SELECT period FROM anomaly.detect_period('{0,5,9,4,-2,-6,-8,-3,1,0.5,0,5,9,4,-2,-6,-8,-3,1,0.5}'::float8[], NULL, NULL);

-- Errors: Infinity (22000), min_period < 2 or max_period < min_period (22023),
-- a two-dimensional array.
SELECT * FROM anomaly.detect_period('{1,2,Infinity,4,5,6}');
SELECT * FROM anomaly.detect_period('{1,2,3,4,5,6}', 1);
SELECT * FROM anomaly.detect_period('{1,2,3,4,5,6}', 7, 6);
SELECT * FROM anomaly.detect_period('{{1,2},{3,4}}');
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate
FROM unnest(ARRAY[
    'SELECT * FROM anomaly.detect_period(''{1,2,Infinity,4,5,6}'')',
    'SELECT * FROM anomaly.detect_period(''{1,2,-Infinity}'')',
    'SELECT * FROM anomaly.detect_period(''{1,2,3,4,5,6}'', 1)',
    'SELECT * FROM anomaly.detect_period(''{1,2,3,4,5,6}'', 7, 6)',
    'SELECT * FROM anomaly.detect_period(NULL, 0)']) q;

-- A long call stops when the statement is cancelled (a million points).
CREATE TEMP TABLE pd_long AS
SELECT array_agg(((i * 7919) % 1009)::float8 + (i % 13)) AS series FROM generate_series(1::bigint, 1000000) i;
SET statement_timeout = '100ms';
SELECT count(*) FROM pd_long, anomaly.detect_period(series);
RESET statement_timeout;

DROP TABLE pd_orders, pd_long;
