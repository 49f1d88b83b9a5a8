-- Loads one data set of the accuracy benchmark (psql script). Variables:
--   dir   the directory with metrics.csv, series.csv, events.csv (generate.py or nab_prepare.py)
-- Creates schema acc: acc.metrics, acc.series (every point; value NULL = missing), acc.events,
-- and acc.params: one row per metric with the a-priori, per-frequency settings every detector
-- reads (the same for every metric of a frequency; nothing is tuned per series):
--   period      stl_residual period: 7 for daily data, 24 for hourly data, points per day
--               (at most 288) for other sub-daily data
--   history     stl_residual history: its default max(8*period, 56), capped at its limit 2000
--   fc_options  seasonal_forecast options: interval_width 0.95, the metric's known events;
--               sub-daily data: weekly_seasonality 28 (daily + weekly cycle, docs/seasonal_forecast.md)
--   events      the metric's known events as [{"name","start","end"}] (for ensemble_anomaly)
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS acc CASCADE;
CREATE SCHEMA acc;
CREATE TABLE acc.metrics (metric text PRIMARY KEY, freq text NOT NULL, mode text, noise text, family text);
CREATE TABLE acc.series (metric text NOT NULL, ts timestamptz NOT NULL, value float8, PRIMARY KEY (metric, ts));
CREATE TABLE acc.events (name text NOT NULL, start_day date NOT NULL, end_day date NOT NULL, metrics text NOT NULL);
\set metrics_csv :dir '/metrics.csv'
\set series_csv :dir '/series.csv'
\set events_csv :dir '/events.csv'
COPY acc.metrics FROM :'metrics_csv' WITH (FORMAT csv, HEADER true);
COPY acc.series FROM :'series_csv' WITH (FORMAT csv, HEADER true);
COPY acc.events FROM :'events_csv' WITH (FORMAT csv, HEADER true);
CREATE TABLE acc.params AS
WITH ppd AS (
    SELECT metric, round(86400 / extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY gap)))::int AS points_per_day
    FROM (SELECT metric, ts - lag(ts) OVER (PARTITION BY metric ORDER BY ts) AS gap FROM acc.series) g
    WHERE gap IS NOT NULL
    GROUP BY metric
), ev AS (
    SELECT m.metric,
           coalesce(jsonb_agg(jsonb_build_object('name', e.name, 'start', e.start_day::text, 'end', e.end_day::text)
                              ORDER BY e.start_day, e.name) FILTER (WHERE e.name IS NOT NULL), '[]') AS events
    FROM acc.metrics m
    LEFT JOIN acc.events e ON e.metrics = '*' OR m.metric = ANY (string_to_array(e.metrics, ';'))
    GROUP BY m.metric
)
SELECT m.metric, m.freq, p.points_per_day,
       CASE WHEN p.points_per_day <= 1 THEN 7 ELSE least(p.points_per_day, 288) END AS period,
       least(greatest(8 * CASE WHEN p.points_per_day <= 1 THEN 7 ELSE least(p.points_per_day, 288) END, 56), 2000) AS history,
       jsonb_build_object('interval_width', 0.95)
         || CASE WHEN p.points_per_day > 1 THEN '{"weekly_seasonality": 28}'::jsonb ELSE '{}' END
         || CASE WHEN ev.events <> '[]' THEN jsonb_build_object('events', ev.events) ELSE '{}' END AS fc_options,
       ev.events
FROM acc.metrics m JOIN ppd p USING (metric) JOIN ev USING (metric);
ALTER TABLE acc.params ADD PRIMARY KEY (metric);
ANALYZE acc.series;
ANALYZE acc.params;
