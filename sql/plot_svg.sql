-- Charts of monitored metrics: anomaly.plot_svg draws a metric with its
-- expected band, its alerts by severity and its known events; anomaly.svg_chart
-- is the renderer over plain arrays. An analyst checks the chart's structure
-- here (well-formed XML, one marker per alert of the period, the event, the
-- gap where a day is missing); test/suites/30_report_chromium.sh looks at it
-- in a browser.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;

CREATE SCHEMA chart_demo;
-- 2024-01-01 .. 2024-03-31: about 1000 with a weekly wiggle; Feb 19 is
-- missing (a gap in the line); planted: a spike on Mar 11 and a drop on
-- Mar 21, inside the known event "spring promo" (suppressed).
CREATE TABLE chart_demo.sales (day date PRIMARY KEY, amount float8);
INSERT INTO chart_demo.sales
SELECT d::date,
       CASE d::date WHEN '2024-03-11' THEN 2500 WHEN '2024-03-21' THEN 200
            ELSE 1000 + ((i * 37) % 11 - 5) * 8 END
FROM generate_series(timestamp '2024-01-01', '2024-03-31', '1 day') WITH ORDINALITY AS g(d, i)
WHERE d <> '2024-02-19';
SELECT anomaly.add_metric('chart_sales', 'chart_demo.sales'::regclass, 'day', 'amount', '1 day',
                          good_direction => 'up', description => 'daily sales & <returns>') > 0 AS added;
INSERT INTO anomaly.expected_events (name, during, affected_metrics)
VALUES ('spring promo', '[2024-03-20, 2024-03-23)', ARRAY['chart_sales']);
SELECT points_scored, alerts_opened, suppressed FROM anomaly.check_metric('chart_sales', '2024-04-01');

-- The alerts the chart must show (peak in the default period: the last 90
-- days up to the newest checked day, Jan 2 .. Mar 31).
SELECT peak_ts::date, status, severity FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
WHERE m.name = 'chart_sales' ORDER BY peak_ts;

CREATE TEMP TABLE chart AS SELECT anomaly.plot_svg('chart_sales') AS svg;
CREATE FUNCTION pg_temp.q(path text) RETURNS xml[] LANGUAGE sql AS $$
    SELECT xpath(path, xmlparse(document svg), ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]) FROM chart
$$;
-- Well-formed XML (xmlparse(document ...) would fail otherwise), one svg root
-- with a fixed viewBox.
SELECT (pg_temp.q('/s:svg/@viewBox'))[1]::text AS viewbox;
-- Title and subtitle: the metric, its description (escaped), the period, the rule of the band.
SELECT (pg_temp.q('//s:text[@class="chart-title"]/text()'))[1]::text AS title;
SELECT (pg_temp.q('//s:text[@class="chart-subtitle"]/text()'))[1]::text AS subtitle;
SELECT position('daily sales &amp; &lt;returns&gt;' IN svg) > 0 AS escaped FROM chart;
-- One marker per alert whose peak is in the period, coloured by severity;
-- the suppressed one hollow.
SELECT cardinality(pg_temp.q('//s:circle[starts-with(@class, "mark ")]')) AS markers,
       (SELECT count(*) FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
        WHERE m.name = 'chart_sales' AND l.peak_ts >= '2024-01-02' AND l.peak_ts < '2024-04-01') AS alerts_in_period;
SELECT x::text AS marker_class FROM unnest(pg_temp.q('//s:circle[starts-with(@class, "mark ")]/@class')) AS x ORDER BY 1;
-- The known event: a shaded rect and its name.
SELECT cardinality(pg_temp.q('//s:rect[@class="event"]')) AS event_rects,
       (pg_temp.q('//s:text[@class="event-label"]/text()'))[1]::text AS event_label;
-- The line: 89 points drawn (Jan 2 .. Mar 31 without Feb 19), in two pieces
-- around the missing day; the band and the expected line of rule "deviation".
SELECT array_length(regexp_split_to_array(d, '[ML]'), 1) - 1 AS points_drawn,
       array_length(regexp_split_to_array(d, 'M'), 1) - 1 AS pieces
FROM (SELECT (pg_temp.q('//s:path[@class="series-line"]/@d'))[1]::text AS d) AS p;
SELECT cardinality(pg_temp.q('//s:path[@class="band"]')) AS band,
       cardinality(pg_temp.q('//s:path[@class="expected-line"]')) AS expected_line;
-- Axes: value labels with thousands separators, dates by fortnight.
SELECT array_agg(x::text ORDER BY o) AS y_labels
FROM unnest(pg_temp.q('//s:text[@class="y-label"]/text()')) WITH ORDINALITY AS u(x, o);
SELECT (pg_temp.q('//s:g[@class="x-axis"]/@data-unit'))[1]::text AS time_unit,
       array_agg(x::text ORDER BY o) AS x_labels
FROM unnest(pg_temp.q('//s:text[@class="x-label"]/text()')) WITH ORDINALITY AS u(x, o);

