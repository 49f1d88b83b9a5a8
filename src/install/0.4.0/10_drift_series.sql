---------------------------------------------------------------------------
-- drift_score over a time series: the timestamps give the grid, the
-- baseline's period and the per-day threshold; known events are left out.
-- And one flag per drift: after a flag its side is held while the baseline
-- absorbs the new level (the 0.3.0 forms change with the library).
---------------------------------------------------------------------------

COMMENT ON TYPE anomaly.drift_point IS
'One row of anomaly.drift_score_detail: score (as anomaly.drift_score: signed, |score| >= 1 on the row that flags a drift), is_drift (this row flags a drift: its leading sum reached h), direction (up/down, NULL when neither sum is above 0), run_length (scored rows since the leading sum last left 0: "drifting down for 6 days"), expected (the expected value the residual was taken from), lower and upper (the band of values that add no evidence of drift: expected + median residual -/+ k*sigma).';

CREATE FUNCTION anomaly.drift_score(ts pg_catalog.timestamptz, value pg_catalog.float8,
                                    options pg_catalog.jsonb DEFAULT '{}')
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_drift_score_series_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.drift_score(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.jsonb) IS
'Window function: gradual drift (slow decline or rise) of a time series by a causal two-sided CUSUM, as anomaly.drift_score(value, ...) with what the timestamps tell. Rows are placed on the grid of the series'' step (options step, else the median gap of the first 15 rows), so one period back is one period back in time; gaps, NULL/NaN/Infinity values and rows inside a known event (options events [{"name", "start", "end"}]) carry no evidence and are not part of any baseline. Baseline: the median of the same slot 1..c periods earlier; period (options period) by default a week of slots for sub-daily data, 7 for daily data, 1 for coarser data. On sub-daily data h applies per day: it is raised so that noise flags as rarely per day as h does on daily data (hourly: 5 -> 8.2). Residuals are standardized against those of the baseline''s length (c * period rows, at least 56: 4 weeks of hourly data). |score| >= 1 flags a drift on that row; after a flag its side gathers no evidence for hold rows (default: the baseline''s c * period rows, 4 weeks), so a drift or a level shift is one flag. Options: period, k (0.5), h (5), hold, step, events; unknown keys, bad values and two rows with the same ts are errors (22023, 22000). Rows with a NULL ts get NULL. Use OVER (PARTITION BY metric ORDER BY ts); the frame clause is ignored.';

CREATE FUNCTION anomaly.drift_score_detail(ts pg_catalog.timestamptz, value pg_catalog.float8,
                                           options pg_catalog.jsonb DEFAULT '{}')
    RETURNS anomaly.drift_point
    AS 'MODULE_PATHNAME', 'anomaly_drift_score_series_detail_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.drift_score_detail(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.jsonb) IS
'Window function: anomaly.drift_score(ts, value, options) with its context, as anomaly.drift_point (score, is_drift, direction up/down, run_length in slots, expected, lower, upper). Same arguments, same scores.';

COMMENT ON FUNCTION anomaly.drift_score(pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
'Window function: gradual drift (slow decline or rise) by a causal two-sided CUSUM on standardized forecast residuals, row by row (anomaly.drift_score(ts, value, options) places rows in time, leaves out known events and applies h per day on sub-daily data). Residual = value - expected; expected NULL: the median of the values 1..c periods earlier (c = max(4, ceil(28/period)): 4 weeks of the same weekday for daily data), which lags about two cycles so a two-week ramp is not absorbed. z = (residual - median)/(1.4826*MAD) of the last 56 finite residuals before it (needs 14; 0.3.0: of the 56 rows before), clipped to +/-3; S+ = max(0, S+ + z - k), S- = max(0, S- - z - k). Returns S+/h or -S-/h (the larger): |score| >= 1 flags a drift on that row, sign = direction; both sums restart after a flag and the flagged side gathers no evidence for the next c * period rows (the time the baseline takes to absorb a new level; 0.3.0 kept flagging while the restarted sum stayed above 0), so a drift is one flag. NULL while warming up (2 periods + 14 rows with the own baseline) and for NULL/NaN/Infinity values (the sums carry over). Parameters read from the first row; period 1..10000, k 0..100, h > 0 (SQLSTATE 22023 otherwise). Use OVER (PARTITION BY metric ORDER BY ts); the frame clause is ignored.';
