-- Seeded synthetic daily metrics with known components, for the quality bars
-- of anomaly.seasonal_forecast / anomaly.forecast (and as the table of the
-- speed benchmark). psql variables: series (count), days (per series), seed.
--
-- Per series (fq_params): a level L spread over two orders of magnitude; an
-- additive or multiplicative mode (alternating); a trend with a base slope and
-- 0-3 changepoints between day 100 and day 600; a weekly pattern (three
-- harmonics, random amplitudes and phases) and a yearly one (two harmonics),
-- each scaled to a random relative amplitude; Gaussian noise of a random sd.
--   additive:       value = L*(1 + trend) + L*wa*w(d) + L*ya*y(d) + L*sd*z
--   multiplicative: value = L*(1 + trend) * (1 + wa*w(d)) * (1 + ya*y(d)) * exp(sd*z)
-- w and y have unit standard deviation over a cycle. weekly_true and
-- yearly_true hold the generating components (absolute when additive,
-- relative factors minus 1 when multiplicative, as anomaly.forecast reports).
SELECT setseed(:seed) \g /dev/null
DROP TABLE IF EXISTS fq_params, fq_metrics;
CREATE TABLE fq_params AS
SELECT g AS series,
       CASE WHEN g % 2 = 0 THEN 'multiplicative' ELSE 'additive' END AS mode,
       exp(3 + 5 * random()) AS level,
       0.08 + 0.20 * random() AS weekly_amp,
       0.05 + 0.15 * random() AS yearly_amp,
       0.02 + 0.06 * random() AS noise_sd,
       (random() - 0.4) * 0.5 AS slope,  -- trend change over 730 days, as a fraction of L
       floor(4 * random())::int AS n_cp,
       ARRAY[100 + floor(500 * random()), 100 + floor(500 * random()), 100 + floor(500 * random())] AS cp_day,
       ARRAY[(random() - 0.5) * 0.8, (random() - 0.5) * 0.8, (random() - 0.5) * 0.8] AS cp_delta,
       ARRAY[random(), random(), random()] AS w_amp,
       ARRAY[2 * pi() * random(), 2 * pi() * random(), 2 * pi() * random()] AS w_phase,
       ARRAY[1, 0.3 + 0.7 * random()] AS y_amp,
       ARRAY[2 * pi() * random(), 2 * pi() * random()] AS y_phase
FROM generate_series(1, :series) AS g;

CREATE TABLE fq_metrics AS
WITH shapes AS (
  SELECT p.series, d AS day,
         -- trend as a fraction of L, floored so that multiplicative levels stay positive
         greatest(p.slope * d / 730.0
                  + (SELECT coalesce(sum(p.cp_delta[k] * greatest(d - p.cp_day[k], 0) / 730.0), 0)
                     FROM generate_series(1, p.n_cp) k), -0.8) AS trend,
         (SELECT sum(p.w_amp[k] * sin(2 * pi() * k * d / 7.0 + p.w_phase[k])) FROM generate_series(1, 3) k)
           / sqrt((p.w_amp[1] ^ 2 + p.w_amp[2] ^ 2 + p.w_amp[3] ^ 2) / 2) AS w,
         (SELECT sum(p.y_amp[k] * sin(2 * pi() * k * d / 365.25 + p.y_phase[k])) FROM generate_series(1, 2) k)
           / sqrt((p.y_amp[1] ^ 2 + p.y_amp[2] ^ 2) / 2) AS y,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z
  FROM fq_params p CROSS JOIN generate_series(0, :days - 1) AS d
)
SELECT s.series, p.mode, s.day, timestamptz '2022-01-03 00:00:00+00' + s.day * interval '1 day' AS ts,
       CASE WHEN p.mode = 'additive'
            THEN p.level * (1 + s.trend) + p.level * p.weekly_amp * s.w + p.level * p.yearly_amp * s.y
                 + p.level * p.noise_sd * s.z
            ELSE p.level * (1 + s.trend) * (1 + p.weekly_amp * s.w) * (1 + p.yearly_amp * s.y) * exp(p.noise_sd * s.z)
       END AS value,
       CASE WHEN p.mode = 'additive' THEN p.level * p.weekly_amp * s.w ELSE p.weekly_amp * s.w END AS weekly_true,
       CASE WHEN p.mode = 'additive' THEN p.level * p.yearly_amp * s.y ELSE p.yearly_amp * s.y END AS yearly_true
FROM shapes s JOIN fq_params p USING (series)
ORDER BY s.day, s.series;
VACUUM ANALYZE fq_metrics;
