---------------------------------------------------------------------------
-- Monitoring layer, part 2: rule methods.
-- Every method is one evaluator with the common signature
--   anomaly.rule_<method>(times timestamptz[], vals float8[], params jsonb)
--   RETURNS TABLE(ts, value, expected, lower, upper, score, is_anomaly)
-- returning one row per input point (only the points with ts >= params->>'from'
-- when that key is given), causal: a row uses that point and earlier ones
-- only (missing_data also uses the next point's time, or as_of). While a
-- method lacks history, expected, score and is_anomaly are NULL. Points must
-- be in strictly increasing time; NULL, NaN and +/-Infinity values are never
-- scored and never count as history. Parameters are validated on every call,
-- also with empty arrays: that is how rules are validated when written.
-- Runtime keys (run_checks supplies them): as_of, frequency, good_direction,
-- from.
-- The evaluators are C (src/core/rule_evaluators.cpp: the same results,
-- errors and SQLSTATEs as the SQL versions they replaced, at a fraction of
-- the cost per call). They are STABLE, not IMMUTABLE: the text of the runtime
-- keys from and as_of is read, and same_period_last_week steps back weeks, in
-- the session's time zone.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.rule_param(params pg_catalog.jsonb, method pg_catalog.text, key pg_catalog.text,
                                   fallback pg_catalog.float8, min_value pg_catalog.float8,
                                   max_value pg_catalog.float8, integral pg_catalog.bool DEFAULT false)
    RETURNS pg_catalog.float8
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    j jsonb := params -> key;
    x float8;
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        IF fallback IS NULL THEN
            RAISE EXCEPTION 'rule method %: parameter "%" is required', method, key
                USING ERRCODE = '22023';
        END IF;
        RETURN fallback;
    END IF;
    IF jsonb_typeof(j) <> 'number' THEN
        RAISE EXCEPTION 'rule method %: parameter "%" must be a number, not %', method, key, j
            USING ERRCODE = '22023';
    END IF;
    x := j::text::float8;
    IF x < min_value OR x > max_value OR (integral AND x <> trunc(x)) THEN
        RAISE EXCEPTION 'rule method %: parameter "%" = % is out of range', method, key, j
            USING ERRCODE = '22023',
                  HINT = format('Use %s from %s to %s.', CASE WHEN integral THEN 'an integer' ELSE 'a number' END,
                                min_value, max_value);
    END IF;
    RETURN x;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_param(pg_catalog.jsonb, pg_catalog.text, pg_catalog.text, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.bool) IS
'Helper for rule method evaluators: numeric parameter `key` of `params`, `fallback` when absent (NULL fallback = required), SQLSTATE 22023 when not a number, out of [min_value, max_value] or not integral when `integral`.';

