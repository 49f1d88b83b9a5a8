
----------------------------------------------------------------------------
-- Period detection (issue 4): which seasonal periods a series has.
----------------------------------------------------------------------------

-- Not STRICT: max_period defaults to NULL, meaning "half the series".
-- NULL values give no rows; NULL min_period means 2.
CREATE FUNCTION anomaly.detect_period("values" pg_catalog.float8[],
                                      min_period pg_catalog.int4 DEFAULT 2,
                                      max_period pg_catalog.int4 DEFAULT NULL)
    RETURNS TABLE(period pg_catalog.int4, strength pg_catalog.float8)
    AS 'MODULE_PATHNAME', 'anomaly_detect_period'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000 ROWS 2;

COMMENT ON FUNCTION anomaly.detect_period(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4) IS
'Seasonal periods of an evenly spaced series (array in time order), strongest first, at most 8 rows. strength in [0,1] = share of the variance around the period''s moving-average trend explained by the mean pattern over one period (beyond the periods listed before it for later rows; 0 = no pattern): e.g. 7 for daily data with a weekly pattern, 24 then 168 for hourly data. Only patterns significant at 1e-6 are listed; white noise and random walks give no rows. Periods range from min_period (>= 2) to max_period (default and upper bound: half the series, so two cycles). NULL elements are linearly interpolated (leading/trailing ones dropped); NULL array, all-NULL, constant or too short series give no rows; Infinity is an error.';
