-- anomaly_detect 0.1.0: install script.
-- Released scripts are never edited; changes ship as anomaly_detect--A--B.sql.
\echo Use "CREATE EXTENSION anomaly_detect" to load this file. \quit

-- Every object is schema-qualified (anomaly.*, pg_catalog types), so the
-- installing role's search_path cannot redirect anything.

COMMENT ON SCHEMA anomaly IS
'anomaly_detect: detectors, rules and alerts for business metrics. See the README for the reference.';

---------------------------------------------------------------------------
-- mad_zscore: the modified z-score of Iglewicz and Hoaglin
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.mad_zscore(value pg_catalog.float8,
                                   lookback pg_catalog.int4 DEFAULT 28,
                                   min_history pg_catalog.int4 DEFAULT 7)
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 10;

COMMENT ON FUNCTION anomaly.mad_zscore(pg_catalog.float8, pg_catalog.int4, pg_catalog.int4) IS
'Window function: modified z-score 0.6745*(x - median)/MAD of each row against the last `lookback` finite values before it in the partition (causal; NULL, NaN and Infinity never count). NULL when the row is not finite or fewer than `min_history` values precede it. MAD = 0: (x - median)/(1.253314*mean absolute deviation); both 0: 0 if x = median, else +/-Infinity. Use OVER (PARTITION BY metric ORDER BY ts); lookback and min_history are read once per partition; the frame clause is ignored.';

CREATE FUNCTION anomaly.mad_zscore("values" pg_catalog.float8[],
                                   lookback pg_catalog.int4 DEFAULT 28,
                                   min_history pg_catalog.int4 DEFAULT 7)
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_array'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;

COMMENT ON FUNCTION anomaly.mad_zscore(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4) IS
'Array form of the mad_zscore window function: element i is scored against the last `lookback` finite elements before it; NULL elements allowed. Returns an array of the same length and lower bound.';

-- Support functions of the mad_zscore_last aggregates. The state is a bytea
-- with a versioned little-endian layout holding O(lookback) points.

CREATE FUNCTION anomaly.mad_zscore_last_transfn(state pg_catalog.bytea, value pg_catalog.float8)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION anomaly.mad_zscore_last_transfn(state pg_catalog.bytea, value pg_catalog.float8,
                                                lookback pg_catalog.int4, min_history pg_catalog.int4)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION anomaly.mad_zscore_last_transfn(state pg_catalog.bytea, ts pg_catalog.timestamptz,
                                                value pg_catalog.float8)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_ts_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION anomaly.mad_zscore_last_transfn(state pg_catalog.bytea, ts pg_catalog.timestamptz,
                                                value pg_catalog.float8,
                                                lookback pg_catalog.int4, min_history pg_catalog.int4)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_ts_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION anomaly.mad_zscore_last_combinefn(a pg_catalog.bytea, b pg_catalog.bytea)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_combinefn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION anomaly.mad_zscore_last_finalfn(state pg_catalog.bytea)
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_finalfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION anomaly.mad_zscore_last_ts_finalfn(state pg_catalog.bytea)
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_mad_zscore_last_ts_finalfn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.mad_zscore_last_transfn(pg_catalog.bytea, pg_catalog.float8) IS
'Support function of anomaly.mad_zscore_last; not meant to be called directly.';
COMMENT ON FUNCTION anomaly.mad_zscore_last_transfn(pg_catalog.bytea, pg_catalog.float8, pg_catalog.int4, pg_catalog.int4) IS
'Support function of anomaly.mad_zscore_last; not meant to be called directly.';
COMMENT ON FUNCTION anomaly.mad_zscore_last_transfn(pg_catalog.bytea, pg_catalog.timestamptz, pg_catalog.float8) IS
'Support function of anomaly.mad_zscore_last; not meant to be called directly.';
COMMENT ON FUNCTION anomaly.mad_zscore_last_transfn(pg_catalog.bytea, pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.int4, pg_catalog.int4) IS
'Support function of anomaly.mad_zscore_last; not meant to be called directly.';
COMMENT ON FUNCTION anomaly.mad_zscore_last_combinefn(pg_catalog.bytea, pg_catalog.bytea) IS
'Support function of anomaly.mad_zscore_last(ts, value ...): merges two partial states (parallel and distributed aggregation).';
COMMENT ON FUNCTION anomaly.mad_zscore_last_finalfn(pg_catalog.bytea) IS
'Support function of anomaly.mad_zscore_last; not meant to be called directly.';
COMMENT ON FUNCTION anomaly.mad_zscore_last_ts_finalfn(pg_catalog.bytea) IS
'Support function of anomaly.mad_zscore_last; not meant to be called directly.';

