-- The HTML report of make demo (and of test/suites/30_report_chromium.sh):
-- the open alerts with their message, rules, playbook and root causes, and
-- the chart of each alerted metric and series (anomaly.plot_svg, inline SVG).
-- One self-contained document (no external assets) on standard output:
--
--   psql -X -q -d DB -f demo/report_html.sql -o report.html
--
-- Optional: -v title='...' (the page title). Root causes are shown when the
-- installed version has them (the column anomaly.anomaly_log.root_causes or
-- the function anomaly.root_cause(bigint), looked up at run time); a chart or
-- an analysis that fails shows its error in place of the result.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
\pset footer off
\if :{?title}
\else
  \set title 'Open alerts'
\endif

-- Text as HTML.
CREATE FUNCTION pg_temp.h(t text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN replace(replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');

-- A series as "region=EU, plan=pro" ('' without dimensions).
CREATE FUNCTION pg_temp.series_text(s jsonb) RETURNS text LANGUAGE sql IMMUTABLE
RETURN coalesce((SELECT string_agg(e.key || '=' || e.value, ', ' ORDER BY e.key) FROM jsonb_each_text(s) AS e), '');

-- Root causes of an alert as jsonb [{rank, kind, metric, series, score, evidence}],
-- NULL when the installed version has no root-cause analysis, {"error": ...}
-- when it failed.
CREATE FUNCTION pg_temp.root_causes(alert_id bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    msg text;
BEGIN
    IF EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = 'anomaly.anomaly_log'::regclass
               AND a.attname = 'root_causes' AND NOT a.attisdropped) THEN
        EXECUTE 'SELECT l.root_causes FROM anomaly.anomaly_log l WHERE l.id = $1' INTO r USING alert_id;
    END IF;
    IF r IS NULL AND to_regprocedure('anomaly.root_cause(bigint)') IS NOT NULL THEN
        BEGIN
            EXECUTE 'SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.rank), ''[]'') FROM anomaly.root_cause($1) AS c'
               INTO r USING alert_id;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            r := jsonb_build_object('error', msg);
        END;
    END IF;
    RETURN r;
END $$;

-- The chart of a metric's series, or the error that prevented it.
CREATE FUNCTION pg_temp.chart(metric text, series jsonb, from_ts timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    msg text;
BEGIN
    RETURN anomaly.plot_svg(metric, series, from_ts);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    RETURN '<p class="error">No chart: ' || pg_temp.h(msg) || '</p>';
END $$;

CREATE FUNCTION pg_temp.badge(severity text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN '<span class="badge ' || pg_temp.h(severity) || '">' || pg_temp.h(severity) || '</span>';

CREATE FUNCTION pg_temp.causes_html(rc jsonb) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE
    WHEN rc IS NULL THEN '<p class="muted">Root causes: not available in this installation (anomaly.root_cause).</p>'
    WHEN jsonb_typeof(rc) = 'object' THEN '<p class="error">Root causes could not be computed: ' || pg_temp.h(rc ->> 'error') || '</p>'
    WHEN jsonb_array_length(rc) = 0 THEN '<p class="muted">Root causes: no related metric, slice or formula term explains it.</p>'
    ELSE '<table class="causes"><caption>Root causes</caption><tr><th>#</th><th>kind</th><th>metric</th><th>series</th><th>score</th><th>evidence</th></tr>'
         || (SELECT string_agg('<tr><td>' || pg_temp.h(c ->> 'rank') || '</td><td>' || pg_temp.h(c ->> 'kind') || '</td><td>'
                               || pg_temp.h(c ->> 'metric') || '</td><td>'
                               || pg_temp.h(CASE WHEN jsonb_typeof(c -> 'series') = 'object' THEN pg_temp.series_text(c -> 'series') ELSE c ->> 'series' END)
                               || '</td><td class="num">' || pg_temp.h(c ->> 'score') || '</td><td>' || pg_temp.h(c ->> 'evidence') || '</td></tr>',
                               '' ORDER BY o)
             FROM jsonb_array_elements(rc) WITH ORDINALITY AS e(c, o))
         || '</table>'
END;

WITH a AS (
    SELECT o.alert_id, o.metric, o.series, o.status, o.severity, o.first_ts, o.last_ts, o.points, o.value, o.expected,
           o.lower, o.upper, o.deviation_pct, o.rules, o.message, o.playbook, m.frequency, m.time_zone,
           CASE o.severity WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END AS sev
    FROM anomaly.open_alerts o JOIN anomaly.metrics m ON m.name = o.metric
), groups AS (
    -- One section per alerted metric and series, most severe first; its
    -- chart covers the last 90 periods, or from two weeks before its oldest
    -- open alert.
    SELECT a.metric, a.series, min(a.sev) AS sev, min(a.first_ts) AS first_ts, min(a.frequency) AS frequency,
           row_number() OVER (ORDER BY min(a.sev), a.metric, a.series) AS n
    FROM a GROUP BY a.metric, a.series
), sections AS (
    SELECT g.n,
           '<section class="metric" id="chart-' || g.n || '"><h2>' || pg_temp.h(g.metric)
           || CASE WHEN g.series = '{}' THEN '' ELSE ' <span class="series">' || pg_temp.h(pg_temp.series_text(g.series)) || '</span>' END
           || '</h2>'
           || (SELECT string_agg(
                  '<article class="alert ' || a.severity || '"><header>' || pg_temp.badge(a.severity)
                  || ' <b>#' || a.alert_id || '</b> ' || pg_temp.h(a.status) || ' · '
                  || pg_temp.h(anomaly.format_ts(a.first_ts, a.frequency))
                  || CASE WHEN a.last_ts > a.first_ts THEN ' to ' || pg_temp.h(anomaly.format_ts(a.last_ts, a.frequency)) ELSE '' END
                  || ' · ' || a.points || CASE WHEN a.points = 1 THEN ' point' ELSE ' points' END
                  || ' · rules: ' || pg_temp.h(array_to_string(a.rules, ', ')) || '</header>'
                  || '<p class="message">' || pg_temp.h(a.message) || '</p>'
                  || CASE WHEN a.playbook IS NULL THEN ''
                          ELSE '<details><summary>Playbook</summary><pre>' || pg_temp.h(a.playbook) || '</pre></details>' END
                  || pg_temp.causes_html(pg_temp.root_causes(a.alert_id))
                  || '</article>', '' ORDER BY a.sev, a.first_ts)
               FROM a WHERE a.metric = g.metric AND a.series = g.series)
           || '<figure class="chart">'
           || pg_temp.chart(g.metric, g.series,
                            least((SELECT max(s.last_ts) FROM anomaly.series_state s JOIN anomaly.metrics m ON m.id = s.metric_id
                                    WHERE m.name = g.metric AND s.series = g.series) - 89 * g.frequency,
                                  g.first_ts - 14 * g.frequency))
           || '</figure></section>' AS html
    FROM groups g
), summary AS (
    SELECT '<table class="summary"><tr><th>severity</th><th>metric</th><th>series</th><th>since</th><th>value</th><th>expected</th><th>deviation</th><th>status</th></tr>'
           || string_agg('<tr><td>' || pg_temp.badge(a.severity) || '</td><td><a href="#chart-' || g.n || '">' || pg_temp.h(a.metric)
                         || '</a></td><td>' || pg_temp.h(pg_temp.series_text(a.series)) || '</td><td>'
                         || pg_temp.h(anomaly.format_ts(a.first_ts, a.frequency)) || '</td><td class="num">'
                         || pg_temp.h(anomaly.format_number(a.value)) || '</td><td class="num">'
                         || pg_temp.h(anomaly.format_number(a.expected)) || '</td><td class="num">'
                         || coalesce(pg_temp.h(anomaly.format_number(a.deviation_pct)) || ' %', '') || '</td><td>'
                         || pg_temp.h(a.status) || '</td></tr>', '' ORDER BY a.sev, a.metric, a.first_ts)
           || '</table>' AS html,
           count(*) AS n_alerts, count(DISTINCT a.metric) AS n_metrics
    FROM a JOIN groups g ON g.metric = a.metric AND g.series = a.series
)
SELECT '<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>' || pg_temp.h(:'title') || '</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 980px; padding: 16px 24px; color: #1a1a1a; background: #ffffff; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin: 0 0 8px; } .series { color: #555555; font-weight: normal; }
.muted { color: #666666; } .error { color: #a40000; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; } th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } caption { text-align: left; font-weight: 600; padding: 4px 0; }
.badge { display: inline-block; border-radius: 3px; padding: 1px 7px; font-size: 12px; font-weight: 600; color: #ffffff; }
.badge.critical { background: #d62728; } .badge.warning { background: #ff8c00; } .badge.info { background: #8e44ad; }
section.metric { border-top: 2px solid #e8e8e8; padding: 16px 0; }
article.alert { border-left: 4px solid #999999; padding: 2px 12px; margin: 8px 0; }
article.alert.critical { border-color: #d62728; } article.alert.warning { border-color: #ff8c00; } article.alert.info { border-color: #8e44ad; }
.message { margin: 6px 0; } pre { white-space: pre-wrap; font-size: 13px; margin: 4px 0; }
figure.chart { margin: 12px 0 0; } figure.chart svg { width: 100%; max-width: 900px; height: auto; display: block; }
</style></head><body>
<h1>' || pg_temp.h(:'title') || '</h1>
<p class="muted">' || coalesce(s.n_alerts, 0) || CASE WHEN coalesce(s.n_alerts, 0) = 1 THEN ' open alert' ELSE ' open alerts' END
       || ' on ' || coalesce(s.n_metrics, 0) || CASE WHEN coalesce(s.n_metrics, 0) = 1 THEN ' metric' ELSE ' metrics' END
       || ' · database ' || pg_temp.h(current_database()) || ' · generated ' || to_char(now(), 'YYYY-MM-DD HH24:MI TZ')
       || '. Each chart: the value (line), the expected value (dashed) and its normal range (blue band), anomalies by severity (red critical, orange warning, purple info, hollow grey suppressed by a known event), known events shaded.</p>
' || CASE WHEN s.n_alerts > 0 THEN s.html ELSE '<p>No open alerts.</p>' END || '
' || coalesce((SELECT string_agg(sections.html, E'\n' ORDER BY sections.n) FROM sections), '') || '
</body></html>'
FROM summary s;
