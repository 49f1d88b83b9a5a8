-- make demo: the report. Needs demo/demo_data.sql and demo/detect.sql loaded.
--
-- psql variables (set with -v name=value; demo/run_demo.sh passes them from
-- DEMO_DETECTOR, DEMO_WEEKS, DEMO_MIN_WEEKS, DEMO_DAYS, DEMO_MIN_DAYS,
-- DEMO_THRESHOLD):
--   detector   deviation (default): flag |z_deviation| > threshold
--              weekday:             flag |z_weekday| > threshold
--   weeks, min_weeks (8, 4)     same-weekday history
--   days, min_days (56, 28)     history of deviations (detector deviation)
--   threshold                   5 for deviation, 3.5 for weekday
--
-- Why 5 and not Iglewicz and Hoaglin's 3.5: the report tests ~15,000
-- metric-days, and on this data (and on other seeds of demo_data.sql) 3.5
-- finds 1-2 more planted anomalies but also ~70 unplanted episodes; 5 keeps
-- those to a handful. The plain same-weekday score (detector weekday) flags
-- 6-7% of all days at 3.5 (~700 unplanted episodes), whatever the noise level:
-- a MAD of 8 points is too unsteady for a fixed cut-off.
--
-- Leaves the flagged days in table demo.alerts (one row per day, with the
-- episode it belongs to and the planted anomaly it matches, if any).

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;

\if :{?detector}
\else
  \set detector deviation
\endif
\if :{?weeks}
\else
  \set weeks 8
\endif
\if :{?min_weeks}
\else
  \set min_weeks 4
\endif
\if :{?days}
\else
  \set days 56
\endif
\if :{?min_days}
\else
  \set min_days 28
\endif
\if :{?threshold}
\else
  SELECT CASE WHEN :'detector' = 'weekday' THEN 3.5 ELSE 5 END AS threshold \gset
\endif
SELECT CASE WHEN :'detector' IN ('deviation', 'weekday') THEN 'ok'
            ELSE 'unknown detector ' || :'detector' || ' (deviation or weekday)' END AS detector_check \gset
SELECT :'detector_check' = 'ok' AS detector_ok \gset
\if :detector_ok
\else
  SELECT demo.fail(:'detector_check');
\endif

\pset footer off
\pset null ''

---------------------------------------------------------------------------
-- Alerts: every flagged day; a run of flagged days of one metric in one
-- direction, at most 3 days apart, is one episode.
---------------------------------------------------------------------------
DROP TABLE IF EXISTS demo.alerts;
CREATE TABLE demo.alerts AS
WITH flagged AS (
    SELECT s.*, CASE :'detector' WHEN 'weekday' THEN s.z_weekday ELSE s.z_deviation END AS z
    FROM demo.scores(:weeks, :min_weeks, :days, :min_days) s
), alerts AS (
    SELECT f.*, lag(f.day) OVER (PARTITION BY f.metric, sign(f.z) ORDER BY f.day) AS previous_day
    FROM flagged f
    WHERE abs(f.z) > :threshold
), episodes AS (
    SELECT a.*, count(*) FILTER (WHERE a.previous_day IS NULL OR a.day - a.previous_day > 3)
                    OVER (PARTITION BY a.metric, sign(a.z) ORDER BY a.day) AS episode_no
    FROM alerts a
)
SELECT e.metric, e.day, e.value, e.expected, e.history, e.deviation, e.usual_deviation, e.z,
       e.metric || ' ' || min(e.day) OVER (PARTITION BY e.metric, sign(e.z), e.episode_no) AS episode,
       p.day AS planted_day, p.kind AS planted_kind
FROM episodes e
LEFT JOIN LATERAL (
    -- the planted anomaly of that day, or a level shift in the same direction
    -- that started in the last `weeks` weeks
    SELECT pa.day, pa.kind FROM demo.planted_anomalies pa
    WHERE pa.metric = e.metric
    AND (pa.day = e.day OR (pa.kind = 'level_shift' AND e.day BETWEEN pa.day AND pa.day + 7 * :weeks
                            AND sign(e.z) = sign(pa.factor - 1)))
    ORDER BY pa.day = e.day DESC, pa.day DESC
    LIMIT 1) p ON true;

-- One line per episode: its first day, how long it lasted, what was planted.
CREATE TEMP VIEW episodes AS
SELECT a.episode, a.metric, a.day, a.value, a.expected, a.history, a.deviation, a.usual_deviation, a.z,
       x.days, x.last_day, x.max_abs_z, x.planted
FROM demo.alerts a
JOIN (SELECT episode, count(*) AS days, max(day) AS last_day, max(abs(z)) AS max_abs_z,
             min(planted_kind) AS planted
      FROM demo.alerts GROUP BY episode) x USING (episode)
WHERE a.episode = a.metric || ' ' || a.day;

