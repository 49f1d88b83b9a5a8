---------------------------------------------------------------------------
-- Root cause, part 2: anomaly.root_cause(alert_id).
--
-- Every analysis compares what a metric did with what a causal baseline
-- expected: the robust baseline of a series is the median (and 1.4826 * MAD
-- as its scale) of its last 28 periods before the analysed window, or the
-- median of the same weekday (hour of day) for daily (hourly) metrics with a
-- clear weekly (daily) cycle, so nothing inside the window (the anomaly
-- itself) moves it.
--   related_metric  residuals (value - baseline) of the alerted series over
--                   the window [first_ts - 14 periods, last_ts] against those
--                   of each candidate metric shifted by lag k = -3..3 periods
--                   (k > 0: the candidate leads); best |correlation|, when
--                   the candidate left its normal range (|z| >= 3) and the
--                   direction of its move;
--   dimension       each slice (value of one dimension column) of the
--                   alerted metric: its share of the metric's deviation over
--                   [first_ts, last_ts] (Adtributor's explanatory power) and
--                   its surprise (Jensen-Shannon divergence of its expected
--                   and actual share of the total);
--   formula_term    each term of the metric's formula: its share of the
--                   change over [first_ts, last_ts] (absolute change for
--                   sums, log change for products).
-- Reads sources with the caller's rights; metrics whose source the caller
-- cannot read, or whose frequency differs from the alerted metric's, are
-- left out.
---------------------------------------------------------------------------

-- "1 day", "3 days", "2 hours", "1 week", "4 periods": a number of periods in words.
CREATE FUNCTION anomaly.format_periods(n pg_catalog.int4, frequency pg_catalog.interval)
    RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN n || ' ' || CASE frequency WHEN '1 minute' THEN 'minute' WHEN '1 hour' THEN 'hour'
                                       WHEN '1 day' THEN 'day' WHEN '7 days' THEN 'week'
                                       WHEN '1 mon' THEN 'month' ELSE 'period' END
                || CASE WHEN abs(n) = 1 THEN '' ELSE 's' END;

COMMENT ON FUNCTION anomaly.format_periods(pg_catalog.int4, pg_catalog.interval) IS
'n periods of length frequency in words, as root-cause evidence shows them: 1 day, 3 days, 2 hours, 1 week, 4 periods.';

-- Numbers in evidence: 4 significant digits below 100 (a conversion rate of
-- 0.021 stays 0.021), else as alert messages show them.
CREATE FUNCTION anomaly.format_evidence_number(x pg_catalog.float8)
    RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN x IS NULL OR x = 0 OR NOT (x > '-Infinity' AND x < 'Infinity') OR abs(x) >= 100
                THEN anomaly.format_number(x)
                ELSE rtrim(rtrim(round(x::numeric, 3 - floor(log(abs(x)::numeric))::int)::text, '0'), '.') END;

COMMENT ON FUNCTION anomaly.format_evidence_number(pg_catalog.float8) IS
'A number as root-cause evidence shows it: 4 significant digits when |x| < 100 (0.021, 49.7, 1.234), else anomaly.format_number (2 decimals).';

CREATE FUNCTION anomaly.root_cause_points(metric_id pg_catalog.int4, series_filter pg_catalog.jsonb,
                                          per_series pg_catalog.bool, window_from pg_catalog.timestamptz,
                                          window_to pg_catalog.timestamptz,
                                          baseline_periods pg_catalog.int4 DEFAULT 28)
    RETURNS TABLE(series pg_catalog.jsonb, ts pg_catalog.timestamptz, value pg_catalog.float8,
                  expected pg_catalog.float8, residual pg_catalog.float8, z pg_catalog.float8)
    LANGUAGE plpgsql
    COST 1000 ROWS 50
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
    caller_zone text := current_setting('TimeZone');
    season int;
    periods int;
BEGIN
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.id = root_cause_points.metric_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no metric with id %', metric_id USING ERRCODE = '22023';
    END IF;
    IF baseline_periods < 3 THEN
        RAISE EXCEPTION 'baseline_periods must be at least 3, not %', baseline_periods USING ERRCODE = '22023';
    END IF;
    -- Weekly cycle of daily metrics, daily cycle of hourly ones; the
    -- baseline then covers at least 4 cycles.
    season := CASE m.frequency WHEN '1 day' THEN 7 WHEN '1 hour' THEN 24 ELSE 0 END;
    periods := greatest(baseline_periods, 4 * season);
    IF caller_zone <> m.time_zone THEN
        PERFORM set_config('TimeZone', m.time_zone, true);
    END IF;
    RETURN QUERY
    WITH raw AS (
        SELECT CASE WHEN per_series THEN s.series ELSE series_filter END AS ser, u.t, sum(u.v) AS v,
               CASE WHEN season > 0
                    THEN floor(extract(epoch FROM u.t) / extract(epoch FROM m.frequency))::int8 % season END AS ph
        FROM anomaly.metric_series(m.id, window_from - periods * m.frequency, window_to + m.frequency) AS s
        CROSS JOIN LATERAL unnest(s.ts, s.v) AS u(t, v)
        WHERE s.series @> series_filter AND u.t <= window_to AND u.v > '-Infinity' AND u.v < 'Infinity'
        GROUP BY 1, 2
    ), base AS (
        SELECT raw.ser, percentile_cont(0.5) WITHIN GROUP (ORDER BY raw.v) AS center
        FROM raw WHERE raw.t < window_from GROUP BY raw.ser HAVING count(*) >= 3
    ), phase AS (
        SELECT raw.ser, raw.ph, percentile_cont(0.5) WITHIN GROUP (ORDER BY raw.v) AS center, count(*) AS n
        FROM raw WHERE raw.t < window_from AND raw.ph IS NOT NULL GROUP BY raw.ser, raw.ph
    ), spread AS (
        -- The seasonal baseline (median per phase of the cycle) is used when
        -- every phase has 2 points and it cuts the mean absolute deviation by 30 % or more.
        SELECT base.ser, base.center,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(raw.v - base.center)) AS mad,
               avg(abs(raw.v - base.center)) AS meanad,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(raw.v - ph.center)) AS smad,
               avg(abs(raw.v - ph.center)) AS smeanad,
               count(DISTINCT raw.ph) = season AND min(ph.n) >= 2 AS full_cycle
        FROM base
        JOIN raw ON raw.ser = base.ser AND raw.t < window_from
        LEFT JOIN phase ph ON ph.ser = raw.ser AND ph.ph = raw.ph
        GROUP BY base.ser, base.center
    ), chosen AS (
        SELECT sp.ser, sp.center,
               coalesce(sp.full_cycle AND sp.smeanad < 0.7 * sp.meanad, false) AS seasonal,
               CASE WHEN coalesce(sp.full_cycle AND sp.smeanad < 0.7 * sp.meanad, false)
                    THEN coalesce(nullif(1.482602218505602 * sp.smad, 0), 1.2533141373155 * sp.smeanad)
                    ELSE coalesce(nullif(1.482602218505602 * sp.mad, 0), 1.2533141373155 * sp.meanad) END AS scale
        FROM spread sp
    ), pts AS (
        SELECT raw.ser, raw.t, raw.v,
               CASE WHEN c.seasonal THEN ph.center ELSE c.center END AS e, c.scale
        FROM raw
        LEFT JOIN chosen c ON c.ser = raw.ser
        LEFT JOIN phase ph ON ph.ser = raw.ser AND ph.ph = raw.ph
        WHERE raw.t >= window_from
    )
    SELECT pts.ser, pts.t, pts.v, pts.e, pts.v - pts.e,
           CASE WHEN pts.scale > 0 THEN (pts.v - pts.e) / pts.scale
                WHEN pts.v = pts.e THEN 0
                WHEN pts.v > pts.e THEN 'Infinity'::float8 ELSE '-Infinity'::float8 END
    FROM pts
    ORDER BY pts.ser, pts.t;
    IF caller_zone <> m.time_zone THEN
        PERFORM set_config('TimeZone', caller_zone, true);
    END IF;
