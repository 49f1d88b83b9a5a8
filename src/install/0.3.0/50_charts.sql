---------------------------------------------------------------------------
-- Charts: an SVG chart of a metric that a person opens and understands at a
-- glance (the values, the expected value inside its normal range, the
-- anomalies marked by severity, known events shaded and named), for psql,
-- HTML reports and any BI tool that shows HTML or images.
--   anomaly.svg_chart  the renderer over arrays (C, src/core/svg_chart.*);
--   anomaly.plot_svg   a monitored metric over a period: its points read
--                      through the monitoring layer, the band of its layer-2
--                      rule computed causally over the period, the logged
--                      alerts as marks, the known events as shading.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.svg_chart(ts pg_catalog.timestamp[], value pg_catalog.float8[],
                                  expected pg_catalog.float8[] DEFAULT NULL,
                                  lower pg_catalog.float8[] DEFAULT NULL,
                                  upper pg_catalog.float8[] DEFAULT NULL,
                                  marks pg_catalog.jsonb DEFAULT NULL,
                                  events pg_catalog.jsonb DEFAULT NULL,
                                  title pg_catalog.text DEFAULT NULL,
                                  subtitle pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'anomaly_svg_chart'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 500;

COMMENT ON FUNCTION anomaly.svg_chart(pg_catalog.timestamp[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text, pg_catalog.text) IS
'An SVG line chart (a standalone document, viewBox 0 0 900 360) of value over ts: the line breaks at NULL/NaN values; expected dashed, [lower, upper] shaded (NULL arrays or elements: not drawn); marks = [{"ts", "severity": critical|warning|info|suppressed, "value" (optional: else the value at ts), "label"}] as coloured markers with tooltips; events = [{"name", "start", "end"}] shaded and named; title, subtitle; nice axes (1-2-5 value steps with thousands separators, time labels by hours, days, weeks, months or years after the span); legend. ts are wall-clock times, labelled as given (pass ts AT TIME ZONE ''Europe/Paris''), strictly increasing; times inside marks and events are wall-clock too (YYYY-MM-DD[THH:MM[:SS]], no offset). All text is XML-escaped. Errors 22023 (lengths differ, ts not increasing, bad marks/events), 22004 (ts or value NULL).';

-- One point of a chart as plot_svg gathers it (internal).
CREATE TYPE anomaly.chart_point AS (
    series    pg_catalog.jsonb,
    ts        pg_catalog.timestamptz,
    value     pg_catalog.float8,
    expected  pg_catalog.float8,
    lower     pg_catalog.float8,
    upper     pg_catalog.float8
);

COMMENT ON TYPE anomaly.chart_point IS
'A point of a metric''s series with the expected value and normal range of its layer-2 rule, as anomaly.plot_svg gathers them (internal).';

CREATE FUNCTION anomaly.plot_svg(metric pg_catalog.text, series pg_catalog.jsonb DEFAULT NULL,
                                 "from" pg_catalog.timestamptz DEFAULT NULL,
                                 "to" pg_catalog.timestamptz DEFAULT NULL)
    RETURNS pg_catalog.text
    LANGUAGE plpgsql STABLE
    COST 10000
    SET search_path = pg_catalog, pg_temp
    SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m anomaly.metrics;
    r anomaly.rules;
    ser jsonb := plot_svg.series;
    t_from timestamptz := plot_svg."from";
    t_to timestamptz := plot_svg."to";
    caller_zone text := current_setting('TimeZone');
    pts anomaly.chart_point[];
    mark_ts timestamptz[];
    all_series jsonb[];
    wall timestamp[];
    vals float8[];
    exps float8[];
    lows float8[];
    ups float8[];
    marks jsonb;
    events jsonb;
    n_alerts int;
    zone text;
    zone_note text := '';
    title text;
    subtitle text;
BEGIN
    IF metric IS NULL THEN
        RAISE EXCEPTION 'plot_svg: metric must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.name = plot_svg.metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no metric named "%"', metric
            USING ERRCODE = '22023',
                  HINT = 'The metrics: ' || coalesce((SELECT string_agg(x.name, ', ' ORDER BY x.name) FROM anomaly.metrics x), 'none') || '.';
    END IF;
    IF ser IS NOT NULL AND jsonb_typeof(ser) <> 'object' THEN
        RAISE EXCEPTION 'plot_svg: series must be a JSON object such as {"region": "EU"}, not %', ser USING ERRCODE = '22023';
    END IF;
    IF m.dimension_columns = '{}' THEN
        IF ser IS NOT NULL AND ser <> '{}' THEN
            RAISE EXCEPTION 'metric "%" has no dimension columns: series must be NULL or {}, not %', m.name, ser
                USING ERRCODE = '22023';
        END IF;
        ser := '{}';
    END IF;

    -- The period: by default the last 90 periods up to the newest point checked.
    t_to := coalesce(t_to,
                     (SELECT max(s.last_ts) FROM anomaly.series_state s
                       WHERE s.metric_id = m.id AND (ser IS NULL OR s.series = ser)) + m.frequency,
                     now());
    t_from := coalesce(t_from, t_to - 90 * m.frequency);
    IF NOT (t_from < t_to) OR NOT isfinite(t_from) OR NOT isfinite(t_to) THEN
        RAISE EXCEPTION 'plot_svg: the period [%, %) is empty or not finite', t_from, t_to USING ERRCODE = '22023';
    END IF;

    -- Dates, weekdays, events and the labels in the metric's time zone, as
    -- run_checks reads them; the caller's zone is restored at the end.
    PERFORM set_config('TimeZone', m.time_zone, true);

    -- The band: the metric's layer-2 rule (an ensemble rule first, when one
    -- is installed), evaluated causally as a check as of t_to would.
    SELECT x.* INTO r FROM anomaly.rules x
     WHERE x.metric_id = m.id AND x.enabled AND x.layer = 2
     ORDER BY (x.method LIKE 'ensemble%') DESC, x.id
     LIMIT 1;
    IF r.id IS NOT NULL THEN
        SELECT array_agg(ROW(p.series, p.ts, p.value, p.expected, p.lower, p.upper)::anomaly.chart_point)
          INTO pts FROM anomaly.rule_points(r.id, t_from, t_to) AS p;
    ELSE
        SELECT array_agg(ROW(g.series, u.ts, u.v, NULL, NULL, NULL)::anomaly.chart_point)
          INTO pts
          FROM anomaly.metric_series(m.id, t_from, t_to) AS g CROSS JOIN LATERAL unnest(g.ts, g.v) AS u(ts, v);
    END IF;
    PERFORM set_config('TimeZone', m.time_zone, true);  -- rule_points restored the zone it found: ours

    SELECT array_agg(DISTINCT p.series ORDER BY p.series) INTO all_series FROM unnest(pts) p;
    IF ser IS NULL THEN
        IF cardinality(all_series) > 1 THEN
            RAISE EXCEPTION 'metric "%" has % series: choose one with series => ...', m.name, cardinality(all_series)
                USING ERRCODE = '22023',
                      HINT = 'Its series in the period: ' || array_to_string(all_series[1:20], ', ')
                             || CASE WHEN cardinality(all_series) > 20 THEN ', ...' ELSE '' END || '.';
        END IF;
        ser := coalesce(all_series[1], '{}');
    ELSIF all_series IS NOT NULL AND NOT ser = ANY (all_series) THEN
        RAISE EXCEPTION 'metric "%" has no series % between % and %', m.name, ser, t_from, t_to
            USING ERRCODE = '22023',
                  HINT = 'Its series in the period: ' || array_to_string(all_series[1:20], ', ')
                         || CASE WHEN cardinality(all_series) > 20 THEN ', ...' ELSE '' END || '.';
    END IF;

    -- Wall-clock times; missing periods of the frequency grid become NULL
    -- values (a gap in the line). A zone's autumn change can give one wall
    -- time twice (sub-daily data): then the chart is labelled in UTC.
    zone := m.time_zone;
    IF EXISTS (SELECT FROM unnest(pts) p WHERE p.series = ser
               GROUP BY p.ts AT TIME ZONE zone HAVING count(*) > 1) THEN
        zone := 'UTC';
        zone_note := ': the clock change repeats hours';
    END IF;
    -- Marks: the incidents logged for the series whose peak is in the period;
    -- their times join the time axis (a missing-data alert after the last
    -- point is drawn where the data should be).
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'ts', l.peak_ts AT TIME ZONE zone,
               'severity', CASE WHEN l.status = 'suppressed' THEN 'suppressed' ELSE l.severity END,
               'value', CASE WHEN l.value > '-Infinity' AND l.value < 'Infinity' THEN l.value END,
               'label', '#' || l.id || ' ' || l.status
                        || CASE WHEN l.event_name IS NOT NULL THEN ' by ' || l.event_name ELSE '' END
                        || ': ' || l.message) ORDER BY l.peak_ts, l.id), '[]'), count(*), array_agg(l.peak_ts)
      INTO marks, n_alerts, mark_ts
      FROM anomaly.anomaly_log l
     WHERE l.metric_id = m.id AND l.series = ser AND l.peak_ts >= t_from AND l.peak_ts < t_to;

    WITH sp AS (SELECT * FROM unnest(pts) p WHERE p.series = ser),
         grid AS (SELECT generate_series(min(sp.ts), max(sp.ts), m.frequency) AS ts FROM sp
                  UNION SELECT u.ts FROM unnest(mark_ts) AS u(ts)),
         j AS (SELECT coalesce(sp.ts, grid.ts) AS ts, sp.value, sp.expected, sp.lower, sp.upper
               FROM grid FULL JOIN sp ON sp.ts = grid.ts)
    SELECT array_agg(j.ts AT TIME ZONE zone ORDER BY j.ts), array_agg(j.value ORDER BY j.ts),
           array_agg(j.expected ORDER BY j.ts), array_agg(j.lower ORDER BY j.ts), array_agg(j.upper ORDER BY j.ts)
      INTO wall, vals, exps, lows, ups
      FROM j;

    -- Known events of the metric and series overlapping the period.
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', o.name,
               'start', lower(o.during) AT TIME ZONE zone,
               'end', upper(o.during) AT TIME ZONE zone) ORDER BY lower(o.during), o.event_id), '[]')
      INTO events
      FROM anomaly.event_occurrences(t_from, t_to) AS o
     WHERE (o.affected_metrics = '{}' OR m.name = ANY (o.affected_metrics))
       AND (o.dimension_filter IS NULL OR ser @> o.dimension_filter);

    title := m.name || CASE WHEN ser = '{}' THEN ''
                            ELSE ' · ' || (SELECT string_agg(e.key || '=' || e.value, ', ' ORDER BY e.key)
                                           FROM jsonb_each_text(ser) AS e) END
                    || coalesce(' — ' || m.description, '');
    subtitle := anomaly.format_ts(t_from, m.frequency) || ' to ' || anomaly.format_ts(t_to - m.frequency, m.frequency)
                || ', ' || CASE m.frequency WHEN '1 minute' THEN 'every minute' WHEN '1 hour' THEN 'hourly'
                                            WHEN '1 day' THEN 'daily' WHEN '7 days' THEN 'weekly'
                                            WHEN '1 mon' THEN 'monthly' ELSE 'every ' || m.frequency::text END
                || ' (' || zone || zone_note || ')'
                || CASE WHEN r.id IS NOT NULL THEN ' · normal range: rule "' || r.name || '" (' || r.method || ')'
                        ELSE ' · no layer-2 rule: no normal range' END
                || ' · ' || n_alerts || CASE WHEN n_alerts = 1 THEN ' alert' ELSE ' alerts' END;
    PERFORM set_config('TimeZone', caller_zone, true);
    RETURN anomaly.svg_chart(coalesce(wall, '{}'), coalesce(vals, '{}'), exps, lows, ups, marks, events, title, subtitle);
END;
$$;

COMMENT ON FUNCTION anomaly.plot_svg(pg_catalog.text, pg_catalog.jsonb, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
'SVG chart (anomaly.svg_chart) of a monitored metric over ["from", "to"): its points read from the source with your rights as run_checks reads them (missing periods: gaps), the expected value and normal range of its first enabled layer-2 rule (an ensemble rule first) evaluated causally as a check as of "to" would, one marker per logged alert whose peak is in the period (colour = severity, hollow grey = suppressed by a known event, tooltip = message), the known events shaded and named, in the metric''s time zone. Defaults: "to" = end of the newest checked period, "from" = 90 periods before "to". A metric with dimensions needs series => ''{"region": "EU"}'' when it has several series in the period (22023 listing them). Unknown metric: 22023.';
