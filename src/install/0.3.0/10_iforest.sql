-- Isolation forest (Liu, Ting and Zhou 2008): fit a model once with the
-- anomaly.iforest_fit aggregate, score any number of rows with the IMMUTABLE
-- anomaly.iforest_score(model, features), merge models trained on different
-- partitions with anomaly.iforest_merge; or score a series causally with the
-- window form anomaly.iforest_score(features) OVER (...).

-- ---- the aggregate ------------------------------------------------------------

CREATE FUNCTION anomaly.iforest_fit_transfn(state pg_catalog.bytea, features pg_catalog.float8[])
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_fit_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION anomaly.iforest_fit_transfn(state pg_catalog.bytea, features pg_catalog.float8[],
                                            n_trees pg_catalog.int4)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_fit_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION anomaly.iforest_fit_transfn(state pg_catalog.bytea, features pg_catalog.float8[],
                                            n_trees pg_catalog.int4, sample_size pg_catalog.int4)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_fit_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION anomaly.iforest_fit_transfn(state pg_catalog.bytea, features pg_catalog.float8[],
                                            n_trees pg_catalog.int4, sample_size pg_catalog.int4,
                                            seed pg_catalog.int8)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_fit_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION anomaly.iforest_fit_combinefn(pg_catalog.bytea, pg_catalog.bytea)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_fit_combinefn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION anomaly.iforest_fit_finalfn(pg_catalog.bytea)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_fit_finalfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10000;

COMMENT ON FUNCTION anomaly.iforest_fit_transfn(pg_catalog.bytea, pg_catalog.float8[]) IS
'Transition function of anomaly.iforest_fit: adds one row to the seeded sample.';
COMMENT ON FUNCTION anomaly.iforest_fit_transfn(pg_catalog.bytea, pg_catalog.float8[], pg_catalog.int4) IS
'Transition function of anomaly.iforest_fit: adds one row to the seeded sample.';
COMMENT ON FUNCTION anomaly.iforest_fit_transfn(pg_catalog.bytea, pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4) IS
'Transition function of anomaly.iforest_fit: adds one row to the seeded sample.';
COMMENT ON FUNCTION anomaly.iforest_fit_transfn(pg_catalog.bytea, pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4, pg_catalog.int8) IS
'Transition function of anomaly.iforest_fit: adds one row to the seeded sample.';
COMMENT ON FUNCTION anomaly.iforest_fit_combinefn(pg_catalog.bytea, pg_catalog.bytea) IS
'Combine function of anomaly.iforest_fit: the sample of two partial states (exact, order-independent).';
COMMENT ON FUNCTION anomaly.iforest_fit_finalfn(pg_catalog.bytea) IS
'Final function of anomaly.iforest_fit: fits the forest on the sample and returns the model (bytea).';

