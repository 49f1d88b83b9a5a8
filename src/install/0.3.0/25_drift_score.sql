---------------------------------------------------------------------------
-- drift_score: gradual drift by a causal two-sided CUSUM on forecast residuals
---------------------------------------------------------------------------

CREATE TYPE anomaly.drift_point AS (
    score pg_catalog.float8,
    is_drift pg_catalog.bool,
    direction pg_catalog.text,
    run_length pg_catalog.int4,
    expected pg_catalog.float8,
    lower pg_catalog.float8,
    upper pg_catalog.float8
);

COMMENT ON TYPE anomaly.drift_point IS
'One row of anomaly.drift_score_detail: score (as anomaly.drift_score: signed, |score| >= 1 = drift), is_drift (|score| >= 1: a new flag or a flagged drift going on), direction (up/down, NULL when neither sum is above 0), run_length (scored rows since the leading sum last left 0, counted on across the restart after a flag while the drift goes on: "drifting down for 6 days"), expected (the expected value the residual was taken from), lower and upper (the band of values that add no evidence of drift: expected + median residual -/+ k*sigma).';

CREATE FUNCTION anomaly.drift_score(value pg_catalog.float8,
                                    expected pg_catalog.float8 DEFAULT NULL,
                                    period pg_catalog.int4 DEFAULT 7,
                                    k pg_catalog.float8 DEFAULT 0.5,
                                    h pg_catalog.float8 DEFAULT 5)
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_drift_score_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.drift_score(pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
'Window function: gradual drift (slow decline or rise) by a causal two-sided CUSUM on standardized forecast residuals. Residual = value - expected; expected NULL: the median of the values 1..c periods earlier (c = max(4, ceil(28/period)): 4 weeks of the same weekday for daily data), which lags about two cycles so a two-week ramp is not absorbed. z = (residual - median)/(1.4826*MAD) of the residuals of the 56 rows before (needs 14), clipped to +/-3; S+ = max(0, S+ + z - k), S- = max(0, S- - z - k). Returns S+/h or -S-/h (the larger): |score| >= 1 = drift flagged, sign = direction; both sums restart after a flag, and the drift stays flagged (|score| = 1 + S/h) while the restarted sum of its side stays above 0, so an ongoing drift is one run of flagged rows. NULL while warming up (2 periods + 14 rows with the own baseline) and for NULL/NaN/Infinity values (the sums carry over). Parameters read from the first row; period 1..10000, k 0..100, h > 0 (SQLSTATE 22023 otherwise). Use OVER (PARTITION BY metric ORDER BY ts); the frame clause is ignored.';

CREATE FUNCTION anomaly.drift_score_detail(value pg_catalog.float8,
                                           expected pg_catalog.float8 DEFAULT NULL,
                                           period pg_catalog.int4 DEFAULT 7,
                                           k pg_catalog.float8 DEFAULT 0.5,
                                           h pg_catalog.float8 DEFAULT 5)
    RETURNS anomaly.drift_point
    AS 'MODULE_PATHNAME', 'anomaly_drift_score_detail_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.drift_score_detail(pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
'Window function: anomaly.drift_score with its context, as anomaly.drift_point (score, is_drift, direction up/down, run_length in rows, expected, lower, upper). Same arguments, same scores.';