CREATE FUNCTION anomaly.rule_points_check(times pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                          method pg_catalog.text)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(times) <> cardinality(vals) THEN
        RAISE EXCEPTION 'rule method %: % times but % values', method, cardinality(times), cardinality(vals)
            USING ERRCODE = '22023';
    END IF;
    IF array_position(times, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'rule method %: a point time is NULL', method USING ERRCODE = '22004';
    END IF;
    IF EXISTS (SELECT FROM unnest(times[1:cardinality(times) - 1], times[2:]) AS u(a, b) WHERE b <= a) THEN
        RAISE EXCEPTION 'rule method %: point times must be strictly increasing', method
            USING ERRCODE = '22023';
    END IF;
END;
$$;

COMMENT ON FUNCTION anomaly.rule_points_check(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.text) IS
'Helper for rule method evaluators: the arrays have the same length, no NULL time, times strictly increasing (SQLSTATE 22023 / 22004 otherwise).';

CREATE FUNCTION anomaly.rule_from(params pg_catalog.jsonb)
    RETURNS pg_catalog.timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN coalesce((params ->> 'from')::timestamptz, '-infinity'::timestamptz);
END;
$$;

COMMENT ON FUNCTION anomaly.rule_from(pg_catalog.jsonb) IS
'Helper for rule method evaluators: the runtime key "from" (first point to return), -infinity without it.';

---------------------------------------------------------------------------
-- Layer 1: static thresholds

CREATE FUNCTION anomaly.rule_min(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_min'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_min(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method min (layer 1): anomaly when value < threshold. params {"threshold": required}. expected = lower = threshold, score = value - threshold.';

CREATE FUNCTION anomaly.rule_max(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_max'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_max(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method max (layer 1): anomaly when value > threshold. params {"threshold": required}. expected = upper = threshold, score = value - threshold.';

CREATE FUNCTION anomaly.rule_zero_day(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_zero_day'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_zero_day(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method zero_day (layer 1): anomaly when value = 0 while the mean of the up to `lookback` finite values before it is > 0. params {"lookback": 7}. expected = that mean, score = (value - mean)/mean. Works from the second point.';

CREATE FUNCTION anomaly.rule_missing_data(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_missing_data'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_missing_data(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method missing_data (layer 1, staleness): a point is anomalous when the next point (or as_of, for the last one) comes more than max_gap_periods * frequency after it. params {"max_gap_periods": 2} plus runtime "frequency" and "as_of" (never the clock, so backtests repeat). score = -(gap in periods).';

---------------------------------------------------------------------------
-- Layer 2: statistical deviation

CREATE FUNCTION anomaly.rule_mad_zscore(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_mad_zscore'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_mad_zscore(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method mad_zscore (layer 2): score = anomaly.mad_zscore over the last `lookback` finite values; expected = their median, range = median +/- threshold * MAD/0.6745 (1.253314 * mean absolute deviation when MAD = 0); anomaly when |score| > threshold. params {"threshold": 3.5, "lookback": 28, "min_history": 7}.';

CREATE FUNCTION anomaly.rule_zscore(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_zscore'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_zscore(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method zscore (layer 2): score = (value - mean) / stddev_samp of the last `lookback` finite values before the point (0 or +/-Infinity when stddev = 0); expected = mean, range = mean +/- threshold * stddev; anomaly when |score| > threshold. params {"threshold": 3, "lookback": 28, "min_history": 7}.';

CREATE FUNCTION anomaly.rule_pct_deviation(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_pct_deviation'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_pct_deviation(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method pct_deviation (layer 2): score = 100 * (value - mean) / |mean| with mean over the last `lookback` finite values before the point; range = mean +/- |mean| * threshold_pct/100; anomaly when |score| > threshold_pct. params {"threshold_pct": 20, "lookback": 7, "min_history": 7}.';

CREATE FUNCTION anomaly.pct_change(value pg_catalog.float8, expected pg_catalog.float8)
    RETURNS pg_catalog.float8
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE WHEN expected <> 0 THEN 100 * (value - expected) / abs(expected)
                WHEN value = expected THEN 0
                WHEN value > expected THEN 'Infinity'::float8 ELSE '-Infinity'::float8 END;
END;
$$;

COMMENT ON FUNCTION anomaly.pct_change(pg_catalog.float8, pg_catalog.float8) IS
'100 * (value - expected) / |expected|; 0 when both are 0, +/-Infinity when only expected is 0.';

CREATE FUNCTION anomaly.rule_same_period_last_week(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_same_period_last_week'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_same_period_last_week(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method same_period_last_week (layer 2, day-of-week adjusted): expected = mean of the finite values at exactly ts - 7, 14, ... weeks*7 days (same weekday and time, session time zone), at least min_weeks of them; score = 100 * (value - expected)/|expected|; anomaly when |score| > threshold_pct. params {"threshold_pct": 20, "weeks": 4, "min_weeks": 2}.';

---------------------------------------------------------------------------
-- Layer 3: trend

CREATE FUNCTION anomaly.rule_consecutive_direction(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_consecutive_direction'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_consecutive_direction(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method consecutive_direction (layer 3): score = signed length of the current run of strictly falling (-) or rising (+) finite values; anomaly when the run reaches n in the watched direction ("moving": down/up/both; default: against the runtime good_direction, both when none). expected = the value where the run started. params {"n": 5, "moving": null}.';

CREATE FUNCTION anomaly.rule_rolling_mean_shift(times pg_catalog.timestamptz[], vals pg_catalog.float8[], params pg_catalog.jsonb)
    RETURNS TABLE(ts pg_catalog.timestamptz, value pg_catalog.float8, expected pg_catalog.float8,
                  lower pg_catalog.float8, upper pg_catalog.float8, score pg_catalog.float8,
                  is_anomaly pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'anomaly_rule_rolling_mean_shift'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.rule_rolling_mean_shift(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method rolling_mean_shift (layer 3): value = mean of the last `short` finite values up to and including the point, expected = mean of the `long` finite values before those; score = 100 * (value - expected)/|expected|; anomaly when |score| > threshold_pct. params {"short": 7, "long": 28, "threshold_pct": 10}.';

---------------------------------------------------------------------------
-- The registry rows of the built-in methods.

INSERT INTO anomaly.rule_methods (method, layer, evaluator, param_defaults, history, warmup, arrival_based,
                                  description, formula, false_positive_rate, builtin) VALUES
('min', 1, 'anomaly.rule_min(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": null}', '''0''::interval', '''0''::interval', false,
 'Value below a fixed minimum.', 'value < threshold', 'none if the threshold is a true floor', true),
('max', 1, 'anomaly.rule_max(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": null}', '''0''::interval', '''0''::interval', false,
 'Value above a fixed maximum.', 'value > threshold', 'none if the threshold is a true ceiling', true),
('zero_day', 1, 'anomaly.rule_zero_day(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"lookback": 7}', '(params->>''lookback'')::int * frequency', 'frequency', false,
 'Value is zero while the trailing mean is positive (a dead pipeline or a broken checkout).',
 'value = 0 AND mean(last lookback values) > 0', 'near zero for metrics that are never legitimately zero', true),
('missing_data', 1, 'anomaly.rule_missing_data(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"max_gap_periods": 2}', '''0''::interval', '''0''::interval', true,
 'No new point for more than max_gap_periods periods (stale data).',
 'next_ts (or as_of) - ts > max_gap_periods * frequency', 'depends on ingestion delays; raise max_gap_periods for slow pipelines', true),
('mad_zscore', 2, 'anomaly.rule_mad_zscore(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": 3.5, "lookback": 28, "min_history": 7}', '(params->>''lookback'')::int * frequency',
 '(params->>''min_history'')::int * frequency', false,
 'Robust deviation from the rolling median (outliers in the history do not mask new ones).',
 '0.6745 * (value - median(last lookback)) / MAD(last lookback); |score| > threshold',
 'about 1 in 2,000 points for normal noise at 3.5 (heavier on skewed data)', true),
('zscore', 2, 'anomaly.rule_zscore(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold": 3, "lookback": 28, "min_history": 7}', '(params->>''lookback'')::int * frequency',
 '(params->>''min_history'')::int * frequency', false,
 'Deviation from the rolling mean in standard deviations.',
 '(value - mean(last lookback)) / stddev(last lookback); |score| > threshold',
 'about 1 in 370 points for normal noise at 3', true),
('pct_deviation', 2, 'anomaly.rule_pct_deviation(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold_pct": 20, "lookback": 7, "min_history": 7}', '(params->>''lookback'')::int * frequency',
 '(params->>''min_history'')::int * frequency', false,
 'Percent deviation from the rolling mean.',
 '100 * (value - mean(last lookback)) / |mean|; |score| > threshold_pct',
 'depends on the metric''s volatility: set threshold_pct above its usual day-to-day swing', true),
('same_period_last_week', 2, 'anomaly.rule_same_period_last_week(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"threshold_pct": 20, "weeks": 4, "min_weeks": 2}', '(params->>''weeks'')::int * ''7 days''::interval',
 '(params->>''min_weeks'')::int * ''7 days''::interval', false,
 'Percent deviation from the same weekday (and time) of the previous weeks.',
 '100 * (value - mean(value at ts - 7k days, k = 1..weeks)) / |mean|; |score| > threshold_pct',
 'low for metrics with a stable weekly pattern; holidays need events', true),
('consecutive_direction', 3, 'anomaly.rule_consecutive_direction(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"n": 5, "moving": null}', '(params->>''n'')::int * frequency', '(params->>''n'')::int * frequency', false,
 'N periods in a row moving against the good direction (a slow bleed no single point shows).',
 'sign(value_t - value_t-1) constant and against good_direction for n periods',
 'about 2/(n+1)! per point for noise: 1 in 360 for n = 5', true),
('rolling_mean_shift', 3, 'anomaly.rule_rolling_mean_shift(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb)',
 '{"short": 7, "long": 28, "threshold_pct": 10}',
 '((params->>''short'')::int + (params->>''long'')::int) * frequency',
 '((params->>''short'')::int + (params->>''long'')::int) * frequency', false,
 'The recent mean moved away from the mean before it (a level shift or trend).',
 '100 * (mean(last short) - mean(long before those)) / |mean(long)|; |score| > threshold_pct',
 'low for stable metrics; persistent after a true shift until the long window catches up', true);