CREATE AGGREGATE anomaly.iforest_fit(features pg_catalog.float8[]) (
    SFUNC = anomaly.iforest_fit_transfn,
    STYPE = pg_catalog.bytea,
    COMBINEFUNC = anomaly.iforest_fit_combinefn,
    FINALFUNC = anomaly.iforest_fit_finalfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE anomaly.iforest_fit(features pg_catalog.float8[], n_trees pg_catalog.int4) (
    SFUNC = anomaly.iforest_fit_transfn,
    STYPE = pg_catalog.bytea,
    COMBINEFUNC = anomaly.iforest_fit_combinefn,
    FINALFUNC = anomaly.iforest_fit_finalfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE anomaly.iforest_fit(features pg_catalog.float8[], n_trees pg_catalog.int4,
                                     sample_size pg_catalog.int4) (
    SFUNC = anomaly.iforest_fit_transfn,
    STYPE = pg_catalog.bytea,
    COMBINEFUNC = anomaly.iforest_fit_combinefn,
    FINALFUNC = anomaly.iforest_fit_finalfn,
    PARALLEL = SAFE
);
CREATE AGGREGATE anomaly.iforest_fit(features pg_catalog.float8[], n_trees pg_catalog.int4,
                                     sample_size pg_catalog.int4, seed pg_catalog.int8) (
    SFUNC = anomaly.iforest_fit_transfn,
    STYPE = pg_catalog.bytea,
    COMBINEFUNC = anomaly.iforest_fit_combinefn,
    FINALFUNC = anomaly.iforest_fit_finalfn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE anomaly.iforest_fit(pg_catalog.float8[]) IS
'Isolation forest model (bytea) of the group''s feature vectors: 100 trees, sample_size 256, seed 42. Rows whose array is NULL or holds NULL/NaN/Infinity are skipped; NULL with fewer than 2 usable rows. Same model for any row order and any parallel or distributed plan. Score rows with anomaly.iforest_score(model, features).';
COMMENT ON AGGREGATE anomaly.iforest_fit(pg_catalog.float8[], pg_catalog.int4) IS
'Isolation forest model (bytea) with n_trees trees (sample_size 256, seed 42); see anomaly.iforest_fit(float8[]).';
COMMENT ON AGGREGATE anomaly.iforest_fit(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4) IS
'Isolation forest model (bytea) with n_trees trees grown on sample_size rows each (seed 42); see anomaly.iforest_fit(float8[]).';
COMMENT ON AGGREGATE anomaly.iforest_fit(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4, pg_catalog.int8) IS
'Isolation forest model (bytea) with n_trees trees grown on sample_size rows each, randomness from seed; see anomaly.iforest_fit(float8[]).';

-- ---- scoring and merging models -------------------------------------------------

CREATE FUNCTION anomaly.iforest_score(model pg_catalog.bytea, features pg_catalog.float8[])
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_iforest_score'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 50;

COMMENT ON FUNCTION anomaly.iforest_score(pg_catalog.bytea, pg_catalog.float8[]) IS
'Anomaly score s = 2^(-E[h(x)]/c(psi)) in [0,1] of a feature vector under an isolation forest model from anomaly.iforest_fit: near 1 = isolated quickly (anomalous), 0.5 or less = ordinary. NULL if a feature is NULL, NaN or Infinity; error if the array length differs from the model''s. The model is decoded once per query.';

CREATE FUNCTION anomaly.iforest_merge(model_a pg_catalog.bytea, model_b pg_catalog.bytea)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'anomaly_iforest_merge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION anomaly.iforest_merge(pg_catalog.bytea, pg_catalog.bytea) IS
'A forest of the trees of two isolation forest models over the same number of features (each tree keeps its own sample size): train on partitions separately, then merge.';

-- The same as an aggregate over a column of models: one forest of all their
-- trees (in input order: add ORDER BY for byte-identical results).
CREATE AGGREGATE anomaly.iforest_merge(model pg_catalog.bytea) (
    SFUNC = anomaly.iforest_merge,
    STYPE = pg_catalog.bytea,
    COMBINEFUNC = anomaly.iforest_merge,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE anomaly.iforest_merge(pg_catalog.bytea) IS
'One isolation forest of the trees of every model of the group (NULL models skipped; at most 10000 trees in all): SELECT anomaly.iforest_merge(model ORDER BY shard) FROM models. Tree order follows input order, which changes the bytes but not the scores beyond float rounding.';

-- ---- the window form --------------------------------------------------------------

CREATE FUNCTION anomaly.iforest_score(features pg_catalog.float8[],
                                      "window" pg_catalog.int4 DEFAULT 256,
                                      refit_every pg_catalog.int4 DEFAULT 32,
                                      n_trees pg_catalog.int4 DEFAULT 100,
                                      sample_size pg_catalog.int4 DEFAULT 256,
                                      seed pg_catalog.int8 DEFAULT 42)
    RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'anomaly_iforest_score_window'
    LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE COST 1000;

COMMENT ON FUNCTION anomaly.iforest_score(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int8) IS
'Window function, causal: each row''s isolation forest score under a forest fitted on the (at most) `window` rows before it, refitted every `refit_every` rows. NULL while fewer than min(window, 32) usable rows precede it, and for rows whose features are NULL or hold NULL/NaN/Infinity. Use OVER (PARTITION BY metric ORDER BY ts); parameters are read once per partition; the frame clause is ignored.';