SELECT min(day) AS first_day, max(day) AS last_day, count(DISTINCT metric) AS n_metrics,
       count(value) AS n_values,
       count(DISTINCT metric) * (max(day) - min(day) + 1) - count(value) AS n_missing
FROM demo.daily_metrics \gset
SELECT count(z) AS n_scored FROM (
    SELECT CASE :'detector' WHEN 'weekday' THEN z_weekday ELSE z_deviation END AS z
    FROM demo.scores(:weeks, :min_weeks, :days, :min_days)) s \gset
SELECT count(*) AS n_alert_days, count(DISTINCT episode) AS n_episodes FROM demo.alerts \gset
SELECT count(*) AS n_other FROM episodes WHERE planted IS NULL \gset
SELECT count(*) FILTER (WHERE planted IS NULL) AS n_other_days FROM demo.alerts a
JOIN episodes e USING (episode) \gset

SELECT to_char(:n_scored, 'FM999,999,990') AS n_scored_fmt, to_char(:n_alert_days, 'FM999,999,990') AS n_alert_days_fmt, to_char(:n_values, 'FM999,999,990') AS n_values_fmt \gset

\echo
SELECT format('== anomaly_detect demo: %s daily business metrics, %s .. %s (%s values, %s missing) in demo.daily_metrics',
              :n_metrics, :'first_day', :'last_day', :'n_values_fmt', :n_missing) AS title \gset
\echo :title
SELECT :'detector' = 'weekday' AS is_weekday \gset
\echo '   expected  = median of the same weekday of the last' :weeks 'weeks (at least' :min_weeks 'of them)'
\if :is_weekday
\echo '   z         = anomaly.mad_zscore(value,' :weeks, :min_weeks') OVER (PARTITION BY metric, extract(isodow FROM day) ORDER BY day):'
\echo '               the value against those same-weekday values; flagged when |z| >' :threshold
\else
\echo '   deviation = value / expected - 1'
\echo '   z         = anomaly.mad_zscore(deviation,' :days, :min_days') OVER (PARTITION BY metric ORDER BY day):'
\echo '               the deviation against the metric''s last' :days 'deviations; flagged when |z| >' :threshold
\endif
\echo '  ' :n_scored_fmt 'metric-days scored,' :n_alert_days_fmt 'flagged, in' :n_episodes 'episodes (runs of flagged days at most 3 days apart)'
\echo
\echo '== Anomalies found: one row per episode, at its first day (days: flagged days in the episode);'
\echo '   all that match a planted anomaly and up to 10 others, the strongest'

WITH shown AS (
    SELECT e.* FROM episodes e WHERE e.planted IS NOT NULL
    UNION ALL
    (SELECT e.* FROM episodes e WHERE e.planted IS NULL ORDER BY e.max_abs_z DESC, e.metric, e.day LIMIT 10)
), texts AS (
    SELECT s.metric, s.day,
           demo.fmt(s.value, m.decimals) AS value,
           demo.fmt(s.expected, m.decimals) AS expected,
           to_char(s.z, 'FM999,990.0') AS z,
           s.days,
           coalesce(replace(s.planted, 'level_shift', 'shift'), '-') AS planted,
           demo.why(s.value, s.expected, s.history, s.day,
                    CASE WHEN :'detector' = 'deviation' THEN s.usual_deviation END) AS why
    FROM shown s JOIN demo.metrics m USING (metric)
)
-- numbers right-aligned
SELECT metric, day,
       lpad(value, greatest(max(length(value)) OVER (), 5)) AS value,
       lpad(expected, greatest(max(length(expected)) OVER (), 8)) AS expected,
       lpad(z, max(length(z)) OVER ()) AS z,
       days, planted, why
FROM texts
ORDER BY metric, day;

SELECT :n_other > 10 AS more_others \gset
\if :more_others
SELECT :n_other - 10 AS n_hidden \gset
\echo '  ... and' :n_hidden 'more unplanted episodes: SELECT * FROM demo.alerts WHERE planted_day IS NULL'
\echo
\endif

---------------------------------------------------------------------------
-- Found vs planted
---------------------------------------------------------------------------
CREATE TEMP VIEW planted_vs_found AS
SELECT p.*, s.z AS z_on_day,
       EXISTS (SELECT FROM demo.alerts a
               WHERE a.metric = p.metric
               AND (a.day = p.day OR (p.kind = 'level_shift' AND a.day BETWEEN p.day AND p.day + 6))) AS found
FROM demo.planted_anomalies p
LEFT JOIN (SELECT metric, day, CASE :'detector' WHEN 'weekday' THEN z_weekday ELSE z_deviation END AS z
           FROM demo.scores(:weeks, :min_weeks, :days, :min_days)) s USING (metric, day);

SELECT count(*) AS n_planted, count(*) FILTER (WHERE found) AS n_found FROM planted_vs_found \gset