-- The ORDER BY forms: rows count in the aggregate's ORDER BY order. Their
-- result depends on that order, so they have no combine function.
CREATE AGGREGATE anomaly.mad_zscore_last(value pg_catalog.float8) (
    SFUNC = anomaly.mad_zscore_last_transfn,
    STYPE = pg_catalog.bytea,
    FINALFUNC = anomaly.mad_zscore_last_finalfn,
    PARALLEL = SAFE
);

CREATE AGGREGATE anomaly.mad_zscore_last(value pg_catalog.float8, lookback pg_catalog.int4,
                                         min_history pg_catalog.int4) (
    SFUNC = anomaly.mad_zscore_last_transfn,
    STYPE = pg_catalog.bytea,
    FINALFUNC = anomaly.mad_zscore_last_finalfn,
    PARALLEL = SAFE
);

-- The timestamped forms: rows are placed by ts, in any input order, so
-- partial states combine (parallel workers, Citus shards).
CREATE AGGREGATE anomaly.mad_zscore_last(ts pg_catalog.timestamptz, value pg_catalog.float8) (
    SFUNC = anomaly.mad_zscore_last_transfn,
    STYPE = pg_catalog.bytea,
    FINALFUNC = anomaly.mad_zscore_last_ts_finalfn,
    COMBINEFUNC = anomaly.mad_zscore_last_combinefn,
    PARALLEL = SAFE
);

CREATE AGGREGATE anomaly.mad_zscore_last(ts pg_catalog.timestamptz, value pg_catalog.float8,
                                         lookback pg_catalog.int4, min_history pg_catalog.int4) (
    SFUNC = anomaly.mad_zscore_last_transfn,
    STYPE = pg_catalog.bytea,
    FINALFUNC = anomaly.mad_zscore_last_ts_finalfn,
    COMBINEFUNC = anomaly.mad_zscore_last_combinefn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE anomaly.mad_zscore_last(pg_catalog.float8) IS
'mad_zscore of the last row (in the aggregate''s ORDER BY) against the 28 finite values before it, at least 7: anomaly.mad_zscore_last(value ORDER BY ts) ... GROUP BY metric.';
COMMENT ON AGGREGATE anomaly.mad_zscore_last(pg_catalog.float8, pg_catalog.int4, pg_catalog.int4) IS
'mad_zscore of the last row (in the aggregate''s ORDER BY) against the last `lookback` finite values before it: anomaly.mad_zscore_last(value, lookback, min_history ORDER BY ts).';
COMMENT ON AGGREGATE anomaly.mad_zscore_last(pg_catalog.timestamptz, pg_catalog.float8) IS
'mad_zscore of the row with the newest ts against the 28 finite values before it, at least 7; input order does not matter, combinable for parallel and distributed plans. Error if the newest ts occurs twice.';
COMMENT ON AGGREGATE anomaly.mad_zscore_last(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.int4, pg_catalog.int4) IS
'mad_zscore of the row with the newest ts against the last `lookback` finite values before it; input order does not matter, combinable for parallel and distributed plans. Error if the newest ts occurs twice.';
