-- Access: anomaly_reader sees the views only, anomaly_admin manages metrics,
-- rules and events; nobody reads a metric source through the extension that
-- they could not read directly; the SQL code is safe against search_path tricks.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;

CREATE SCHEMA acc;
CREATE TABLE acc.public_kpi (day date, v float8);
CREATE TABLE acc.secret_kpi (day date, v float8);
INSERT INTO acc.public_kpi SELECT d::date, CASE WHEN i = 30 THEN 10 ELSE 100 + i % 3 END FROM generate_series(timestamp '2024-01-01', '2024-02-09', '1 day') WITH ORDINALITY g(d, i);
INSERT INTO acc.secret_kpi SELECT day, v * 2 FROM acc.public_kpi;
SELECT anomaly.add_metric('public_kpi', 'acc.public_kpi', 'day', 'v', good_direction => 'up') > 0 AS added;
SELECT anomaly.add_metric('secret_kpi', 'acc.secret_kpi', 'day', 'v', good_direction => 'up') > 0 AS added;
SELECT count(*) FROM anomaly.check_metric('public_kpi', '2024-02-10 06:00+00');
SELECT count(*) FROM anomaly.check_metric('secret_kpi', '2024-02-10 06:00+00');

CREATE ROLE regress_anomaly_viewer;
CREATE ROLE regress_anomaly_engineer;
GRANT anomaly_reader TO regress_anomaly_viewer;
GRANT anomaly_admin TO regress_anomaly_engineer;
GRANT USAGE ON SCHEMA acc TO regress_anomaly_viewer, regress_anomaly_engineer;
GRANT SELECT ON acc.public_kpi TO regress_anomaly_viewer, regress_anomaly_engineer;

-- The roles exist, as NOLOGIN groups.
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('anomaly_reader', 'anomaly_admin') ORDER BY 1;

-- A reader sees the alerts and health of the metrics whose source it can read, nothing else.
SET ROLE regress_anomaly_viewer;
SELECT metric, first_ts::date, status FROM anomaly.alert_history ORDER BY metric, first_ts;
SELECT metric FROM anomaly.metric_health ORDER BY 1;
SELECT DISTINCT metric FROM anomaly.rule_catalog ORDER BY 1;
\set VERBOSITY terse
SELECT count(*) FROM anomaly.anomaly_log;
SELECT count(*) FROM anomaly.rule_hits;
SELECT anomaly.add_metric('mine', 'acc.public_kpi', 'day', 'v');
SELECT count(*) FROM anomaly.check_metric('public_kpi', '2024-02-10 06:00+00');
\set VERBOSITY default
RESET ROLE;

-- An admin manages metrics and runs checks, with its own rights: a source it
-- cannot read can neither be registered nor checked.
SET ROLE regress_anomaly_engineer;
SELECT anomaly.add_metric('public_copy', 'acc.public_kpi', 'day', 'v', default_rules => false) > 0 AS added;
SELECT count(*) FROM anomaly.check_metric('public_kpi', '2024-02-11 06:00+00');
\set VERBOSITY terse
SELECT anomaly.add_metric('stolen', 'acc.secret_kpi', 'day', 'v');
SELECT count(*) FROM anomaly.check_metric('secret_kpi', '2024-02-11 06:00+00');
\set VERBOSITY default
SELECT count(*) AS visible_secret_alerts FROM anomaly.alert_history WHERE metric = 'secret_kpi';
INSERT INTO anomaly.expected_events (name, during) VALUES ('admin event', '[2024-02-01, 2024-02-02)');
DELETE FROM anomaly.expected_events WHERE name = 'admin event';
RESET ROLE;

-- search_path: a role that puts its own functions first changes nothing; every
-- SQL-language function of the extension pins search_path or has a
-- SQL-standard body, bound when it was created (run_checks, a
-- procedure that commits, cannot have a SET clause: it names everything with
-- its schema and calls check_metric, which does).
CREATE SCHEMA evil;
CREATE FUNCTION evil.abs(float8) RETURNS float8 LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE FUNCTION evil.replace(text, text, text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
SET search_path = evil, public;
-- (data stopped on Feb 9: this check updates the missing-data alert and renders its message again)
SELECT alerts_opened FROM anomaly.check_metric('public_kpi', '2024-02-12 06:00+00');
CALL anomaly.run_checks('2024-02-12 06:00+00', ARRAY['public_kpi'], metrics_failed => NULL) \gset
SELECT :metrics_failed AS metrics_failed;
RESET search_path;
SELECT p.oid::regprocedure AS without_pinned_search_path
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'anomaly_detect'
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname IN ('sql', 'plpgsql')
  AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
  AND p.prosqlbody IS NULL   -- a SQL-standard body is bound when created, not looked up at run time
ORDER BY 1;
SELECT count(*) AS security_definer FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'anomaly_detect'
WHERE p.prosecdef;

-- pg_dump keeps the configuration and the alerts.
SELECT c.relname, coalesce(x.cond, '') AS dumped_rows
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, cond) JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'anomaly_detect' ORDER BY 1;

DROP SCHEMA evil CASCADE;
DELETE FROM anomaly.metrics WHERE name IN ('public_kpi', 'secret_kpi', 'public_copy');
DROP SCHEMA acc CASCADE;
REVOKE anomaly_reader FROM regress_anomaly_viewer;
REVOKE anomaly_admin FROM regress_anomaly_engineer;
DROP ROLE regress_anomaly_viewer;
DROP ROLE regress_anomaly_engineer;
