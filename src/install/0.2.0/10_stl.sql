
---------------------------------------------------------------------------
-- STL / MSTL seasonal decomposition and the causal stl_residual score
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.stl_decompose("values" pg_catalog.float8[],
                                      period pg_catalog.int4,
                                      seasonal pg_catalog.int4 DEFAULT 7,
                                      trend pg_catalog.int4 DEFAULT NULL,
                                      low_pass pg_catalog.int4 DEFAULT NULL,
                                      seasonal_deg pg_catalog.int4 DEFAULT 1,
                                      trend_deg pg_catalog.int4 DEFAULT 1,
                                      low_pass_deg pg_catalog.int4 DEFAULT 1,
                                      robust pg_catalog.bool DEFAULT false,
                                      seasonal_jump pg_catalog.int4 DEFAULT 1,
                                      trend_jump pg_catalog.int4 DEFAULT 1,
                                      low_pass_jump pg_catalog.int4 DEFAULT 1)
    RETURNS TABLE (i pg_catalog.int4, observed pg_catalog.float8, trend pg_catalog.float8,
                   seasonal pg_catalog.float8, resid pg_catalog.float8, weight pg_catalog.float8)
    AS 'MODULE_PATHNAME', 'anomaly_stl_decompose'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000 ROWS 1000;

COMMENT ON FUNCTION anomaly.stl_decompose(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.bool, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS
'STL seasonal-trend decomposition by LOESS (Cleveland et al. 1990) with the parameters and defaults of statsmodels.tsa.seasonal.STL (reproduces it to 1e-8): one row per element, i = its subscript, observed = trend + seasonal + resid, weight = robustness weight (1 unless robust). trend/low_pass NULL = default (smallest odd >= 1.5*period/(1-1.5/seasonal); smallest odd > period). NULL/NaN elements are filled by linear interpolation (ends: nearest value) and returned with observed and resid NULL. Needs at least 2*period elements; +/-Infinity, a value beyond +/-1e150 or an all-NULL array is an error; NULL or empty array: no rows.';

CREATE FUNCTION anomaly.mstl_decompose("values" pg_catalog.float8[],
                                       periods pg_catalog.int4[],
                                       windows pg_catalog.int4[] DEFAULT NULL,
                                       iterate pg_catalog.int4 DEFAULT 2,
                                       robust pg_catalog.bool DEFAULT false)
    RETURNS TABLE (i pg_catalog.int4, observed pg_catalog.float8, trend pg_catalog.float8,
                   seasonal pg_catalog.float8[], resid pg_catalog.float8, weight pg_catalog.float8)
    AS 'MODULE_PATHNAME', 'anomaly_mstl_decompose'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 5000 ROWS 1000;

COMMENT ON FUNCTION anomaly.mstl_decompose(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.int4[], pg_catalog.int4, pg_catalog.bool) IS
'MSTL decomposition with several seasonal periods (statsmodels 0.14 MSTL, no Box-Cox): one row per element; seasonal[k] is the component of periods[k] (same order as given), NULL for a period >= n/2, which MSTL drops. windows: seasonal smoother span per period (default 7+4*rank of the period in ascending order); iterate: refinement passes. Missing values as in stl_decompose.';

CREATE FUNCTION anomaly.stl_residual(value pg_catalog.float8,
                                     period pg_catalog.int4 DEFAULT 7,
                                     robust pg_catalog.bool DEFAULT true,
                                     history pg_catalog.int4 DEFAULT NULL)
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_stl_residual_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.stl_residual(pg_catalog.float8, pg_catalog.int4, pg_catalog.bool, pg_catalog.int4) IS
'Window function (causal): the STL residual of each row in the trailing window of `history` rows ending at it (default max(8*period, 56); 3*period to 2000), as a robust score residual/(1.4826*MAD of the previous rows'' residuals, at most `history` of them), so |score| > 3.5 means what it means for mad_zscore. NULL until history rows and then max(7, period) residuals exist. robust: rows already scored beyond +/-3.5 are replaced by their expected value in later windows (not when part of a run of more than 3 flagged rows or next to a flagged row of the same phase). NULL/NaN/Infinity rows (and values beyond +/-1e150) get NULL and are filled for later windows (expected value; linear interpolation before history rows exist). Use OVER (PARTITION BY metric ORDER BY ts); arguments are read once per partition; the frame clause is ignored.';

CREATE FUNCTION anomaly.stl_residual("values" pg_catalog.float8[],
                                     period pg_catalog.int4 DEFAULT 7,
                                     robust pg_catalog.bool DEFAULT true,
                                     history pg_catalog.int4 DEFAULT NULL)
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'anomaly_stl_residual_array'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.stl_residual(pg_catalog.float8[], pg_catalog.int4, pg_catalog.bool, pg_catalog.int4) IS
'Array form of the stl_residual window function: element i is scored from elements up to i only; NULL/NaN elements allowed (NULL score). Returns an array of the same length and lower bound; NULL values: NULL.';

CREATE FUNCTION anomaly.stl_residual_detail("values" pg_catalog.float8[],
                                            period pg_catalog.int4 DEFAULT 7,
                                            robust pg_catalog.bool DEFAULT true,
                                            history pg_catalog.int4 DEFAULT NULL)
    RETURNS TABLE(i pg_catalog.int4, residual pg_catalog.float8, score pg_catalog.float8)
    AS 'MODULE_PATHNAME', 'anomaly_stl_residual_detail'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 50 ROWS 1000;

COMMENT ON FUNCTION anomaly.stl_residual_detail(pg_catalog.float8[], pg_catalog.int4, pg_catalog.bool, pg_catalog.int4) IS
'stl_residual of an array with the residual behind each score: one row per element (i = its subscript), residual = the element''s STL residual in its trailing window (value - residual is what the decomposition expected), score = as anomaly.stl_residual (residual / score is the spread 1.4826*MAD). NULL residual and score where the array form gives NULL; NULL values: no rows.';
