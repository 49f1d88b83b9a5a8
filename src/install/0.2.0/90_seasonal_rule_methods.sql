---------------------------------------------------------------------------
-- Seasonal detectors as rule methods of the monitoring layer: each is one
-- evaluator with the common signature plus one row of anomaly.rule_methods
-- (the extension point of 51_rule_methods.sql; run_checks is unchanged).
---------------------------------------------------------------------------

-- Options of the seasonal detectors travel inside a rule's parameters as a
-- jsonb object; this is its check, shared by the evaluators below.
CREATE FUNCTION anomaly.rule_options(params pg_catalog.jsonb, method pg_catalog.text)
    RETURNS pg_catalog.jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    opts jsonb := coalesce(params -> 'options', '{}');
BEGIN
    IF jsonb_typeof(opts) = 'null' THEN
        RETURN '{}';
    END IF;
    IF jsonb_typeof(opts) <> 'object' THEN
        RAISE EXCEPTION 'rule method %: parameter "options" must be a JSON object, not %', method, opts
            USING ERRCODE = '22023';
    END IF;
    RETURN opts;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_options(pg_catalog.jsonb, pg_catalog.text) IS
'Helper for rule method evaluators: the "options" object of `params` (detector options passed through), {} when absent; SQLSTATE 22023 when it is not an object.';

-- A model that learns from all the history it is given would score a point
-- differently depending on where the check's read started (which moves with
-- the watermark). So that a point's score never depends on how checks were
-- split (twice, concurrently, killed and repeated, daily or all at once),
-- the evaluators below score in fixed blocks of 28 periods (aligned on the
-- Unix epoch) and fit each block on the same stretch of history before it.
CREATE FUNCTION anomaly.rule_block_start(t pg_catalog.timestamptz, block pg_catalog.interval)
    RETURNS pg_catalog.timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN pg_catalog.to_timestamp((pg_catalog.floor(pg_catalog.date_part('epoch', t - '1970-01-01 00:00:00+00'::pg_catalog.timestamptz)
                                                 / pg_catalog.date_part('epoch', block))
                                * pg_catalog.date_part('epoch', block))::pg_catalog.float8);

COMMENT ON FUNCTION anomaly.rule_block_start(pg_catalog.timestamptz, pg_catalog.interval) IS
'Helper for model-based rule method evaluators: start of the fixed block (a multiple of `block` since the Unix epoch) that holds t.';

