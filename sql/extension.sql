-- The extension's SQL surface: schema, version, and every function labelled
-- honestly and documented, so BI users can discover it and distributed
-- engines can ship it.
SELECT extname, extversion, extnamespace::regnamespace AS schema, extrelocatable
FROM pg_extension WHERE extname = 'anomaly_detect';

-- Every function: its kind, volatility, parallel safety, strictness, and
-- whether it has a comment.
SELECT p.oid::regprocedure AS function,
       p.prokind AS kind, p.provolatile AS volatility, p.proparallel AS parallel, p.proisstrict AS strict,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'anomaly_detect'
ORDER BY p.oid::regprocedure::text;

-- Aggregates: which combine (parallel / distributed), and their state type.
SELECT a.aggfnoid::regprocedure AS aggregate, a.aggcombinefn <> 0 AS combinable,
       a.aggtranstype::regtype AS state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'anomaly'::regnamespace
ORDER BY 1;

-- The schema is documented too.
SELECT obj_description('anomaly'::regnamespace, 'pg_namespace') IS NOT NULL AS schema_commented;

-- Versions: 0.1.0 is installed by its released script; later versions are
-- reached through the upgrade chain, so every test run exercises it.
SELECT source, target, path FROM pg_extension_update_paths('anomaly_detect')
WHERE path IS NOT NULL ORDER BY 1, 2;
