---------------------------------------------------------------------------
-- Monitoring layer, part 5: checking metrics.
--
-- check_metric(metric, as_of), per metric, in one transaction:
--  1. pg_advisory_xact_lock(1634627437, metric_id) ('anom'), then re-read the
--     state under the lock (concurrent runs serialize per metric);
--  2. one range query on the source (caller's rights) reads the points after
--     watermark - recheck_periods, plus twice the history the enabled rules
--     need, and before as_of (a point counts only once its period has ended:
--     ts + frequency <= as_of), one row of arrays per series;
--  3. per series, the missing-data policy fills gaps and one statement calls
--     every enabled rule's evaluator;
--  4. one statement upserts the hits keyed (rule, series, ts), deleting hits
--     of re-checked points that no longer fire (late data), and the series
--     state;
--  5. if any hit changed, build_incidents rebuilds the incidents touched, from
--     the stored hits in time order, keyed (metric, series, first_ts);
--  6. one statement auto-resolves, one advances the watermark.
-- Because incidents are a function of the stored hits, a run repeated, two
-- runs at once, a killed run repeated, or one run per day all give the same
-- log as one run over all history.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.fill_gaps(times pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                  frequency pg_catalog.interval, policy pg_catalog.text,
                                  max_gaps pg_catalog.int4,
                                  OUT filled_times pg_catalog.timestamptz[], OUT filled_vals pg_catalog.float8[])
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF policy NOT IN ('ignore', 'zero', 'previous', 'interpolate') THEN
        RAISE EXCEPTION 'missing data policy must be ignore, zero, previous or interpolate, not %', policy
            USING ERRCODE = '22023';
    END IF;
    IF frequency <= '0'::interval THEN
        RAISE EXCEPTION 'frequency must be positive' USING ERRCODE = '22023';
    END IF;
    PERFORM anomaly.rule_points_check(times, vals, 'fill_gaps');
    IF policy = 'ignore' OR cardinality(times) < 2 THEN
        filled_times := times;
        filled_vals := vals;
        RETURN;
    END IF;
    WITH p AS (SELECT u.t, u.v FROM unnest(times, vals) AS u(t, v)),
         j AS (SELECT coalesce(p.t, g.t) AS t, p.v, p.t IS NOT NULL AS present
               FROM (SELECT generate_series(times[1], times[cardinality(times)], frequency) AS t) AS g
               FULL JOIN p ON p.t = g.t),
         k AS (SELECT j.*, count(*) FILTER (WHERE j.present) OVER (ORDER BY j.t) AS grp FROM j),
         s AS (SELECT k.*, first_value(k.v) OVER w AS pv, first_value(k.t) OVER w AS pt,
                      count(*) FILTER (WHERE NOT k.present) OVER (PARTITION BY k.grp) AS gap
               FROM k WINDOW w AS (PARTITION BY k.grp ORDER BY k.t)),
         nx AS (SELECT k.grp - 1 AS grp, k.t AS nt, k.v AS nv FROM k WHERE k.present),
         r AS (SELECT s.t,
                      CASE WHEN s.present THEN s.v
                           WHEN policy = 'zero' THEN 0
                           WHEN s.gap > max_gaps THEN NULL
                           WHEN policy = 'previous' THEN s.pv
                           ELSE s.pv + (nx.nv - s.pv) * extract(epoch FROM s.t - s.pt) / extract(epoch FROM nx.nt - s.pt)
                      END AS v,
                      s.present OR policy = 'zero' OR s.gap <= max_gaps AS keep
               FROM s LEFT JOIN nx ON nx.grp = s.grp)
    SELECT array_agg(r.t ORDER BY r.t), array_agg(r.v ORDER BY r.t) INTO filled_times, filled_vals
    FROM r WHERE r.keep;
END;
$$;

COMMENT ON FUNCTION anomaly.fill_gaps(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.interval, pg_catalog.text, pg_catalog.int4) IS
'Missing-data policy on one series: the periods missing between the first and last point (on the grid ts[1] + k * frequency) become 0 (zero), the previous value (previous) or the linear interpolation of their neighbours (interpolate); previous and interpolate fill only gaps of at most max_gaps periods, longer gaps stay missing. ignore returns the input.';

CREATE FUNCTION anomaly.format_number(x pg_catalog.float8)
    RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN x IS NULL THEN 'n/a'
                WHEN x > '-Infinity' AND x < 'Infinity'
                    THEN rtrim(rtrim(round(x::numeric, 2)::text, '0'), '.')
                ELSE x::text END;

COMMENT ON FUNCTION anomaly.format_number(pg_catalog.float8) IS
'A number as alert messages show it: rounded to 2 decimals, trailing zeros removed; n/a for NULL.';

CREATE FUNCTION anomaly.render_message(template pg_catalog.text, vals pg_catalog.jsonb)
    RETURNS pg_catalog.text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r text := template;
    kv record;
BEGIN
    FOR kv IN SELECT e.key, e.value FROM jsonb_each_text(vals) AS e LOOP
        r := replace(r, '{' || kv.key || '}', coalesce(kv.value, 'n/a'));
    END LOOP;
    RETURN r;
END;
$$;

COMMENT ON FUNCTION anomaly.render_message(pg_catalog.text, pg_catalog.jsonb) IS
'Replaces each {key} of template by the text of vals->>key (n/a for JSON null); unknown placeholders stay as they are.';

-- Raised from inside the check statement, before any evaluator runs.
CREATE FUNCTION anomaly.series_cap_check(metric pg_catalog.text, n_series pg_catalog.int8, max_series pg_catalog.int4)
    RETURNS pg_catalog.bool
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF n_series > max_series THEN
        RAISE EXCEPTION 'metric "%" has % series, more than its cap of %', metric, n_series, max_series
            USING ERRCODE = '54000',
                  HINT = 'Raise anomaly.metrics.max_series or use fewer dimension columns.';
    END IF;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION anomaly.series_cap_check(pg_catalog.text, pg_catalog.int8, pg_catalog.int4) IS
'Helper of check_metric: SQLSTATE 54000 when a metric has more series than its cap.';

CREATE FUNCTION anomaly.series_duplicate_check(metric pg_catalog.text, series pg_catalog.jsonb,
                                               n_points pg_catalog.int8, n_times pg_catalog.int8)
    RETURNS pg_catalog.bool
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF n_points <> n_times THEN
        RAISE EXCEPTION 'metric "%": series % has % rows for % distinct times', metric, series, n_points, n_times
            USING ERRCODE = '22000',
                  HINT = 'A source must have one row per period and series: aggregate it in a view, or add the missing dimension columns.';
    END IF;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION anomaly.series_duplicate_check(pg_catalog.text, pg_catalog.jsonb, pg_catalog.int8, pg_catalog.int8) IS
'Helper of check_metric: SQLSTATE 22000 when a series has two rows for the same time.';

---------------------------------------------------------------------------
-- Shared with backtest and tune (60_backtest_tune.sql): the direction of a
-- hit, the rule's filters, reading a metric's series. hit_direction and
-- hit_passes have SQL-standard bodies, bound when created (no search_path
-- lookup at run time), and no SET clause, so that the planner inlines them.

CREATE FUNCTION anomaly.hit_direction(value pg_catalog.float8, expected pg_catalog.float8, score pg_catalog.float8)
    RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN value > expected THEN 'up' WHEN value < expected THEN 'down'
                WHEN score > 0 THEN 'up' ELSE 'down' END;

COMMENT ON FUNCTION anomaly.hit_direction(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
'Direction of a hit as run_checks records it: up when value > expected, down when below; by the sign of the score when there is no expected value.';

CREATE FUNCTION anomaly.hit_passes(rule_direction pg_catalog.text, min_abs_deviation pg_catalog.float8,
                                   min_pct_deviation pg_catalog.float8, direction pg_catalog.text,
                                   value pg_catalog.float8, expected pg_catalog.float8)
    RETURNS pg_catalog.bool
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (rule_direction = 'both' OR rule_direction = direction)
       AND (expected IS NULL
            OR (abs(value - expected) >= min_abs_deviation
                AND (expected = 0 OR 100 * abs(value - expected) / abs(expected) >= min_pct_deviation)));

COMMENT ON FUNCTION anomaly.hit_passes(pg_catalog.text, pg_catalog.float8, pg_catalog.float8, pg_catalog.text, pg_catalog.float8, pg_catalog.float8) IS
'Whether an anomalous point fires its rule, as run_checks decides: the rule''s direction (up/down/both) admits the hit''s direction, and |value - expected| reaches the rule''s minimum absolute and percent deviation (no minimum applies without an expected value).';

-- The points of every series of a metric with read_from <= ts and
-- ts + frequency <= as_of, as run_checks reads them.
-- The read of a metric's series, as SQL text: the one query run_checks and
-- the backtests execute (with the parameters below), so that both read the
-- same points the same way.
CREATE FUNCTION anomaly.metric_read_sql(m anomaly.metrics)
    RETURNS pg_catalog.text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src_type text;
    series_expr text;
    where_filter text;
    reset_filter text := '';
    fill text := 'g.ts, g.v';
    fill_join text := '';
BEGIN
    IF EXISTS (SELECT FROM anomaly.baseline_resets b WHERE b.metric_id = m.id) THEN
        reset_filter := ' AND s.ts >= coalesce((SELECT max(b.since) FROM anomaly.baseline_resets b'
                        ' WHERE b.metric_id = $5 AND b.series = s.series), ''-infinity'')';
    END IF;
    IF m.missing_data <> 'ignore' THEN
        fill := 'f.filled_times AS ts, f.filled_vals AS v';
        fill_join := ' CROSS JOIN LATERAL anomaly.fill_gaps(g.ts, g.v, $3, $7, $8) AS f';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO src_type
    FROM pg_attribute a WHERE a.attrelid = m.source AND a.attname = m.time_column;
    series_expr := CASE WHEN m.dimension_columns = '{}' THEN '''{}''::jsonb'
                        ELSE 'jsonb_build_object(' ||
                             (SELECT string_agg(format('%L, %I', d, d), ', ' ORDER BY o)
                              FROM unnest(m.dimension_columns) WITH ORDINALITY AS u(d, o)) || ')' END;
    SELECT coalesce(string_agg(format(' AND %I = %L', e.key, e.value), '' ORDER BY e.key), '')
      INTO where_filter FROM jsonb_each_text(m.filter) AS e;
    RETURN format($q$
SELECT g.series, %8$s
FROM (SELECT s.series, array_agg(s.ts ORDER BY s.ts) AS ts, array_agg(s.v ORDER BY s.ts) AS v,
             count(*) AS n, count(DISTINCT s.ts) AS n_ts, count(*) OVER () AS n_series
      FROM (SELECT %1$s AS series, (%2$I)::timestamptz AS ts, (%3$I)::float8 AS v
            FROM %4$s
            WHERE %2$I >= $1::%5$s AND %2$I <= $2::%5$s%6$s) AS s
      WHERE s.ts + $3 <= $4%7$s
      GROUP BY s.series) AS g%9$s
WHERE anomaly.series_duplicate_check($6, g.series, g.n, g.n_ts) AND anomaly.series_cap_check($6, g.n_series, $9)
ORDER BY g.series
$q$, series_expr, m.time_column, m.value_column, m.source::text, src_type, where_filter, reset_filter, fill,
       fill_join);
END;
$$;

COMMENT ON FUNCTION anomaly.metric_read_sql(anomaly.metrics) IS
'The query that reads the series of metric m from its source (filter, dimension columns, accepted new normals, duplicate check, series cap, missing-data policy), one row per series (series, ts[], v[]); parameters: $1 read_from, $2 as_of - frequency, $3 frequency, $4 as_of, $5 id, $6 name, $7 missing_data, $8 max_fill_gaps, $9 max_series. Shared by check_metric and metric_series.';

CREATE FUNCTION anomaly.metric_series(metric_id pg_catalog.int4, read_from pg_catalog.timestamptz,
                                      as_of pg_catalog.timestamptz)
    RETURNS TABLE(series pg_catalog.jsonb, ts pg_catalog.timestamptz[], v pg_catalog.float8[])
    LANGUAGE plpgsql STABLE
    COST 1000 ROWS 10
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
BEGIN
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.id = metric_series.metric_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no metric with id %', metric_id USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE anomaly.metric_read_sql(m)
    USING read_from, as_of - m.frequency, m.frequency, as_of, m.id, m.name, m.missing_data, m.max_fill_gaps,
          m.max_series;
END;
$$;

COMMENT ON FUNCTION anomaly.metric_series(pg_catalog.int4, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
'The points of each series of a metric with read_from <= ts and a complete period (ts + frequency <= as_of), read from its source with the caller''s rights exactly as run_checks reads them (anomaly.metric_read_sql): filter, dimension columns, accepted new normals, missing-data policy; one row per series with its times and values. A date or timestamp time column is read in the session''s TimeZone: callers (check_metric, rule_points) set the metric''s time_zone first.';

CREATE FUNCTION anomaly.build_incidents(metric pg_catalog.int4, rebuild_from pg_catalog.timestamptz,
                                        OUT opened pg_catalog.int4, OUT extended pg_catalog.int4,
                                        OUT suppressed pg_catalog.int4, OUT auto_resolved pg_catalog.int4)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
BEGIN
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.id = build_incidents.metric;
    WITH aff AS (
        -- Incidents a hit at or after `since` can join or change, per series.
        SELECT l.series, least(min(l.first_ts), rebuild_from) AS since
        FROM anomaly.anomaly_log l
        WHERE l.metric_id = m.id AND l.last_ts >= rebuild_from - m.auto_resolve_after * m.frequency
        GROUP BY l.series
    ), hits AS (
        SELECT h.*, CASE h.severity WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END AS sev
        FROM anomaly.rule_hits h LEFT JOIN aff ON aff.series = h.series
        WHERE h.metric_id = m.id AND h.ts >= coalesce(aff.since, rebuild_from)
    ), occ AS (
        -- The suppressing occurrences over the hits' time span, expanded once.
        SELECT o.name, o.during, o.dimension_filter
        FROM anomaly.event_occurrences((SELECT min(hits.ts) FROM hits), (SELECT max(hits.ts) FROM hits)) AS o
        WHERE o.suppress_alerts AND (o.affected_metrics = '{}' OR m.name = ANY (o.affected_metrics))
    ), pt AS (
        SELECT p.series, p.ts,
               (SELECT occ.name FROM occ
                 WHERE occ.during @> p.ts AND (occ.dimension_filter IS NULL OR p.series @> occ.dimension_filter)
                 ORDER BY lower(occ.during), occ.name LIMIT 1) AS ev
        FROM (SELECT DISTINCT hits.series, hits.ts FROM hits) AS p
    ), g1 AS (
        SELECT pt.*, lag(pt.ts) OVER w AS prev_ts, lag(pt.ev) OVER w AS prev_ev
        FROM pt WINDOW w AS (PARTITION BY pt.series ORDER BY pt.ts)
    ), g2 AS (
        -- A new incident starts after auto_resolve_after normal periods, or
        -- where a suppressing event starts or ends.
        SELECT g1.series, g1.ts, g1.ev,
               sum(CASE WHEN g1.prev_ts IS NULL OR g1.ts > g1.prev_ts + m.auto_resolve_after * m.frequency
                             OR g1.ev IS DISTINCT FROM g1.prev_ev THEN 1 ELSE 0 END)
                   OVER (PARTITION BY g1.series ORDER BY g1.ts) AS grp
        FROM g1
    ), gh AS (
        SELECT hits.*, g2.grp, g2.ev FROM hits JOIN g2 ON g2.series = hits.series AND g2.ts = hits.ts
    ), inc AS (
        SELECT gh.series, gh.grp, min(gh.ts) AS first_ts, max(gh.ts) AS last_ts, count(DISTINCT gh.ts)::int AS points,
               min(gh.ev) AS ev, array_agg(DISTINCT gh.rule_id ORDER BY gh.rule_id) AS rule_ids
        FROM gh GROUP BY gh.series, gh.grp
    ), peak AS (
        SELECT DISTINCT ON (gh.series, gh.grp) gh.*
        FROM gh ORDER BY gh.series, gh.grp, gh.sev DESC, abs(gh.score) DESC NULLS LAST, gh.ts, gh.rule_id
    ), rows AS (
        SELECT i.series, i.first_ts, i.last_ts, i.points, i.rule_ids, i.ev,
               (SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'layer', r.layer, 'method', r.method) ORDER BY r.id)
                  FROM anomaly.rules r WHERE r.id = ANY (i.rule_ids)) AS rules,
               CASE WHEN i.ev IS NOT NULL THEN 'suppressed'
                    WHEN s.last_ts >= i.last_ts + m.auto_resolve_after * m.frequency THEN 'auto_resolved'
                    ELSE 'triggered' END AS status,
               p.severity, p.value, p.expected, p.lower, p.upper, p.score,
               CASE WHEN p.expected IS NOT NULL THEN anomaly.pct_change(p.value, p.expected) END AS deviation_pct,
               p.direction, p.ts AS peak_ts, p.rule_id AS peak_rule_id, pr.name AS rule_name,
               pr.message_template, pr.playbook
        FROM inc i
        JOIN peak p ON p.series = i.series AND p.grp = i.grp
        JOIN anomaly.rules pr ON pr.id = p.rule_id
        LEFT JOIN anomaly.series_state s ON s.metric_id = m.id AND s.series = i.series
    ), rendered AS (
        SELECT rows.*,
               anomaly.render_message(
                   coalesce(rows.message_template,
                            '{metric}{series}: {value} on {peak_ts} is {deviation_pct}% {direction} vs expected {expected} (normal range {lower}..{upper}; rule {rule}, {severity})'),
                   jsonb_build_object(
                       'metric', m.name,
                       'series', CASE WHEN rows.series = '{}' THEN ''
                                      ELSE ' [' || (SELECT string_agg(e.key || '=' || e.value, ', ' ORDER BY e.key)
                                                    FROM jsonb_each_text(rows.series) AS e) || ']' END,
                       'rule', rows.rule_name, 'severity', rows.severity, 'direction', rows.direction,
                       'value', anomaly.format_number(rows.value), 'expected', anomaly.format_number(rows.expected),
                       'lower', anomaly.format_number(rows.lower), 'upper', anomaly.format_number(rows.upper),
                       'score', anomaly.format_number(rows.score),
                       'deviation_pct', anomaly.format_number(rows.deviation_pct),
                       'first_ts', anomaly.format_ts(rows.first_ts, m.frequency),
                       'last_ts', anomaly.format_ts(rows.last_ts, m.frequency),
                       'peak_ts', anomaly.format_ts(rows.peak_ts, m.frequency),
                       'points', rows.points)) AS message,
               CASE WHEN rows.playbook = '{}' THEN NULL
                    ELSE (SELECT string_agg(o || '. ' || step, E'\n' ORDER BY o)
                          FROM unnest(rows.playbook) WITH ORDINALITY AS u(step, o)) END AS playbook_text
        FROM rows
    ), up AS (
        INSERT INTO anomaly.anomaly_log AS l
               (metric_id, series, rule_ids, rules, first_ts, last_ts, points, status, severity, value, expected,
                lower, upper, score, deviation_pct, direction, peak_ts, peak_rule_id, event_name, message, playbook,
                resolution, resolved_at)
        SELECT m.id, r.series, r.rule_ids, r.rules, r.first_ts, r.last_ts, r.points, r.status, r.severity, r.value,
               r.expected, r.lower, r.upper, r.score, r.deviation_pct, r.direction, r.peak_ts, r.peak_rule_id, r.ev,
               r.message, r.playbook_text,
               CASE WHEN r.status = 'auto_resolved' THEN 'auto: ' || m.auto_resolve_after || ' normal periods' END,
               CASE WHEN r.status = 'auto_resolved' THEN r.last_ts + m.auto_resolve_after * m.frequency END
        FROM rendered r
        ON CONFLICT (metric_id, series, first_ts) DO UPDATE
           SET rule_ids = EXCLUDED.rule_ids, rules = EXCLUDED.rules, last_ts = EXCLUDED.last_ts,
               points = EXCLUDED.points, severity = EXCLUDED.severity, value = EXCLUDED.value,
               expected = EXCLUDED.expected, lower = EXCLUDED.lower, upper = EXCLUDED.upper, score = EXCLUDED.score,
               deviation_pct = EXCLUDED.deviation_pct, direction = EXCLUDED.direction, peak_ts = EXCLUDED.peak_ts,
               peak_rule_id = EXCLUDED.peak_rule_id, event_name = EXCLUDED.event_name, message = EXCLUDED.message,
               playbook = EXCLUDED.playbook,
               status = CASE WHEN l.status IN ('triggered', 'auto_resolved', 'suppressed') THEN EXCLUDED.status ELSE l.status END,
               resolution = CASE WHEN l.status IN ('triggered', 'auto_resolved', 'suppressed') THEN EXCLUDED.resolution ELSE l.resolution END,
               resolved_at = CASE WHEN l.status IN ('triggered', 'auto_resolved', 'suppressed') THEN EXCLUDED.resolved_at ELSE l.resolved_at END,
               updated_at = now()
           WHERE (l.rule_ids, l.rules, l.last_ts, l.points, l.severity, l.value, l.expected, l.lower, l.upper, l.score,
                  l.direction, l.peak_ts, l.peak_rule_id, l.event_name, l.message, l.playbook,
                  CASE WHEN l.status IN ('triggered', 'auto_resolved', 'suppressed') THEN EXCLUDED.status ELSE l.status END)
                 IS DISTINCT FROM
                 (EXCLUDED.rule_ids, EXCLUDED.rules, EXCLUDED.last_ts, EXCLUDED.points, EXCLUDED.severity,
                  EXCLUDED.value, EXCLUDED.expected, EXCLUDED.lower, EXCLUDED.upper, EXCLUDED.score,
                  EXCLUDED.direction, EXCLUDED.peak_ts, EXCLUDED.peak_rule_id, EXCLUDED.event_name,
                  EXCLUDED.message, EXCLUDED.playbook, l.status)
        RETURNING l.id, (l.xmax = 0) AS inserted, l.status, l.last_ts
    ), before AS (
        SELECT l.id, l.last_ts FROM anomaly.anomaly_log l JOIN aff ON aff.series = l.series
        WHERE l.metric_id = m.id AND l.first_ts >= aff.since
    ), stale AS (
        -- Incidents of the rebuilt range that no hit supports any more (late
        -- data corrected the points) go, unless a person already handled them.
        DELETE FROM anomaly.anomaly_log l USING aff
        WHERE l.metric_id = m.id AND l.series = aff.series AND l.first_ts >= aff.since
          AND l.status IN ('triggered', 'auto_resolved', 'suppressed') AND l.label IS NULL
          AND NOT EXISTS (SELECT FROM inc WHERE inc.series = l.series AND inc.first_ts = l.first_ts)
        RETURNING 1
    )
    SELECT count(*) FILTER (WHERE up.inserted AND up.status <> 'suppressed'),
           count(*) FILTER (WHERE NOT up.inserted AND up.last_ts > b.last_ts),
           count(*) FILTER (WHERE up.inserted AND up.status = 'suppressed'),
           count(*) FILTER (WHERE up.status = 'auto_resolved')
      INTO opened, extended, suppressed, auto_resolved
      FROM up LEFT JOIN before b ON b.id = up.id;
END;
$$;

COMMENT ON FUNCTION anomaly.build_incidents(pg_catalog.int4, pg_catalog.timestamptz) IS
'Helper of check_metric: derives the incidents of a metric from its stored rule hits at or after `rebuild_from` (extended back to the start of any incident they can join), in time order: hits of a series closer than auto_resolve_after periods form one incident, split where a suppressing known event starts or ends; upserts them keyed (metric, series, first_ts) and removes machine-only incidents no hit supports any more. Returns counts.';

CREATE FUNCTION anomaly.format_ts(ts pg_catalog.timestamptz, frequency pg_catalog.interval)
    RETURNS pg_catalog.text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN frequency >= '1 day'::interval AND ts = date_trunc('day', ts) THEN to_char(ts, 'YYYY-MM-DD')
                ELSE to_char(ts, 'YYYY-MM-DD HH24:MI') END;

COMMENT ON FUNCTION anomaly.format_ts(pg_catalog.timestamptz, pg_catalog.interval) IS
'A point time as alert messages show it (session time zone): the date for daily or longer periods starting at midnight, else date and minute.';

-- What an evaluator said at one anomalous point, tagged with rule and series.
CREATE TYPE anomaly.rule_hit_candidate AS (
    rule_id   pg_catalog.int4,
    series    pg_catalog.jsonb,
    ts        pg_catalog.timestamptz,
    value     pg_catalog.float8,
    expected  pg_catalog.float8,
    lower     pg_catalog.float8,
    upper     pg_catalog.float8,
    score     pg_catalog.float8
);

COMMENT ON TYPE anomaly.rule_hit_candidate IS
'A point an evaluator marked anomalous, before direction and minimum-deviation filters (internal to check_metric).';

CREATE FUNCTION anomaly.check_metric(metric pg_catalog.text,
                                     as_of pg_catalog.timestamptz DEFAULT pg_catalog.now(),
                                     OUT points_scored pg_catalog.int8,
                                     OUT alerts_opened pg_catalog.int4,
                                     OUT alerts_extended pg_catalog.int4,
                                     OUT suppressed pg_catalog.int4,
                                     OUT auto_resolved pg_catalog.int4)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
    watermark timestamptz;
    hist interval;
    score_from timestamptz;
    read_from timestamptz;
    hi timestamptz;
    rule_ids int[];
    reeval_ids int[];
    params jsonb;
    calls text;
    eval_q text;
    s record;
    t timestamptz[];
    v float8[];
    found_hits anomaly.rule_hit_candidate[] := '{}';
    part anomaly.rule_hit_candidate[];
    ser jsonb[] := '{}';
    ser_first timestamptz[] := '{}';
    ser_last timestamptz[] := '{}';
    ser_value float8[] := '{}';
    newest timestamptz;
    changed int;
    n int;
    caller_zone text;
BEGIN
    IF metric IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'check_metric: metric and as_of must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.name = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no metric named "%"', metric USING ERRCODE = '22023';
    END IF;
    -- Concurrent checks of one metric run one after the other; the state is
    -- read after the lock, so the second sees what the first committed.
    PERFORM pg_advisory_xact_lock(1634627437, m.id);
    SELECT x.watermark INTO watermark FROM anomaly.metric_state AS x WHERE x.metric_id = m.id;

    points_scored := 0; alerts_opened := 0; alerts_extended := 0; suppressed := 0; auto_resolved := 0;
    -- A point counts once its period has ended (ts + frequency <= as_of).
    hi := as_of - m.frequency;
    score_from := coalesce(watermark - m.recheck_periods * m.frequency, '-infinity');

    SELECT array_agg(x.id ORDER BY x.id),
           array_agg(x.id ORDER BY x.id) FILTER (WHERE NOT x.arrival_based),
           jsonb_agg(x.params || anomaly.runtime_params(m.frequency, m.good_direction, as_of, score_from, m.name) ORDER BY x.id),
           string_agg(format('SELECT %s AS rule_id, x.* FROM %s($1, $2, $3 -> %s) AS x', x.id, x.fn, x.k),
                      ' UNION ALL ' ORDER BY x.id),
           coalesce(max(x.history), '0')
      INTO rule_ids, reeval_ids, params, calls, hist
      FROM (SELECT r.id, r.params, r.history, rm.arrival_based, rm.evaluator::oid::regproc AS fn,
                   row_number() OVER (ORDER BY r.id) - 1 AS k
              FROM anomaly.rules r JOIN anomaly.rule_methods rm ON rm.method = r.method
             WHERE r.metric_id = m.id AND r.enabled) AS x;
    IF rule_ids IS NULL OR hi < score_from THEN
        RETURN;
    END IF;
    -- History before the scoring window: twice what the rules need, a margin
    -- for missing periods.
    read_from := score_from - 2 * hist;
    -- Dates, weekdays and event dates in the metric's time zone, whoever
    -- checks (a pg_cron job runs in the server's zone); the caller's zone is
    -- restored below (an error rolls the setting back with the transaction).
    caller_zone := pg_catalog.current_setting('TimeZone');
    IF caller_zone <> m.time_zone THEN
        PERFORM pg_catalog.set_config('TimeZone', m.time_zone, true);
    END IF;

    -- 1. Read: one index-friendly range query on the source, with the
    --    caller's rights, one row per series (anomaly.metric_read_sql, which
    --    backtests use too: duplicates, cap, accepted new normals and the
    --    missing-data policy applied; dates in the metric's time zone).
    -- 2. Evaluate: every enabled rule on a series, in one statement.
    eval_q := 'SELECT array_agg(ROW(e.rule_id, $5, e.ts, e.value, e.expected, e.lower, e.upper, e.score)::anomaly.rule_hit_candidate)'
              ' FROM (' || calls || ') AS e WHERE e.is_anomaly AND e.ts >= $4';

    FOR s IN EXECUTE anomaly.metric_read_sql(m)
             USING read_from, hi, m.frequency, as_of, m.id, m.name, m.missing_data, m.max_fill_gaps, m.max_series LOOP
        t := s.ts; v := s.v;
        EXECUTE eval_q INTO part USING t, v, params, score_from, s.series;
        found_hits := found_hits || coalesce(part, '{}');
        SELECT count(*) INTO n FROM unnest(t) AS x WHERE x >= score_from;
        points_scored := points_scored + n;
        ser := ser || s.series;
        ser_first := ser_first || t[1];
        ser_last := ser_last || t[cardinality(t)];
        ser_value := ser_value || v[cardinality(v)];
        newest := greatest(newest, t[cardinality(t)]);
    END LOOP;

    -- 3. Store the hits that pass direction and minimum deviation, keyed
    --    (rule, series, ts); hits of re-checked points that no longer fire go.
    WITH fired AS (
        SELECT c.rule_id, c.series, c.ts, c.value, c.expected, c.lower, c.upper, c.score, d.dir,
               CASE WHEN d.dir = m.good_direction THEN 'info' ELSE r.severity END AS severity
        FROM unnest(found_hits) AS c
        JOIN anomaly.rules r ON r.id = c.rule_id
        CROSS JOIN LATERAL (SELECT anomaly.hit_direction(c.value, c.expected, c.score) AS dir) AS d
        WHERE anomaly.hit_passes(r.direction, r.min_abs_deviation, r.min_pct_deviation, d.dir, c.value, c.expected)
    ), del AS (
        DELETE FROM anomaly.rule_hits h
        WHERE h.metric_id = m.id AND h.ts >= score_from AND h.ts <= hi AND h.rule_id = ANY (reeval_ids)
          AND NOT EXISTS (SELECT FROM fired f WHERE f.rule_id = h.rule_id AND f.series = h.series AND f.ts = h.ts)
        RETURNING 1
    ), ins AS (
        INSERT INTO anomaly.rule_hits AS h (metric_id, rule_id, series, ts, value, expected, lower, upper, score, severity, direction)
        SELECT m.id, f.rule_id, f.series, f.ts, f.value, f.expected, f.lower, f.upper, f.score, f.severity, f.dir FROM fired f
        ON CONFLICT (rule_id, series, ts) DO UPDATE
           SET value = EXCLUDED.value, expected = EXCLUDED.expected, lower = EXCLUDED.lower, upper = EXCLUDED.upper,
               score = EXCLUDED.score, severity = EXCLUDED.severity, direction = EXCLUDED.direction
           WHERE (h.value, h.expected, h.lower, h.upper, h.score, h.severity, h.direction)
                 IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.expected, EXCLUDED.lower, EXCLUDED.upper, EXCLUDED.score,
                                   EXCLUDED.severity, EXCLUDED.direction)
        RETURNING 1
    ), ss AS (
        INSERT INTO anomaly.series_state AS x (metric_id, series, first_ts, last_ts, last_value)
        SELECT m.id, u.series, u.first_ts, u.last_ts, u.last_value
        FROM unnest(ser, ser_first, ser_last, ser_value) AS u(series, first_ts, last_ts, last_value)
        ON CONFLICT (metric_id, series) DO UPDATE
           SET first_ts = least(x.first_ts, EXCLUDED.first_ts),
               last_ts = greatest(x.last_ts, EXCLUDED.last_ts),
               last_value = CASE WHEN EXCLUDED.last_ts >= x.last_ts THEN EXCLUDED.last_value ELSE x.last_value END
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM del) + (SELECT count(*) FROM ins), (SELECT count(*) FROM ss)
      INTO changed, n;

    -- 4. Incidents: rebuilt from the stored hits when any changed.
    IF changed > 0 THEN
        SELECT o.opened, o.extended, o.suppressed, o.auto_resolved
          INTO alerts_opened, alerts_extended, suppressed, auto_resolved
          FROM anomaly.build_incidents(m.id, score_from) AS o;
    END IF;

    UPDATE anomaly.anomaly_log AS l
       SET status = 'auto_resolved', resolved_at = l.last_ts + m.auto_resolve_after * m.frequency,
           resolution = 'auto: ' || m.auto_resolve_after || ' normal periods', updated_at = now()
      FROM anomaly.series_state x
     WHERE l.metric_id = m.id AND l.status IN ('triggered', 'investigating', 'escalated')
       AND x.metric_id = m.id AND x.series = l.series
       AND x.last_ts >= l.last_ts + m.auto_resolve_after * m.frequency;
    GET DIAGNOSTICS n = ROW_COUNT;
    auto_resolved := auto_resolved + n;

    INSERT INTO anomaly.metric_state AS x (metric_id, watermark, last_as_of, last_run_at, last_error, last_error_at)
    VALUES (m.id, newest, as_of, clock_timestamp(), NULL, NULL)
    ON CONFLICT (metric_id) DO UPDATE
       SET watermark = greatest(x.watermark, EXCLUDED.watermark), last_as_of = EXCLUDED.last_as_of,
           last_run_at = EXCLUDED.last_run_at, last_error = NULL, last_error_at = NULL;
    IF caller_zone <> m.time_zone THEN
        PERFORM pg_catalog.set_config('TimeZone', caller_zone, true);
    END IF;
END;
$$;

COMMENT ON FUNCTION anomaly.check_metric(pg_catalog.text, pg_catalog.timestamptz) IS
'Checks one metric as of `as_of` (its unit of work, called by run_checks, one transaction): scores the points after its watermark minus recheck_periods whose period has ended (ts + frequency <= as_of) with every enabled rule, stores the hits and rebuilds the incidents they touch. Takes pg_advisory_xact_lock(1634627437, metric_id). Reads the source with the caller''s rights. Returns points scored, alerts opened, extended, suppressed and auto-resolved.';

-- The summary parameters are INOUT with defaults so that a plain
-- CALL anomaly.run_checks(); works (PostgreSQL 15 requires an argument for
-- every pure OUT parameter of a procedure); their input values are ignored.
CREATE PROCEDURE anomaly.run_checks(as_of pg_catalog.timestamptz DEFAULT NULL,
                                    metrics pg_catalog.text[] DEFAULT NULL,
                                    INOUT metrics_checked pg_catalog.int4 DEFAULT NULL,
                                    INOUT points_scored pg_catalog.int8 DEFAULT NULL,
                                    INOUT alerts_opened pg_catalog.int4 DEFAULT NULL,
                                    INOUT alerts_extended pg_catalog.int4 DEFAULT NULL,
                                    INOUT suppressed pg_catalog.int4 DEFAULT NULL,
                                    INOUT auto_resolved pg_catalog.int4 DEFAULT NULL,
                                    INOUT metrics_failed pg_catalog.int4 DEFAULT NULL,
                                    INOUT duration pg_catalog.interval DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
-- No SET clause: a procedure with one cannot COMMIT. Every name below is
-- schema-qualified; check_metric itself runs with a fixed search_path.
DECLARE
    started timestamptz := pg_catalog.clock_timestamp();
    checked_as_of timestamptz := COALESCE(as_of, pg_catalog.now());
    ids int[];
    names text[];
    i int;
    r record;
    msg text;
    state text;
BEGIN
    metrics_checked := 0; points_scored := 0; alerts_opened := 0; alerts_extended := 0;
    suppressed := 0; auto_resolved := 0; metrics_failed := 0;
    SELECT pg_catalog.array_agg(x.id ORDER BY x.id), pg_catalog.array_agg(x.name ORDER BY x.id)
      INTO ids, names
      FROM anomaly.metrics AS x
     WHERE x.enabled AND (run_checks.metrics IS NULL OR x.name OPERATOR(pg_catalog.=) ANY (run_checks.metrics));
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(ids), 0) LOOP
        -- Results are recomputed from the source by the next run if a crash
        -- loses the last commits: no need to wait for the WAL flush.
        PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
        BEGIN
            SELECT * INTO r FROM anomaly.check_metric(names[i], checked_as_of);
            metrics_checked := metrics_checked + 1;
            points_scored := points_scored + r.points_scored;
            alerts_opened := alerts_opened + r.alerts_opened;
            alerts_extended := alerts_extended + r.alerts_extended;
            suppressed := suppressed + r.suppressed;
            auto_resolved := auto_resolved + r.auto_resolved;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
            metrics_failed := metrics_failed + 1;
            RAISE WARNING 'run_checks: metric "%" failed: % (SQLSTATE %)', names[i], msg, state;
            INSERT INTO anomaly.metric_state AS x (metric_id, last_error, last_error_at)
            VALUES (ids[i], msg || ' (SQLSTATE ' || state || ')', pg_catalog.clock_timestamp())
            ON CONFLICT (metric_id) DO UPDATE SET last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at;
        END;
        COMMIT;
    END LOOP;
    duration := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started;
END;
$$;

COMMENT ON PROCEDURE anomaly.run_checks(pg_catalog.timestamptz, pg_catalog.text[], pg_catalog.int4, pg_catalog.int8, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.interval) IS
'CALL anomaly.run_checks(); checks every enabled metric (or those named in `metrics`) as of `as_of` (default now()) with anomaly.check_metric, committing after each metric; a failing metric is reported as a WARNING and in metric_state.last_error and the run goes on. Returns metrics_checked, points_scored, alerts_opened, alerts_extended, suppressed, auto_resolved, metrics_failed, duration. Cannot run inside a transaction block.';