CREATE FUNCTION anomaly.rule_seasonal_forecast(times pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                               params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    thr float8 := anomaly.rule_param(params, 'seasonal_forecast', 'threshold', 2, 0, 1e6);
    width float8 := anomaly.rule_param(params, 'seasonal_forecast', 'interval_width', 0.9, 0.5, 0.9999);
    hp int := anomaly.rule_param(params, 'seasonal_forecast', 'history_periods', 365, 14, 100000, true);
    opts jsonb := anomaly.rule_options(params, 'seasonal_forecast');
    since timestamptz := anomaly.rule_from(params);
    freq interval := (params ->> 'frequency')::interval;
BEGIN
    PERFORM anomaly.rule_points_check(times, vals, 'seasonal_forecast');
    IF opts ? 'interval_width' THEN
        RAISE EXCEPTION 'rule method seasonal_forecast: set interval_width as a rule parameter, not in options'
            USING ERRCODE = '22023';
    END IF;
    opts := opts || jsonb_build_object('interval_width', width);
    -- The metric's known events (run_checks passes its name) are regressors
    -- of the model, so that last year's Christmas tells what this year's
    -- does; events limited to some dimension values are left out (the model
    -- does not know the series). Events given in the options win.
    IF params ? 'metric' AND NOT opts ? 'events' AND cardinality(times) > 0 THEN
        opts := opts || jsonb_build_object('events', coalesce((
            SELECT jsonb_agg(jsonb_build_object('name', o.name, 'start', lower(o.during), 'end', upper(o.during))
                             ORDER BY lower(o.during), o.name)
            FROM anomaly.event_occurrences(times[1], times[cardinality(times)]) AS o
            WHERE (o.affected_metrics = '{}' OR params ->> 'metric' = ANY (o.affected_metrics))
              AND coalesce(o.dimension_filter, '{}') = '{}'
              AND NOT upper_inf(o.during) AND NOT lower_inf(o.during) AND NOT upper(o.during) <= lower(o.during)), '[]'));
    END IF;
    -- The options are checked even when there is nothing to score (that is
    -- how a rule is validated when it is written): the window function reads
    -- them on its first row.
    PERFORM anomaly.seasonal_forecast('2000-01-01 00:00+00', 0, opts) OVER ();
    IF freq IS NULL THEN
        -- Called directly, without a frequency: one causal pass over the arrays.
        RETURN QUERY
        SELECT s.t, s.v, (s.f).yhat, (s.f).yhat - thr * ((s.f).yhat - (s.f).yhat_lower),
           (s.f).yhat + thr * ((s.f).yhat_upper - (s.f).yhat), (s.f).score, abs((s.f).score) > thr
        FROM (SELECT u.t, u.v, anomaly.seasonal_forecast(u.t, u.v, opts) OVER (ORDER BY u.t) AS f
              FROM unnest(times, vals) AS u(t, v)) AS s
        WHERE s.t >= since
        ORDER BY s.t;
        RETURN;
    END IF;
    -- From run_checks (frequency given): each block of 28 periods is
    -- forecast from the history_periods before its start. The range is the
    -- alert boundary: yhat +/- threshold half-widths of the interval (a 90 %
    -- interval from the last 100 one-step errors is steady; a 99 % one would
    -- be set by the single largest of them).
    RETURN QUERY
    WITH p AS (SELECT u.t, u.v FROM unnest(times, vals) AS u(t, v)),
         b AS (SELECT DISTINCT anomaly.rule_block_start(p.t, 28 * freq) AS b0 FROM p WHERE p.t >= since)
    SELECT s.t, s.v, (s.f).yhat, (s.f).yhat - thr * ((s.f).yhat - (s.f).yhat_lower),
           (s.f).yhat + thr * ((s.f).yhat_upper - (s.f).yhat), (s.f).score, abs((s.f).score) > thr
    FROM (SELECT b.b0, p.t, p.v, anomaly.seasonal_forecast(p.t, p.v, opts) OVER (PARTITION BY b.b0 ORDER BY p.t) AS f
          FROM b JOIN p ON p.t >= b.b0 - hp * freq AND p.t < b.b0 + 28 * freq) AS s
    WHERE s.t >= s.b0 AND s.t >= since
    ORDER BY s.t;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_seasonal_forecast(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method seasonal_forecast (layer 2): anomaly.seasonal_forecast of each point from the points before it (Prophet-class: trend with changepoints, weekly and yearly seasonality); expected = yhat, range = yhat +/- threshold times the half-widths of its interval_width interval (defaults 2 and 0.9: about 3.3 sigma for normal errors); anomaly when |score| > threshold (outside the range). params {"threshold": 2, "interval_width": 0.9, "history_periods": 365, "options": {...seasonal_forecast options except interval_width}}; with the runtime key metric (run_checks), the metric''s known events (anomaly.expected_events without a dimension filter) are the model''s events unless options name their own; NULL expected/score while fewer than about 25 values precede a point. With the runtime key frequency (run_checks), points are scored in fixed blocks of 28 periods aligned on the Unix epoch, each forecast from the history_periods before its block, so a score never depends on where a check started reading; without it, one causal pass over the arrays.';

INSERT INTO anomaly.rule_methods (method, layer, evaluator, param_defaults, history, warmup, arrival_based,
                                  description, formula, false_positive_rate, builtin) VALUES
('seasonal_forecast', 2,
 'anomaly.rule_seasonal_forecast(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": 2, "interval_width": 0.9, "history_periods": 365, "options": {}}',
 '((params->>''history_periods'')::int + 28) * frequency',
 '(coalesce((params->''options''->>''min_history'')::int, 14) + 10) * frequency', false,
 'Outside the interval of a seasonal forecast (trend with changepoints, weekly and yearly seasonality, the metric''s known events as regressors) made from the points before it: weekend dips, month-end peaks and Christmas are expected, not anomalies.',
 'yhat = trend + weekly + yearly + events (one step ahead); score = (value - yhat) / half-width of the interval_width interval (calibrated on the last 100 one-step errors); |score| > threshold',
 'about 1 point in 1,000 at the defaults (threshold 2 x the 90 % half-width) when errors are normal',
 true);

-- Its score does not depend on the threshold: anomaly.tune may move it.
INSERT INTO anomaly.rule_method_thresholds (method, param, builtin) VALUES
    ('seasonal_forecast', 'threshold', true);

CREATE FUNCTION anomaly.rule_stl_residual(times pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                          params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    thr float8 := anomaly.rule_param(params, 'stl_residual', 'threshold', 3.5, 0, 1e6);
    per int := anomaly.rule_param(params, 'stl_residual', 'period', 7, 2, 666, true);
    hist int := nullif(anomaly.rule_param(params, 'stl_residual', 'history', 0, 0, 2000, true), 0);
    rob bool;
    since timestamptz := anomaly.rule_from(params);
    freq interval := (params ->> 'frequency')::interval;
BEGIN
    IF params ? 'robust' AND jsonb_typeof(params -> 'robust') <> 'boolean' THEN
        RAISE EXCEPTION 'rule method stl_residual: parameter "robust" must be true or false, not %', params -> 'robust'
            USING ERRCODE = '22023';
    END IF;
    rob := coalesce((params ->> 'robust')::bool, true);
    PERFORM anomaly.rule_points_check(times, vals, 'stl_residual');
    -- The C function checks period and history together (22023).
    PERFORM anomaly.stl_residual('{}'::float8[], per, rob, hist);
    -- expected = value - residual; the range is expected +/- threshold
    -- spreads, the spread (1.4826 * MAD of the earlier residuals) being
    -- residual / score. Without a frequency (called directly): one causal
    -- pass over the arrays; from run_checks: fixed blocks of 28 periods,
    -- each scored after the 2 * history + max(7, period) periods before it
    -- (the windows of the residuals its MAD uses).
    RETURN QUERY
    WITH p AS (SELECT u.t, u.v, u.k FROM unnest(times, vals) WITH ORDINALITY AS u(t, v, k)),
         b AS (SELECT DISTINCT CASE WHEN freq IS NULL THEN '-infinity'
                                    ELSE anomaly.rule_block_start(p.t, 28 * freq) END AS b0
               FROM p WHERE p.t >= since),
         blk AS (SELECT b.b0, array_agg(p.t ORDER BY p.k) AS t, array_agg(p.v ORDER BY p.k) AS v
                 FROM b JOIN p ON freq IS NULL
                               OR (p.t >= b.b0 - (2 * coalesce(hist, greatest(8 * per, 56)) + greatest(7, per)) * freq
                                   AND p.t < b.b0 + 28 * freq)
                 GROUP BY b.b0)
    SELECT blk.t[d.i], blk.v[d.i], blk.v[d.i] - d.residual,
           blk.v[d.i] - d.residual - thr * abs(d.residual / nullif(d.score, 0)),
           blk.v[d.i] - d.residual + thr * abs(d.residual / nullif(d.score, 0)),
           d.score, abs(d.score) > thr
    FROM blk CROSS JOIN LATERAL anomaly.stl_residual_detail(blk.v, per, rob, hist) AS d
    WHERE blk.t[d.i] >= blk.b0 AND blk.t[d.i] >= since
    ORDER BY 1;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_stl_residual(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method stl_residual (layer 2): anomaly.stl_residual of each point (its STL residual in the trailing `history` points, over 1.4826*MAD of the earlier residuals); expected = value - residual, range = expected +/- threshold * spread; anomaly when |score| > threshold. params {"threshold": 3.5, "period": 7, "robust": true, "history": 0 = max(8*period, 56)}; the points must be evenly spaced (one per period of the metric; use a missing-data policy for gaps). With the runtime key frequency (run_checks), points are scored in fixed blocks of 28 periods aligned on the Unix epoch, each after the same stretch of history, so a score never depends on where a check started reading; without it, one causal pass over the arrays.';

INSERT INTO anomaly.rule_methods (method, layer, evaluator, param_defaults, history, warmup, arrival_based,
                                  description, formula, false_positive_rate, builtin) VALUES
('stl_residual', 2,
 'anomaly.rule_stl_residual(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": 3.5, "period": 7, "robust": true, "history": 0}',
 '(2 * coalesce(nullif((params->>''history'')::int, 0), greatest(8 * (params->>''period'')::int, 56))
   + greatest(7, (params->>''period'')::int) + 28) * frequency',
 '(coalesce(nullif((params->>''history'')::int, 0), greatest(8 * (params->>''period'')::int, 56)) + greatest(7, (params->>''period'')::int)) * frequency',
 false,
 'Unusual residual of a seasonal-trend decomposition (STL) of the trailing window: the weekly pattern and the trend are removed before judging the point.',
 'r = STL residual of the point in its trailing window; score = r / (1.4826 * MAD of the earlier residuals); |score| > threshold',
 'about 1 in 1,000 points for normal noise at 3.5 (robust mode keeps flagged outliers out of later windows)',
 true);

INSERT INTO anomaly.rule_method_thresholds (method, param, builtin) VALUES
    ('stl_residual', 'threshold', true);
