---------------------------------------------------------------------------
-- kpi_features: the temporal features of a KPI series, one float8[] per row
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.kpi_features(ts pg_catalog.timestamptz, value pg_catalog.float8,
                                     time_zone pg_catalog.text DEFAULT 'UTC')
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'anomaly_kpi_features_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 20;

COMMENT ON FUNCTION anomaly.kpi_features(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.text) IS
'Window function: 15 temporal features of each row, causal (the row and the rows before it in the window''s ORDER BY), in the order of anomaly.kpi_feature_names(): value, log1p (sign(x)*ln(1+|x|)), mean_7, std_7, mean_30, std_30 (rolling over the last 7/30 rows, this one included, sample std), wow_change and mom_change ((x - x_ref)/|x_ref| against the row at the same local time exactly 7 days / one calendar month earlier, day clamped to the month''s end), zscore_7 and zscore_30 (against the mean and std of the 7/30 rows before this one), day_of_week (ISO 1 = Monday), day_of_month, month_end, quarter_end (1/0), volatility_30 (std of the row-to-row changes of log1p over the last 30 rows). Calendar elements use the local date in time_zone (read from the first row). Undefined elements are NULL; NULL, NaN and Infinity values never enter the statistics. ts must not be NULL or infinite. Use OVER (PARTITION BY metric ORDER BY ts); the frame clause is ignored.';

CREATE FUNCTION anomaly.kpi_feature_names()
    RETURNS pg_catalog.text[]
    AS 'MODULE_PATHNAME', 'anomaly_kpi_feature_names'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.kpi_feature_names() IS
'The names of the elements of anomaly.kpi_features, in order (element i of one is named by element i of the other): {value, log1p, mean_7, std_7, mean_30, std_30, wow_change, mom_change, zscore_7, zscore_30, day_of_week, day_of_month, month_end, quarter_end, volatility_30}.';
