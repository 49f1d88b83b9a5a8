-- The SQL suites' synthetic daily metrics (psql script; \i it). Variables:
--   metrics, days   size of the table
--   seed            setseed() argument: same seed, same table
--   start           first day (a date)
--   null_share      share of missing values (NULL)
-- Per metric: a level over four orders of magnitude, a noise level, a weekend
-- factor and a trend; per row: log-normal noise (Box-Muller), rare spikes and
-- outages (0.3 % each), values rounded to cents, so small metrics have ties.
-- Rows arrive day by day, as an ingestion job writes them. Creates
-- bench.params, bench.value(params, day number, day) (for days added later)
-- and bench.daily(metric, day, value).
SELECT setseed(:seed) \g /dev/null
CREATE TABLE bench.params AS
SELECT g AS metric, exp(1 + 8 * random()) AS level, 0.02 + 0.2 * random() AS noise,
       0.5 + 0.6 * random() AS weekend, 0.001 * (random() - 0.3) AS trend
FROM generate_series(1, :metrics) AS g;
CREATE FUNCTION bench.value(p bench.params, d int, day date) RETURNS float8
LANGUAGE sql VOLATILE
RETURN round((p.level * (1 + p.trend * d)
              * CASE WHEN extract(isodow FROM day) >= 6 THEN p.weekend ELSE 1 END
              * exp(p.noise * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
              * CASE WHEN random() < 0.003 THEN 3 WHEN random() < 0.003 THEN 0.2 ELSE 1 END)::numeric, 2)::float8;
CREATE TABLE bench.daily (metric int NOT NULL, day date NOT NULL, value float8, PRIMARY KEY (metric, day));
INSERT INTO bench.daily
SELECT p.metric, :'start'::date + d,
       CASE WHEN random() < :null_share THEN NULL ELSE bench.value(p, d, :'start'::date + d) END
FROM generate_series(0, :days - 1) AS d CROSS JOIN bench.params p
ORDER BY d, p.metric;
VACUUM ANALYZE bench.daily;
