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
    thr float8 := anomaly.rule_param(params, 'seasonal_forecast', 'threshold', 1, 0, 1e6);
    width float8 := anomaly.rule_param(params, 'seasonal_forecast', 'interval_width', 0.99, 0.5, 0.9999);
    opts jsonb := anomaly.rule_options(params, 'seasonal_forecast');
    since timestamptz := anomaly.rule_from(params);
BEGIN
    PERFORM anomaly.rule_param(params, 'seasonal_forecast', 'history_periods', 365, 14, 100000, true);
    PERFORM anomaly.rule_points_check(times, vals, 'seasonal_forecast');
    IF opts ? 'interval_width' THEN
        RAISE EXCEPTION 'rule method seasonal_forecast: set interval_width as a rule parameter, not in options'
            USING ERRCODE = '22023';
    END IF;
    opts := opts || jsonb_build_object('interval_width', width);
    -- The options are checked even when there is nothing to score (that is
    -- how a rule is validated when it is written): the window function reads
    -- them on its first row.
    PERFORM anomaly.seasonal_forecast('2000-01-01 00:00+00', 0, opts) OVER ();
    RETURN QUERY
    SELECT s.t, s.v, (s.f).yhat, (s.f).yhat_lower, (s.f).yhat_upper, (s.f).score, abs((s.f).score) > thr
    FROM (SELECT u.t, u.v, anomaly.seasonal_forecast(u.t, u.v, opts) OVER (ORDER BY u.t) AS f
          FROM unnest(times, vals) AS u(t, v)) AS s
    WHERE s.t >= since
    ORDER BY s.t;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_seasonal_forecast(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method seasonal_forecast (layer 2): anomaly.seasonal_forecast of each point from the points before it (Prophet-class: trend with changepoints, weekly and yearly seasonality); expected = yhat, range = its interval of width interval_width (default 0.99); anomaly when |score| > threshold (default 1: outside the interval). params {"threshold": 1, "interval_width": 0.99, "history_periods": 365, "options": {...seasonal_forecast options except interval_width}}; NULL expected/score while fewer than about 25 values precede a point.';

INSERT INTO anomaly.rule_methods (method, layer, evaluator, param_defaults, history, warmup, arrival_based,
                                  description, formula, false_positive_rate, builtin) VALUES
('seasonal_forecast', 2,
 'anomaly.rule_seasonal_forecast(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": 1, "interval_width": 0.99, "history_periods": 365, "options": {}}',
 '(params->>''history_periods'')::int * frequency',
 '(coalesce((params->''options''->>''min_history'')::int, 14) + 10) * frequency', false,
 'Outside the interval of a seasonal forecast (trend with changepoints, weekly and yearly seasonality, known events) made from the points before it: weekend dips, month-end peaks and Christmas are expected, not anomalies.',
 'yhat = trend + weekly + yearly + events (one step ahead); score = (value - yhat) / half-width of the interval_width interval; |score| > threshold',
 'about 1 point in 100 at interval_width 0.99 on well-behaved data (the interval is calibrated on the last 100 one-step errors)',
 true);

-- Its score does not depend on the threshold: anomaly.tune may move it.
INSERT INTO anomaly.rule_method_thresholds (method, param, builtin) VALUES
    ('seasonal_forecast', 'threshold', true);