END;
$$;

COMMENT ON FUNCTION anomaly.root_cause_points(pg_catalog.int4, pg_catalog.jsonb, pg_catalog.bool, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4) IS
'The points of a metric in [window_from, window_to] against a causal robust baseline made of the periods before window_from only: the series containing series_filter ({} = all), summed into one (per_series false) or one by one. expected = median of the last baseline_periods periods (NULL with fewer than 3), or, for daily (hourly) metrics with a weekly (daily) cycle, the median of the same weekday (hour) over the last max(baseline_periods, 4 cycles) when every phase has 2 points and that cuts the mean absolute deviation by 30 % or more; residual = value - expected; z = residual / (1.4826 * MAD of the baseline''s residuals) (1.2533 * their mean absolute deviation when MAD = 0). Read like run_checks reads (anomaly.metric_series, in the metric''s time zone, with the caller''s rights).';

-- The slice of an alert's series a metric with dimension columns can read:
-- the alert's keys that are dimension columns of that metric ({} if none).
CREATE FUNCTION anomaly.root_cause_series_filter(alert_series pg_catalog.jsonb, dimension_columns pg_catalog.name[])
    RETURNS pg_catalog.jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(alert_series) AS e
                     WHERE e.key = ANY (dimension_columns::text[])), '{}');

