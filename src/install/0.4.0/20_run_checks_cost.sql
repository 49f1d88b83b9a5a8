---------------------------------------------------------------------------
-- The cost of a daily check with the default rule ensemble_anomaly.
--
-- run_checks scores a metric's new points by blocks of 28 periods, each
-- block from the 365 periods before it (0.3.0/80_ensemble_rule_method.sql):
-- a daily check runs anomaly.ensemble_anomaly over ~393 rows to return the
-- 4-5 rows it (re-)checks. Of that work, the explanation and detectors texts
-- of every row (built in C++, then parsed back as jsonb and text for each
-- row of the window) were about 40 %, and no rule reads them. The rule now
-- uses a lean twin of the window function: the same computation, bit for
-- bit the same is_anomaly, score, expected, lower and upper, no texts, and
-- no result row at all before the first point the rule returns. A point's
-- result still depends only on its block (where a check starts or stops
-- reading changes nothing).
---------------------------------------------------------------------------

CREATE TYPE anomaly.ensemble_rule_score AS (
    is_anomaly pg_catalog.bool,
    score pg_catalog.float8,
    expected pg_catalog.float8,
    lower pg_catalog.float8,
    upper pg_catalog.float8
);

COMMENT ON TYPE anomaly.ensemble_rule_score IS
'One row of anomaly.ensemble_rule_scores: the fields of anomaly.ensemble_result that a rule needs (is_anomaly, score, expected, lower, upper), with the same values.';

CREATE FUNCTION anomaly.ensemble_rule_scores(ts pg_catalog.timestamptz,
                                             value pg_catalog.float8,
                                             options pg_catalog.jsonb,
                                             since pg_catalog.timestamptz)
    RETURNS anomaly.ensemble_rule_score
    AS 'MODULE_PATHNAME', 'anomaly_ensemble_rule_scores_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 300;

COMMENT ON FUNCTION anomaly.ensemble_rule_scores(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.jsonb, pg_catalog.timestamptz) IS
'Window function behind the rule method ensemble_anomaly: exactly anomaly.ensemble_anomaly(ts, value, options) of the same partition (every row still judged from all the rows before it), but only is_anomaly, score, expected, lower and upper, and NULL for the rows with ts < since (since NULL: every row is returned). Without the explanation and detectors texts it costs less than half as much. Use OVER (PARTITION BY metric ORDER BY ts); same options and errors as ensemble_anomaly.';

-- The evaluator of 0.3.0 (same signature, same results) with the lean window
-- function in place of anomaly.ensemble_anomaly, and each block's points
-- taken from the arrays by binary search (width_bucket) instead of a join of
-- every point read (two years for the default history) with every block.
CREATE OR REPLACE FUNCTION anomaly.rule_ensemble_anomaly(times pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                                         params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    own_events bool;
    b0 timestamptz;
    bo jsonb;
    lo int;
    hi int;
    thr float8 := anomaly.rule_param(params, 'ensemble_anomaly', 'threshold', 0.999, 0.5, 0.999999999);
    hp int := anomaly.rule_param(params, 'ensemble_anomaly', 'history_periods', 365, 30, 100000, true);
    -- Without "options" the registry's default options apply (no isolation-forest layer).
    opts jsonb := CASE WHEN params ? 'options' THEN anomaly.rule_options(params, 'ensemble_anomaly')
                       ELSE '{"weights": {"iforest": 0}}' END;
    since timestamptz := anomaly.rule_from(params);
    freq interval := (params ->> 'frequency')::interval;
BEGIN
    PERFORM anomaly.rule_points_check(times, vals, 'ensemble_anomaly');
    IF opts ? 'threshold' THEN
        RAISE EXCEPTION 'rule method ensemble_anomaly: set threshold as a rule parameter, not in options'
            USING ERRCODE = '22023';
    END IF;
    opts := opts || jsonb_build_object('threshold', thr);
    IF params ? 'metric' AND NOT opts ? 'name' THEN
        opts := opts || jsonb_build_object('name', params ->> 'metric');
    END IF;
    -- The options are checked even when there is nothing to score (that is
    -- how a rule is validated when it is written); errors name
    -- anomaly.ensemble_anomaly, whose options they are.
    PERFORM anomaly.ensemble_anomaly('2000-01-01 00:00+00', 0, opts) OVER ();
    -- The metric's known events (run_checks passes its name) are regressors
    -- of the forecast and are never anomalies; events limited to some
    -- dimension values are left out. Events given in the options win.
    own_events := opts ? 'events' OR NOT params ? 'metric';
    IF freq IS NULL THEN
        -- Called directly, without a frequency: one causal pass over the
        -- arrays, with the events over their span.
        IF NOT own_events AND cardinality(times) > 0 THEN
            opts := opts || jsonb_build_object('events',
                anomaly.rule_metric_events(params ->> 'metric', times[1], times[cardinality(times)]));
        END IF;
        RETURN QUERY
        SELECT s.t, s.v, (s.e).expected, (s.e).lower, (s.e).upper, (s.e).score, (s.e).is_anomaly
        FROM (SELECT u.t, u.v, anomaly.ensemble_rule_scores(u.t, u.v, opts, since) OVER (ORDER BY u.t) AS e
              FROM unnest(times, vals) AS u(t, v)) AS s
        WHERE s.t >= since
        ORDER BY s.t;
        RETURN;
    END IF;
    -- From run_checks (frequency given): each block of 28 periods aligned on
    -- the Unix epoch is judged from the history_periods before its start,
    -- with the events over that same span (the forecast's fit depends on the
    -- events it is given, future ones included), so a point's result never
    -- depends on where a check started or stopped reading.
    FOR b0 IN SELECT DISTINCT anomaly.rule_block_start(u.t, 28 * freq) AS b0 FROM unnest(times) AS u(t)
              WHERE u.t >= since ORDER BY 1 LOOP
        bo := CASE WHEN own_events THEN opts
                   ELSE opts || jsonb_build_object('events',
                       anomaly.rule_metric_events(params ->> 'metric', b0 - hp * freq, b0 + 28 * freq)) END;
        -- The block's points by binary search (times are strictly increasing):
        -- lo = how many points are at or before the start of its history,
        -- hi = how many at or before its end; the WHERE drops the point at
        -- either end that may lie outside.
        lo := width_bucket(b0 - hp * freq, times);
        hi := width_bucket(b0 + 28 * freq, times);
        RETURN QUERY
        SELECT s.t, s.v, (s.e).expected, (s.e).lower, (s.e).upper, (s.e).score, (s.e).is_anomaly
        FROM (SELECT u.t, u.v, anomaly.ensemble_rule_scores(u.t, u.v, bo, greatest(b0, since)) OVER (ORDER BY u.t) AS e
              FROM unnest(times[greatest(lo, 1):hi], vals[greatest(lo, 1):hi]) AS u(t, v)
              WHERE u.t >= b0 - hp * freq AND u.t < b0 + 28 * freq) AS s
        WHERE s.t >= b0 AND s.t >= since
        ORDER BY s.t;
    END LOOP;
END;
$$;
