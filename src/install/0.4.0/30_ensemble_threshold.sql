---------------------------------------------------------------------------
-- ensemble_anomaly in 0.4.0: default threshold 0.999 (was 0.9999); on
-- sub-daily data the forecast and STL layers are also judged by their own
-- trailing tails; the drift layer flags once per drift. On the accuracy
-- benchmark (seed 1 / seed 2) F1 0.706 -> 0.732 / 0.647 -> 0.671 with the
-- threshold, at 0.05 / 0.07 false alarms per metric per 30 days. Rules
-- stored before keep their threshold (add_metric stored the default).
---------------------------------------------------------------------------

COMMENT ON TYPE anomaly.ensemble_result IS
'One row of anomaly.ensemble_anomaly: is_anomaly (NULL when the value is NULL/NaN/Infinity); score in [0, 1) = 1 - combined tail probability (0.999 = as rare as 1 in 1,000); severity critical/warning/info of an anomaly (NULL otherwise); direction up/down of the value against expected; expected with the alert range [lower, upper]; deviation_pct = 100 * (value - expected) / |expected|; detectors = each layer''s raw and calibrated score and whether it fired; explanation in plain language; data_quality = share of real points among the last quality_window (28) points of the grid; warming_up = fewer than min_points (30) values so far (only the robust z-score speaks).';

COMMENT ON FUNCTION anomaly.ensemble_anomaly(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.jsonb) IS
'Window function, the default detector: is each row an anomaly, judged causally (from the row and the rows with earlier ts of its partition) by layers calibrated to a common tail-probability scale: an extreme robust z-score (|z| > z_threshold, default 4) decides alone; the seasonal forecast is the primary layer; STL residual, isolation forest on kpi_features and drift add evidence, and a drift flagged (or going on) with the forecast 2 half-widths out the same way decides alone. On sub-daily data the forecast and STL layers are also judged by their own trailing tails. Default combination: weighted mean of -log10 p (weights robust_z 0.2, forecast 0.4, stl 0.25, iforest 0.05, drift 0.1), anomaly when score >= threshold (0.999 from 0.4.0, 0.9999 before; on sub-daily data threshold and z_threshold are per day: a point needs 1 - score <= (1 - threshold) / points per day); {"combine": "k_of_n", "k": 2} instead flags when k layers fire. Short gaps are filled (<= 2 points forward, <= 5 interpolated). Known events in options ({"events": [{"name", "start", "end"}]}) are never anomalies. Options: name, combine, k, threshold, z_threshold, forecast_threshold, stl_threshold, iforest_threshold, weights, step, period, min_points, lookback, quality_window, events, time_zone and the seasonal_forecast options. Use OVER (PARTITION BY metric ORDER BY ts); duplicate ts in a partition is an error (22000).';

COMMENT ON FUNCTION anomaly.rule_ensemble_anomaly(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.jsonb) IS
'Rule method ensemble_anomaly (layer 2, the default deviation rule of add_metric): anomaly.ensemble_anomaly of each point from the points before it (scored through its lean twin anomaly.ensemble_rule_scores: the same values without the texts) (robust z-score deciding alone when extreme, seasonal forecast, STL residual, isolation forest, drift, calibrated and combined); expected, lower, upper, score (0..1, 1 - combined tail probability) and is_anomaly are its fields. params {"threshold": 0.999 (0.9999 before 0.4.0; stored rules keep theirs), "history_periods": 365, "options": {...ensemble_anomaly options except threshold}}; the default options leave out the isolation-forest layer ({"weights": {"iforest": 0}}: three quarters of the cost of a check for 5 % of the weight; give options of your own to include it); with the runtime key metric (run_checks) the metric''s name is the name in explanations and its known events (anomaly.expected_events without a dimension filter) are the events (never anomalies) unless options name their own. With the runtime key frequency (run_checks), points are judged in fixed blocks of 28 periods aligned on the Unix epoch, each from the history_periods before its block; without it, one causal pass over the arrays.';

UPDATE anomaly.rule_methods
SET param_defaults = jsonb_set(param_defaults, '{threshold}', '0.999'),
    formula = replace(formula, 'or a drift alert with the forecast 2 half-widths out the same way',
                      'or a drift flagged or going on with the forecast 2 half-widths out the same way'),
    false_positive_rate = '0.05 false alarms per metric per 30 days on the project''s accuracy benchmark (make bench-accuracy, seed 1: 0.05 on daily, 0.08 on hourly series; threshold 0.999)'
WHERE method = 'ensemble_anomaly';

UPDATE anomaly.rule_templates SET params = jsonb_set(params, '{threshold}', '0.999')
WHERE name = 'kpi_anomaly' AND params ->> 'threshold' = '0.9999';
