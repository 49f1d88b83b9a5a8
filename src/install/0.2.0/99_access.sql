---------------------------------------------------------------------------
-- Roles and privileges of everything above (last, so that every object exists).
--   anomaly_reader  the BI views only;
--   anomaly_admin   metrics, rules, events; runs checks; handles alerts.
-- Nothing here is SECURITY DEFINER: run_checks, check_metric, add_metric and
-- the lifecycle functions run with the caller's rights, so a role can never
-- read a metric source through the extension that it could not read
-- directly (add_metric refuses an unreadable source, a check by a role that
-- cannot read it fails with 42501). The views show only the metrics whose
-- source the querying role may SELECT (has_table_privilege): a reader must
-- also be granted SELECT on the sources it should see. anomaly_admin, with
-- direct access to the tables, sees every metric's alerts: grant it only to
-- people trusted with all monitored data.
-- Roles are cluster-wide: they are created here only if missing and are
-- not dropped with the extension.
---------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'anomaly_reader') THEN
        CREATE ROLE anomaly_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'anomaly_admin') THEN
        CREATE ROLE anomaly_admin NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA anomaly TO anomaly_reader, anomaly_admin;

GRANT SELECT ON anomaly.open_alerts, anomaly.alert_history, anomaly.metric_health, anomaly.alert_stats_weekly,
                anomaly.rule_catalog
    TO anomaly_reader, anomaly_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON anomaly.metrics, anomaly.rules, anomaly.expected_events TO anomaly_admin;
GRANT SELECT ON anomaly.rule_methods, anomaly.rule_templates TO anomaly_admin;
-- What run_checks and the lifecycle functions write, with the caller's rights.
GRANT SELECT, INSERT, UPDATE, DELETE ON anomaly.anomaly_log, anomaly.rule_hits, anomaly.metric_state,
                                        anomaly.series_state, anomaly.baseline_resets TO anomaly_admin;
GRANT SELECT, INSERT ON anomaly.alert_audit TO anomaly_admin;

-- Scheduling and tuning change what runs and how: administrators only.
REVOKE ALL ON FUNCTION anomaly.schedule(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION anomaly.unschedule() FROM PUBLIC;
REVOKE ALL ON FUNCTION anomaly.tune(pg_catalog.text, pg_catalog.float8, pg_catalog.bool) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION anomaly.tune(pg_catalog.text, pg_catalog.float8, pg_catalog.bool) TO anomaly_admin;
GRANT EXECUTE ON FUNCTION anomaly.schedule(pg_catalog.text), anomaly.unschedule() TO anomaly_admin;
GRANT SELECT ON anomaly.rule_method_thresholds, anomaly.rule_changes TO anomaly_admin;
GRANT INSERT ON anomaly.rule_changes TO anomaly_admin;