COMMENT ON FUNCTION anomaly.root_cause_series_filter(pg_catalog.jsonb, pg_catalog.name[]) IS
'The part of an alert''s series (dimension values) that applies to another metric: the keys that are among its dimension columns; {} (its total) when none is.';

-- (1) Related metrics.
CREATE FUNCTION anomaly.root_cause_related(a anomaly.anomaly_log, max_lag pg_catalog.int4 DEFAULT 3,
                                           window_periods pg_catalog.int4 DEFAULT 14,
                                           baseline_periods pg_catalog.int4 DEFAULT 28)
    RETURNS TABLE(kind pg_catalog.text, metric pg_catalog.text, series pg_catalog.jsonb, score pg_catalog.float8,
                  evidence pg_catalog.text)
    LANGUAGE plpgsql
    COST 10000 ROWS 5
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
    wf timestamptz;
    at timestamptz[];
    ar float8[];
    c record;
    bt timestamptz[];
    br float8[];
    bz float8[];
    bv float8[];
    be float8[];
    best record;
    onset timestamptz;
    lead_periods int;
    pct float8;
    w float8;
    txt text;
BEGIN
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.id = a.metric_id;
    wf := a.first_ts - window_periods * m.frequency;
    SELECT array_agg(p.ts ORDER BY p.ts), array_agg(p.residual ORDER BY p.ts) INTO at, ar
    FROM anomaly.root_cause_points(m.id, a.series, false, wf, a.last_ts, baseline_periods) AS p
    WHERE p.residual IS NOT NULL;
    IF at IS NULL THEN
        RETURN;
    END IF;
    FOR c IN
        WITH terms AS (
            SELECT t.metric FROM anomaly.formula_terms(m.formula) AS t
        ), declared AS (
            SELECT r.id, true AS declared,
                   anomaly.root_cause_series_filter(a.series, r.dimension_columns) AS filter
            FROM anomaly.metrics r
            WHERE r.id <> m.id AND (r.name = ANY (m.related_metrics) OR m.name = ANY (r.related_metrics))
        ), coincident AS (
            -- Undeclared: the five metrics whose own alerts lie closest in time.
            SELECT o.metric_id AS id, false AS declared, o.series AS filter
            FROM (SELECT DISTINCT ON (l.metric_id) l.metric_id, l.series, l.first_ts
                  FROM anomaly.anomaly_log l
                  WHERE l.metric_id <> m.id AND l.status <> 'suppressed'
                    AND l.first_ts <= a.last_ts + max_lag * m.frequency
                    AND l.last_ts >= a.first_ts - max_lag * m.frequency
                    AND l.metric_id NOT IN (SELECT declared.id FROM declared)
                  ORDER BY l.metric_id, abs(extract(epoch FROM l.first_ts - a.first_ts)), l.series::text) AS o
            ORDER BY abs(extract(epoch FROM o.first_ts - a.first_ts)), o.metric_id
            LIMIT 5
        )
        SELECT r.id, r.name, k.declared, k.filter
        FROM (SELECT * FROM declared UNION ALL SELECT * FROM coincident) AS k
        JOIN anomaly.metrics r ON r.id = k.id
        WHERE r.frequency = m.frequency AND has_table_privilege(r.source, 'SELECT')
          AND r.name NOT IN (SELECT terms.metric FROM terms)
          -- A metric computed from this one is its effect, not its cause.
          AND NOT EXISTS (SELECT FROM anomaly.formula_terms(r.formula) AS t WHERE t.metric = m.name)
        ORDER BY r.name
    LOOP
        -- A candidate that cannot be read (too many series, source gone)
        -- is reported, not fatal.
        BEGIN
            SELECT array_agg(p.ts ORDER BY p.ts), array_agg(p.residual ORDER BY p.ts), array_agg(p.z ORDER BY p.ts),
                   array_agg(p.value ORDER BY p.ts), array_agg(p.expected ORDER BY p.ts)
              INTO bt, br, bz, bv, be
            FROM anomaly.root_cause_points(c.id, c.filter, false, wf - max_lag * m.frequency, a.last_ts, baseline_periods) AS p
            WHERE p.residual IS NOT NULL;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS txt = MESSAGE_TEXT;
            kind := 'related_metric'; metric := c.name; series := c.filter; score := 0;
            evidence := c.name || ' could not be read: ' || txt;
            RETURN NEXT;
            CONTINUE;
        END;
        best := NULL;
        IF bt IS NOT NULL THEN
            SELECT l.k, l.r INTO best
            FROM (SELECT k.k, corr(x.r, y.r) AS r, count(*) AS n
                  FROM generate_series(-max_lag, max_lag) AS k(k)
                  CROSS JOIN unnest(at, ar) AS x(t, r)
                  JOIN unnest(bt, br) AS y(t, r) ON y.t = x.t - k.k * m.frequency
                  GROUP BY k.k) AS l
            WHERE l.n >= 5 AND l.r IS NOT NULL
            ORDER BY abs(l.r) DESC, abs(l.k), l.k DESC
            LIMIT 1;
        END IF;
        IF best IS NULL THEN
            IF c.declared THEN
                kind := 'related_metric'; metric := c.name; series := c.filter; score := 0;
                evidence := format('%s has too few points around %s to compare', c.name,
                                   anomaly.format_ts(a.first_ts, m.frequency));
                RETURN NEXT;
            END IF;
            CONTINUE;
        END IF;
        -- When the candidate left its normal range, and how far it moved over
        -- the alert's period shifted by the lag.
        SELECT min(u.t) INTO onset FROM unnest(bt, bz) AS u(t, z)
        WHERE u.t >= a.first_ts - max_lag * m.frequency AND abs(u.z) >= 3;
        SELECT anomaly.pct_change(avg(u.v), avg(u.e)) INTO pct FROM unnest(bt, bv, be) AS u(t, v, e)
        WHERE u.t >= a.first_ts - best.k * m.frequency AND u.t <= a.last_ts - best.k * m.frequency;
        lead_periods := round(extract(epoch FROM a.first_ts - onset) / extract(epoch FROM m.frequency));
        w := CASE WHEN onset IS NULL THEN 0.5 WHEN lead_periods >= 0 THEN 1 ELSE 0.6 END
             * CASE WHEN c.declared THEN 1 ELSE 0.8 END;
        txt := c.name || ' '
               || CASE WHEN pct IS NULL THEN 'moved'
                       WHEN pct < 0 THEN 'fell ' || round(-pct) || '%'
                       ELSE 'rose ' || round(pct) || '%' END
               || CASE WHEN onset IS NULL THEN ' but stayed within its normal range'
                       WHEN lead_periods > 0 THEN ' starting ' || anomaly.format_periods(lead_periods, m.frequency)
                                                   || ' before ' || m.name
                       WHEN lead_periods = 0 THEN ' starting at the same time as ' || m.name
                       ELSE ' starting ' || anomaly.format_periods(-lead_periods, m.frequency) || ' after ' || m.name END
               || '; correlation of residuals ' || round(best.r::numeric, 2) || ' at lag ' || best.k
               || CASE WHEN best.k > 0 THEN ' (' || c.name || ' leads)'
                       WHEN best.k < 0 THEN ' (' || c.name || ' follows)' ELSE '' END
               || CASE WHEN best.r < 0 THEN '; it moves opposite to ' || m.name ELSE '' END
               || CASE WHEN c.declared THEN '' ELSE '; not declared related, its own alert overlaps in time' END;
        kind := 'related_metric'; metric := c.name; series := c.filter; score := abs(best.r) * w; evidence := txt;
        RETURN NEXT;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION anomaly.root_cause_related(anomaly.anomaly_log, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS
'Helper of anomaly.root_cause: the related metrics of alert a (declared either way in related_metrics, and up to 5 other metrics whose alerts overlap in time; the terms of its formula and the metrics whose formula uses it are left out), scored |r| * timing * relation: r = best correlation of residuals against the robust baseline (anomaly.root_cause_points) over [first_ts - window_periods, last_ts] at lags -max_lag..max_lag (candidate leading for lag > 0); timing 1 if the candidate left its normal range (|z| >= 3) before or with the alert, 0.6 if after, 0.5 if never; relation 1 declared, 0.8 coincident only.';

-- (2) Dimension slices (Adtributor-style contribution analysis).
CREATE FUNCTION anomaly.root_cause_dimensions(a anomaly.anomaly_log, baseline_periods pg_catalog.int4 DEFAULT 28,
                                              per_dimension pg_catalog.int4 DEFAULT 5)
    RETURNS TABLE(kind pg_catalog.text, metric pg_catalog.text, series pg_catalog.jsonb, score pg_catalog.float8,
                  evidence pg_catalog.text)
    LANGUAGE plpgsql
    COST 5000 ROWS 5
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
BEGIN
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.id = a.metric_id;
    IF m.dimension_columns = '{}' THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH per_series AS (
        -- A series without baseline (new) is expected at 0.
        SELECT p.series AS ser, sum(p.value) AS actual, sum(coalesce(p.expected, 0)) AS expected
        FROM anomaly.root_cause_points(m.id, '{}', true, a.first_ts, a.last_ts, baseline_periods) AS p
        GROUP BY p.series
    ), total AS (
        SELECT sum(ps.actual) AS actual, sum(ps.expected) AS expected FROM per_series ps
    ), slices AS (
        SELECT d.col, ps.ser ->> d.col AS val, sum(ps.actual) AS actual, sum(ps.expected) AS expected
        FROM per_series ps CROSS JOIN unnest(m.dimension_columns::text[]) AS d(col)
        WHERE ps.ser ? d.col
        GROUP BY d.col, ps.ser ->> d.col
    ), scored AS (
        SELECT s.*, (s.actual - s.expected) / (t.actual - t.expected) AS ep,
               t.actual - t.expected AS total_delta,
               CASE WHEN t.expected > 0 AND t.actual > 0 AND s.expected >= 0 AND s.actual >= 0 THEN
                   0.5 * (CASE WHEN s.expected > 0 THEN (s.expected / t.expected)
                                    * ln(2 * (s.expected / t.expected) / (s.expected / t.expected + s.actual / t.actual)) ELSE 0 END
                        + CASE WHEN s.actual > 0 THEN (s.actual / t.actual)
                                    * ln(2 * (s.actual / t.actual) / (s.expected / t.expected + s.actual / t.actual)) ELSE 0 END)
               END AS surprise
        FROM slices s CROSS JOIN total t
        WHERE t.actual <> t.expected
    ), ranked AS (
        SELECT sc.*, row_number() OVER (PARTITION BY sc.col ORDER BY sc.ep DESC, sc.surprise DESC NULLS LAST, sc.val) AS k
        FROM scored sc WHERE sc.ep >= 0.05
    )
    SELECT 'dimension'::text, m.name, jsonb_build_object(r.col, r.val), least(r.ep, 1),
           format('%s=%s: %s vs expected %s (%s%%) from %s to %s; explains %s%% of the %s in %s (surprise %s)',
                  r.col, r.val, anomaly.format_evidence_number(r.actual), anomaly.format_evidence_number(r.expected),
                  CASE WHEN r.actual >= r.expected THEN '+' ELSE '' END
                      || anomaly.format_number(round(anomaly.pct_change(r.actual, r.expected))),
                  anomaly.format_ts(a.first_ts, m.frequency), anomaly.format_ts(a.last_ts, m.frequency),
                  round(100 * r.ep), CASE WHEN r.total_delta < 0 THEN 'drop' ELSE 'rise' END, m.name,
                  coalesce(round(r.surprise::numeric, 3)::text, 'n/a'))
    FROM ranked r WHERE r.k <= per_dimension
    ORDER BY r.ep DESC, r.col, r.val;
END;
$$;

COMMENT ON FUNCTION anomaly.root_cause_dimensions(anomaly.anomaly_log, pg_catalog.int4, pg_catalog.int4) IS
'Helper of anomaly.root_cause: for a metric with dimension columns, every slice (one value of one column, summed over the other columns) over the alert''s period [first_ts, last_ts]: explanatory power = (actual - expected of the slice) / (actual - expected of the whole metric), expected = each series'' robust baseline (anomaly.root_cause_points); surprise = Jensen-Shannon divergence of its expected and actual share. The per_dimension slices explaining most of the move per column (share >= 5 %); score = min(share, 1). Assumes an additive metric (sums, counts).';

-- Mean value and mean baseline of one metric (slice) over a period, for
-- formula terms; an error reading it is returned, not raised.
CREATE FUNCTION anomaly.root_cause_means(metric_id pg_catalog.int4, series_filter pg_catalog.jsonb,
                                         period_from pg_catalog.timestamptz, period_to pg_catalog.timestamptz,
                                         baseline_periods pg_catalog.int4,
                                         OUT actual pg_catalog.float8, OUT expected pg_catalog.float8,
                                         OUT error pg_catalog.text)
    LANGUAGE plpgsql
    COST 1000
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    SELECT avg(p.value), avg(p.expected) INTO actual, expected
    FROM anomaly.root_cause_points(metric_id, series_filter, false, period_from, period_to, baseline_periods) AS p;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS error = MESSAGE_TEXT;
END;
$$;

COMMENT ON FUNCTION anomaly.root_cause_means(pg_catalog.int4, pg_catalog.jsonb, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4) IS
'Helper of anomaly.root_cause: the mean value and mean robust baseline (anomaly.root_cause_points) of a metric slice over [period_from, period_to]; when the metric cannot be read, error holds the message instead of raising it.';

-- (3) Formula terms.
CREATE FUNCTION anomaly.root_cause_formula(a anomaly.anomaly_log, baseline_periods pg_catalog.int4 DEFAULT 28)
    RETURNS TABLE(kind pg_catalog.text, metric pg_catalog.text, series pg_catalog.jsonb, score pg_catalog.float8,
                  evidence pg_catalog.text)
    LANGUAGE plpgsql
    COST 5000 ROWS 4
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m anomaly.metrics;
BEGIN
    SELECT * INTO m FROM anomaly.metrics AS x WHERE x.id = a.metric_id;
    IF m.formula IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH terms AS MATERIALIZED (
        SELECT t.term_no, t.metric AS name, t.sign, t.kind AS family, r.id,
               anomaly.root_cause_series_filter(a.series, r.dimension_columns) AS filter
        FROM anomaly.formula_terms(m.formula) AS t
        JOIN anomaly.metrics r ON r.name = t.metric
        WHERE r.frequency = m.frequency AND has_table_privilege(r.source, 'SELECT')
    ), moved AS (
        SELECT t.*, p.actual, p.expected, p.error,
               CASE WHEN t.family = 'sum' THEN t.sign * (p.actual - p.expected)
                    WHEN p.actual > 0 AND p.expected > 0 THEN t.sign * ln(p.actual / p.expected) END AS delta
        FROM terms t
        CROSS JOIN LATERAL anomaly.root_cause_means(t.id, t.filter, a.first_ts, a.last_ts, baseline_periods) AS p
    ), shares AS (
        SELECT mv.*, mv.delta / nullif(sum(mv.delta) OVER (), 0) AS share FROM moved mv
    )
    SELECT 'formula_term'::text, s.name, s.filter, greatest(least(coalesce(s.share, 0), 1), 0),
           CASE WHEN s.error IS NOT NULL THEN format('%s could not be read: %s', s.name, s.error)
                WHEN s.expected IS NULL OR s.actual IS NULL THEN
                     format('%s has no baseline or no points from %s to %s', s.name,
                            anomaly.format_ts(a.first_ts, m.frequency), anomaly.format_ts(a.last_ts, m.frequency))
                WHEN s.delta IS NULL THEN
                     format('%s is not positive: its log change is undefined', s.name)
                ELSE format('%s %s%% (%s vs expected %s per period, %s to %s); %s %s%% of the %s in %s = %s',
                            s.name,
                            CASE WHEN s.actual < s.expected THEN 'fell ' ELSE 'rose ' END
                                || anomaly.format_number(abs(round(anomaly.pct_change(s.actual, s.expected)))),
                            anomaly.format_evidence_number(s.actual), anomaly.format_evidence_number(s.expected),
                            anomaly.format_ts(a.first_ts, m.frequency), anomaly.format_ts(a.last_ts, m.frequency),
                            CASE WHEN s.share >= 0 THEN 'explains' ELSE 'offsets' END,
                            coalesce(round(100 * abs(s.share))::text, 'n/a'),
                            CASE WHEN s.family = 'sum' THEN 'change' ELSE 'log change' END, m.name, m.formula) END
    FROM shares s
    ORDER BY s.share DESC NULLS LAST, s.term_no;
END;
$$;

COMMENT ON FUNCTION anomaly.root_cause_formula(anomaly.anomaly_log, pg_catalog.int4) IS
'Helper of anomaly.root_cause: for a metric with a formula, each term''s contribution to the change over the alert''s period: sign * (mean - robust baseline) for sums, sign * ln(mean / baseline) for products, as a share of the sum of the contributions; score = share clamped to [0, 1].';

CREATE FUNCTION anomaly.root_cause_ranked(a anomaly.anomaly_log)
    RETURNS TABLE(rank pg_catalog.int4, kind pg_catalog.text, metric pg_catalog.text, series pg_catalog.jsonb,
                  score pg_catalog.float8, evidence pg_catalog.text)
    LANGUAGE sql
    COST 20000 ROWS 10
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (row_number() OVER (ORDER BY c.score DESC, c.o, c.metric, c.series::text))::int4,
           c.kind, c.metric, c.series, c.score, c.evidence
    FROM (SELECT r.*, 1 AS o FROM anomaly.root_cause_related(a) AS r
          UNION ALL SELECT f.*, 2 FROM anomaly.root_cause_formula(a) AS f
          UNION ALL SELECT d.*, 3 FROM anomaly.root_cause_dimensions(a) AS d) AS c
    ORDER BY 1;
END;

COMMENT ON FUNCTION anomaly.root_cause_ranked(anomaly.anomaly_log) IS
'Helper of anomaly.root_cause and of the root_causes column: the causes of an alert row (which may not be stored yet), ranked by score (ties: related metrics, formula terms, dimensions).';

CREATE FUNCTION anomaly.root_cause(alert_id pg_catalog.int8)
    RETURNS TABLE(rank pg_catalog.int4, kind pg_catalog.text, metric pg_catalog.text, series pg_catalog.jsonb,
                  score pg_catalog.float8, evidence pg_catalog.text)
    LANGUAGE plpgsql
    COST 20000 ROWS 10
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a anomaly.anomaly_log;
BEGIN
    IF alert_id IS NULL THEN
        RAISE EXCEPTION 'alert id must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO a FROM anomaly.anomaly_log AS l WHERE l.id = root_cause.alert_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no alert with id %', alert_id USING ERRCODE = '22023';
    END IF;
    RETURN QUERY SELECT * FROM anomaly.root_cause_ranked(a);
END;
$$;

COMMENT ON FUNCTION anomaly.root_cause(pg_catalog.int8) IS
'Why did alert alert_id (anomaly_log.id) fire? Ranked causes, best first: related_metric (declared related metrics and metrics with overlapping alerts, by lead/lag correlation of residuals, timing and direction), formula_term (the term of the metric''s formula that moved), dimension (the slices that explain the deviation). score in [0, 1]; evidence in plain language. Empty when the metric has no relations, formula or dimensions and no other alert overlaps. 22023 for an unknown alert. Reads the sources with your rights.';
