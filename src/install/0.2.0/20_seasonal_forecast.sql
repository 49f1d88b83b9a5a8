
---------------------------------------------------------------------------
-- seasonal_forecast: a Prophet-class forecast (trend with changepoints,
-- weekly/yearly Fourier seasonality, known events), causal window form and
-- whole-series form
---------------------------------------------------------------------------

CREATE TYPE anomaly.forecast_point AS (
    yhat pg_catalog.float8,
    yhat_lower pg_catalog.float8,
    yhat_upper pg_catalog.float8,
    trend pg_catalog.float8,
    weekly pg_catalog.float8,
    yearly pg_catalog.float8,
    events pg_catalog.float8,
    score pg_catalog.float8
);

COMMENT ON TYPE anomaly.forecast_point IS
'One row of anomaly.seasonal_forecast: the one-step-ahead forecast yhat, its interval [yhat_lower, yhat_upper] (interval_width, default 0.9), the components trend, weekly, yearly, events (additive mode: they add up to yhat; multiplicative mode: yhat = trend*(1+weekly)*(1+yearly)*(1+events)), and score = (value - yhat) / half-width of the interval on that side (|score| > 1: outside the interval; NULL when the value is NULL/NaN/Infinity or no interval exists yet).';

CREATE FUNCTION anomaly.seasonal_forecast(ts pg_catalog.timestamptz,
                                          value pg_catalog.float8,
                                          options pg_catalog.jsonb DEFAULT '{}')
    RETURNS anomaly.forecast_point
    AS 'MODULE_PATHNAME', 'anomaly_seasonal_forecast_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 200;

COMMENT ON FUNCTION anomaly.seasonal_forecast(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.jsonb) IS
'Window function: Prophet-class one-step-ahead forecast of each row from the rows of its partition with earlier ts (causal), as anomaly.forecast_point; score > 1 or < -1 means the value is outside the interval. NULL while fewer than min_history (default 14) usable values precede the row. Refit every refit_every (7) values. Options (jsonb): changepoint_prior_scale, n_changepoints, changepoint_range, changepoint_spacing, weekly_seasonality, yearly_seasonality, seasonality_mode, seasonality_prior_scale, events_prior_scale, events, interval_width, interval_history, refit_every, min_history, time_zone. Use OVER (PARTITION BY metric ORDER BY ts); duplicate ts in a partition is an error; the frame clause is ignored.';

CREATE FUNCTION anomaly.forecast(timestamps pg_catalog.timestamptz[],
                                 "values" pg_catalog.float8[],
                                 horizon pg_catalog.int4,
                                 options pg_catalog.jsonb DEFAULT '{}')
    RETURNS TABLE (ts pg_catalog.timestamptz,
                   yhat pg_catalog.float8,
                   yhat_lower pg_catalog.float8,
                   yhat_upper pg_catalog.float8,
                   trend pg_catalog.float8,
                   weekly pg_catalog.float8,
                   yearly pg_catalog.float8,
                   events pg_catalog.float8)
    AS 'MODULE_PATHNAME', 'anomaly_forecast_series'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000 ROWS 400;

COMMENT ON FUNCTION anomaly.forecast(pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.int4, pg_catalog.jsonb) IS
'Seasonal forecast of a whole series: one fit (same model and options as anomaly.seasonal_forecast) over all (timestamp, value) pairs, returning the fitted yhat, interval and components of every input row in time order, then `horizon` future rows spaced by the median gap between timestamps. Intervals come from the one-step-ahead errors of a causal pass over the series. For charts and BI.';