\echo '== Found vs planted (demo.planted_anomalies; a level shift counts as found if flagged within its first week)'
SELECT 'planted anomalies' AS " ", :n_planted AS count,
       string_agg(n || ' ' || kind || CASE WHEN n = 1 THEN '' ELSE 's' END, ', ' ORDER BY n DESC, kind) AS details
FROM (SELECT replace(replace(kind, '_', ' '), 'zero', 'zero-day') AS kind, count(*) AS n
      FROM planted_vs_found GROUP BY kind) k
UNION ALL
SELECT 'found', :n_found,
       string_agg(found || ' of ' || n || ' ' || kind || CASE WHEN n = 1 THEN '' ELSE 's' END, ', '
                  ORDER BY n DESC, kind)
FROM (SELECT replace(replace(kind, '_', ' '), 'zero', 'zero-day') AS kind, count(*) AS n,
             count(*) FILTER (WHERE found) AS found
      FROM planted_vs_found GROUP BY kind) k
UNION ALL
SELECT 'missed', count(*),
       coalesce(string_agg(metric || ' ' || day || ' ' || replace(kind, '_', ' ') || ' x' || factor
                           || ' (z = ' || coalesce(to_char(z_on_day, 'FM999,990.0'), 'none') || ')', '; '
                           ORDER BY metric, day), '')
FROM planted_vs_found WHERE NOT found
UNION ALL
SELECT 'other alerts (not planted)', :n_other,
       to_char(:n_other_days, 'FM999,999,990') || ' flagged days of ' || to_char(:n_scored, 'FM999,999,990') || ' scored ('
       || to_char(100.0 * :n_other_days / :n_scored, 'FM990.00') || '%)';

---------------------------------------------------------------------------
-- The latest day: what a daily scheduled check would report, with the
-- aggregate anomaly.mad_zscore_last (the score of each metric's newest row).
---------------------------------------------------------------------------
\if :is_weekday
CREATE TEMP VIEW latest AS
SELECT d.metric, max(d.day) AS day,
       (array_agg(d.value ORDER BY d.day DESC))[1] AS value,
       anomaly.mad_zscore_last(d.value, :weeks, :min_weeks ORDER BY d.day) AS z
FROM demo.daily_metrics d
WHERE extract(isodow FROM d.day) = extract(isodow FROM :'last_day'::date)
GROUP BY d.metric;
\else
CREATE TEMP VIEW latest AS
SELECT s.metric, max(s.day) AS day,
       (array_agg(s.value ORDER BY s.day DESC))[1] AS value,
       anomaly.mad_zscore_last(s.deviation, :days, :min_days ORDER BY s.day) AS z
FROM demo.scores(:weeks, :min_weeks, :days, :min_days) s
GROUP BY s.metric;
\endif

-- The aggregate must agree with the window function on that row.
SELECT count(*) AS n_disagree FROM latest l
JOIN (SELECT metric, day, CASE :'detector' WHEN 'weekday' THEN z_weekday ELSE z_deviation END AS z
      FROM demo.scores(:weeks, :min_weeks, :days, :min_days)) s USING (metric, day)
WHERE l.z IS DISTINCT FROM s.z AND NOT abs(l.z - s.z) <= 1e-9 * greatest(1, abs(s.z)) \gset
SELECT count(*) AS n_latest, count(*) FILTER (WHERE abs(z) > :threshold) AS n_latest_flagged FROM latest \gset

\if :is_weekday
SELECT format('anomaly.mad_zscore_last(value, %s, %s ORDER BY day) ... WHERE the weekday of %s GROUP BY metric',
              :weeks, :min_weeks, :'last_day') AS latest_call \gset
\else
SELECT format('anomaly.mad_zscore_last(deviation, %s, %s ORDER BY day) ... GROUP BY metric', :days, :min_days) AS latest_call \gset
\endif
\echo '== Latest day, as a daily check would see it:' :latest_call
\echo '  ' :n_latest 'metrics checked,' :n_latest_flagged 'flagged; the 5 highest |z|:'
SELECT metric, day, lpad(value, greatest(max(length(value)) OVER (), 5)) AS value,
       lpad(z, max(length(z)) OVER ()) AS z, status
FROM (SELECT l.metric, l.day, demo.fmt(l.value, m.decimals) AS value, to_char(l.z, 'FM999,990.0') AS z,
             CASE WHEN abs(l.z) > :threshold THEN 'ANOMALY' ELSE 'ok' END AS status
      FROM latest l JOIN demo.metrics m USING (metric)
      ORDER BY abs(l.z) DESC NULLS LAST, l.metric
      LIMIT 5) top
ORDER BY abs(replace(z, ',', '')::float8) DESC NULLS LAST, metric;
SELECT :n_disagree > 0 AS disagree \gset
\if :disagree
\echo 'WARNING:' :n_disagree 'metrics: mad_zscore_last differs from the window function mad_zscore on the same row'
\endif
