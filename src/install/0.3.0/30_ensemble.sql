---------------------------------------------------------------------------
-- ensemble_anomaly: the default detector. Robust z-score, seasonal forecast,
-- STL residual, isolation forest on kpi_features and drift, each calibrated
-- to a tail probability and combined into one decision with an explanation.
---------------------------------------------------------------------------

CREATE TYPE anomaly.ensemble_result AS (
    is_anomaly pg_catalog.bool,
    score pg_catalog.float8,
    severity pg_catalog.text,
    direction pg_catalog.text,
    expected pg_catalog.float8,
    lower pg_catalog.float8,
    upper pg_catalog.float8,
    deviation_pct pg_catalog.float8,
    detectors pg_catalog.jsonb,
    explanation pg_catalog.text,
    data_quality pg_catalog.float8,
    warming_up pg_catalog.bool
);

COMMENT ON TYPE anomaly.ensemble_result IS
'One row of anomaly.ensemble_anomaly: is_anomaly (NULL when the value is NULL/NaN/Infinity); score in [0, 1) = 1 - combined tail probability (0.9999 = as rare as 1 in 10,000); severity critical/warning/info of an anomaly (NULL otherwise); direction up/down of the value against expected; expected with the alert range [lower, upper]; deviation_pct = 100 * (value - expected) / |expected|; detectors = each layer''s raw and calibrated score and whether it fired; explanation in plain language; data_quality = share of real points among the last quality_window (28) points of the grid; warming_up = fewer than min_points (30) values so far (only the robust z-score speaks).';

CREATE FUNCTION anomaly.ensemble_anomaly(ts pg_catalog.timestamptz,
                                         value pg_catalog.float8,
                                         options pg_catalog.jsonb DEFAULT '{}')
    RETURNS anomaly.ensemble_result
    AS 'MODULE_PATHNAME', 'anomaly_ensemble_anomaly_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 500;

COMMENT ON FUNCTION anomaly.ensemble_anomaly(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.jsonb) IS
'Window function, the default detector: is each row an anomaly, judged causally (from the row and the rows with earlier ts of its partition) by layers calibrated to a common tail-probability scale: an extreme robust z-score (|z| > z_threshold, default 4) decides alone; the seasonal forecast is the primary layer; STL residual, isolation forest on kpi_features and drift add evidence. Default combination: weighted mean of -log10 p (weights robust_z 0.2, forecast 0.4, stl 0.25, iforest 0.05, drift 0.1), anomaly when score >= threshold (0.9999; on sub-daily data threshold and z_threshold are per day: a point needs 1 - score <= (1 - threshold) / points per day); {"combine": "k_of_n", "k": 2} instead flags when k layers fire. Short gaps are filled (<= 2 points forward, <= 5 interpolated). Known events in options ({"events": [{"name", "start", "end"}]}) are never anomalies. Options: name, combine, k, threshold, z_threshold, forecast_threshold, stl_threshold, iforest_threshold, weights, step, period, min_points, lookback, quality_window, events, time_zone and the seasonal_forecast options. Use OVER (PARTITION BY metric ORDER BY ts); duplicate ts in a partition is an error (22000).';