-- A period of its own: March only. Two alerts peak in it.
SELECT cardinality(xpath('//s:circle[starts-with(@class, "mark ")]',
                         xmlparse(document anomaly.plot_svg('chart_sales', NULL, '2024-03-01', '2024-04-01')),
                         ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) AS march_markers;
-- The same result whatever the session's time zone (the metric's zone labels it).
SET timezone = 'Asia/Tokyo';
SELECT anomaly.plot_svg('chart_sales') = (SELECT svg FROM chart) AS same_in_tokyo;
SET timezone = 'UTC';

-- Five days later without new data: the "missing data" rule fires on the
-- last point (Mar 31); its alert is one more marker.
SELECT alerts_opened FROM anomaly.check_metric('chart_sales', '2024-04-05');
WITH c AS (SELECT xmlparse(document anomaly.plot_svg('chart_sales', NULL, '2024-03-01', '2024-04-05')) AS x),
     ns AS (SELECT ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']] AS ns)
SELECT cardinality(xpath('//s:circle[starts-with(@class, "mark ")]', x, ns)) AS markers,
       (SELECT count(*) FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id
        WHERE m.name = 'chart_sales' AND l.peak_ts >= '2024-03-01' AND l.peak_ts < '2024-04-05') AS alerts_in_period,
       array_to_string(xpath('//s:circle[starts-with(@class, "mark ")]/@class', x, ns)::text[], ', ') AS marker_classes
FROM c, ns;

-- A metric with dimensions: one chart per series.
CREATE TABLE chart_demo.regional (day date, region text, amount float8, PRIMARY KEY (day, region));
INSERT INTO chart_demo.regional
SELECT d::date, r, 100 + ((i * 13) % 7) FROM generate_series(timestamp '2024-03-01', '2024-03-31', '1 day') WITH ORDINALITY AS g(d, i),
       unnest(ARRAY['EU', 'US']) AS r;
SELECT anomaly.add_metric('chart_regional', 'chart_demo.regional'::regclass, 'day', 'amount',
                          dimension_columns => '{region}') > 0 AS added;
SELECT position('chart_regional · region=EU' IN anomaly.plot_svg('chart_regional', '{"region": "EU"}', '2024-03-01', '2024-04-01')) > 0 AS eu_chart;

-- Errors.
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT anomaly.plot_svg('no_such_metric');
SELECT anomaly.plot_svg('chart_regional', NULL, '2024-03-01', '2024-04-01');
SELECT anomaly.plot_svg('chart_regional', '{"region": "APAC"}', '2024-03-01', '2024-04-01');
SELECT anomaly.plot_svg('chart_sales', NULL, '2024-03-01', '2024-02-01');
SELECT anomaly.plot_svg(NULL);
SELECT anomaly.plot_svg('chart_sales', '{"region": "EU"}');
-- plot_svg reads the monitoring tables with your rights: a reader of the BI views only cannot.
SET ROLE anomaly_reader;
SELECT anomaly.plot_svg('chart_sales');
RESET ROLE;
\set VERBOSITY terse

-- svg_chart over plain arrays: three days, wall-clock times as labelled.
SELECT substring(anomaly.svg_chart(ARRAY['2024-01-01', '2024-01-02', '2024-01-03']::timestamp[], ARRAY[10, 20, 15]::float8[],
                                   title => 'three days') FROM 'class="series-line" d="([^"]*)"') AS line;
SELECT cardinality(xpath('//s:circle[@class="mark mark-critical"]',
                         xmlparse(document anomaly.svg_chart(ARRAY['2024-01-01', '2024-01-02']::timestamp[], ARRAY[1, NULL]::float8[],
                                  marks => '[{"ts": "2024-01-02", "severity": "critical", "value": 5}]')),
                         ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) AS critical_markers;
SELECT anomaly.svg_chart(ARRAY['2024-01-01']::timestamp[], ARRAY[1, 2]::float8[]);
SELECT anomaly.svg_chart(ARRAY['2024-01-02', '2024-01-01']::timestamp[], ARRAY[1, 2]::float8[]);
SELECT anomaly.svg_chart(ARRAY['2024-01-01']::timestamp[], ARRAY[1]::float8[], marks => '[{"ts": "2024-01-01T00:00:00+00:00", "severity": "info"}]');
SELECT anomaly.svg_chart(ARRAY['2024-01-01']::timestamp[], ARRAY[1]::float8[], marks => '[{"ts": "2024-01-01", "severity": "fatal"}]');
SELECT anomaly.svg_chart(ARRAY['2024-01-01']::timestamp[], ARRAY[1]::float8[], events => '[{"name": "x", "start": "2024-01-01"}]');
SELECT anomaly.svg_chart(ARRAY['2024-01-01']::timestamp[], ARRAY[1]::float8[], events => '[{"name": "x", "from": "2024-01-01"}]');
SELECT anomaly.svg_chart(ARRAY['infinity']::timestamp[], ARRAY[1]::float8[]);
SELECT anomaly.svg_chart(NULL, ARRAY[1]::float8[]);

DELETE FROM anomaly.metrics WHERE name IN ('chart_sales', 'chart_regional');
DELETE FROM anomaly.expected_events WHERE name = 'spring promo';
DROP SCHEMA chart_demo CASCADE;
