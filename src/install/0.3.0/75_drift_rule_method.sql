---------------------------------------------------------------------------
-- drift as a layer-3 (trend) rule method of the monitoring layer: one
-- evaluator with the common signature plus one row of anomaly.rule_methods.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.rule_drift(times pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                   params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    per int := anomaly.rule_param(params, 'drift', 'period', 7, 1, 10000, true);
    kk float8 := anomaly.rule_param(params, 'drift', 'k', 0.5, 0, 100);
    hh float8 := anomaly.rule_param(params, 'drift', 'h', 5, 0.001, 1e6);
    since timestamptz := anomaly.rule_from(params);
    freq interval := (params ->> 'frequency')::interval;
    -- Rows of history behind each block: the baseline's cycles twice, the
    -- 56-row scale window, so the CUSUM has settled when the block starts.
    burn int := 2 * greatest(4 * per, 28) + 56;
BEGIN
    PERFORM anomaly.rule_points_check(times, vals, 'drift');
    -- A CUSUM carries state from its first row on. So that a point's score
    -- never depends on where a check started reading, from run_checks
    -- (frequency given) points are scored in fixed blocks of 28 periods
    -- aligned on the Unix epoch, each by one causal pass that starts `burn`
    -- periods before the block; without a frequency, one causal pass over
    -- the arrays.
    RETURN QUERY
    WITH p AS (SELECT u.t, u.v FROM unnest(times, vals) AS u(t, v)),
         b AS (SELECT DISTINCT CASE WHEN freq IS NULL THEN '-infinity'
                                    ELSE anomaly.rule_block_start(p.t, 28 * freq) END AS b0
               FROM p WHERE p.t >= since)
    SELECT s.t, s.v, (s.d).expected, (s.d).lower, (s.d).upper, (s.d).score, (s.d).is_drift
    FROM (SELECT b.b0, p.t, p.v,
                 anomaly.drift_score_detail(p.v, NULL, per, kk, hh) OVER (PARTITION BY b.b0 ORDER BY p.t) AS d
          FROM b JOIN p ON freq IS NULL OR (p.t >= b.b0 - burn * freq AND p.t < b.b0 + 28 * freq)) AS s
    WHERE s.t >= s.b0 AND s.t >= since
    ORDER BY s.t;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_drift(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method drift (layer 3): gradual drift by anomaly.drift_score_detail (a two-sided CUSUM on residuals against the median of the same phase over the previous 4 cycles, scaled by the MAD of the earlier residuals); anomaly on the rows where |score| >= 1 (from the flag while the drift goes on), expected = the baseline, lower..upper = the band that adds no evidence of drift (expected + median residual -/+ k sigma). params {"period": 7, "k": 0.5, "h": 5}. With the runtime key frequency (run_checks), points are scored in fixed blocks of 28 periods aligned on the Unix epoch, each by a pass that starts 2*max(4*period, 28) + 56 periods before it, so a score never depends on where a check started reading; without it, one causal pass over the arrays.';

INSERT INTO anomaly.rule_methods (method, layer, evaluator, param_defaults, history, warmup, arrival_based,
                                  description, formula, false_positive_rate, builtin) VALUES
('drift', 3,
 'anomaly.rule_drift(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"period": 7, "k": 0.5, "h": 5}',
 '(2 * greatest(4 * (params->>''period'')::int, 28) + 56 + 28) * frequency',
 '(2 * (params->>''period'')::int + 14) * frequency', false,
 'Slow deterioration (or growth) that no single point shows: a metric losing a few percent a day. Evidence accumulates day by day against a baseline that lags about two weeks behind.',
 'z = (value - median of the same phase 1..4 cycles back - median residual) / (1.4826 * MAD of earlier residuals), clipped to +/-3; S+ = max(0, S+ + z - k), S- = max(0, S- - z - k); anomaly when max(S+, S-) >= h (then both restart) and on the following rows while the restarted sum of that side stays above 0',
 'about 0.25 per metric per 30 days on synthetic daily series with 1-7 % noise and trends (test/unit/drift_test.cpp); a -2 %/day ramp is flagged within 7 days in 97 of 100 of them (all of them up to 3 % noise, 87 % at 5 %)',
 true);
