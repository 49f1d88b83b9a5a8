-- anomaly.mad_zscore(values float8[], lookback, min_history) RETURNS float8[]:
-- the window function's semantics, element by element.

-- Hand-computed (lookback 5, min_history 3): see mad_zscore_window.
SELECT anomaly.mad_zscore(ARRAY[1, 2, 3, 4, 5, 6, 7, 100, 3]::float8[], 5, 3);

-- Defaults: lookback 28, min_history 7.
SELECT anomaly.mad_zscore(ARRAY[1, 2, 3, 4, 5, 6, 7, 100, 3]::float8[]);

-- NULL, NaN and ±Infinity elements give NULL and never enter the history.
SELECT anomaly.mad_zscore(ARRAY[1, NULL, 2, 'NaN', 3, 'Infinity', 4, '-Infinity']::float8[], 3, 3);

-- MAD = 0 cases.
SELECT anomaly.mad_zscore(ARRAY[3, 3, 3, 3, 3, 2, 3.5]::float8[], 4, 4);
SELECT anomaly.mad_zscore(ARRAY[10, 10, 14, 10, 10, 12]::float8[], 28, 5);

-- Empty, one-element, all-NULL arrays; the lower bound is kept.
SELECT anomaly.mad_zscore('{}'::float8[]);
SELECT anomaly.mad_zscore(ARRAY[5]::float8[], 1, 1);
SELECT anomaly.mad_zscore(ARRAY[NULL, NULL]::float8[], 1, 1);
SELECT anomaly.mad_zscore('[0:3]={1,2,3,9}'::float8[], 3, 2);

-- STRICT: a NULL argument gives NULL.
SELECT anomaly.mad_zscore(NULL::float8[], 5, 3) IS NULL AS null_array,
       anomaly.mad_zscore(ARRAY[1]::float8[], NULL, 3) IS NULL AS null_lookback;

-- Errors.
SELECT anomaly.mad_zscore(ARRAY[1, 2]::float8[], 0, 1);
SELECT anomaly.mad_zscore(ARRAY[1, 2]::float8[], 3, 4);
SELECT anomaly.mad_zscore(ARRAY[[1, 2], [3, 4]]::float8[], 3, 1);
SELECT anomaly.mad_zscore('{}'::float8[], -1, 1);
