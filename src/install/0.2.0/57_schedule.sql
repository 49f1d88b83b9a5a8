-- Scheduled checks: one pg_cron job that runs CALL anomaly.run_checks().
--
-- pg_cron is optional: the extension does not require it, and nothing here
-- names a pg_cron object statically. Without pg_cron in this database both
-- functions raise 55000 (object_not_in_prerequisite_state) with a hint.

-- The name of the job; one job per database (pg_cron keys jobs by name and user).
CREATE FUNCTION anomaly.schedule_job_name() RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN 'anomaly_detect.run_checks';

COMMENT ON FUNCTION anomaly.schedule_job_name() IS
'The name of the pg_cron job that anomaly.schedule() creates: anomaly_detect.run_checks (see cron.job and cron.job_run_details)';

-- Raises the error of a missing pg_cron, with a hint that fits the situation.
CREATE FUNCTION anomaly.require_pg_cron() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cron_db text;
    readable boolean := true;
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        IF NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
            RAISE EXCEPTION 'anomaly_detect: role % may not use pg_cron', pg_catalog.quote_ident(current_user::text)
                USING ERRCODE = '42501',
                      HINT = pg_catalog.format('A superuser runs: GRANT USAGE ON SCHEMA cron TO %I; the job then runs with that role''s rights.',
                                               current_user);
        END IF;
        RETURN;
    END IF;
    -- cron.database_name is readable by superusers (and pg_read_all_settings) only.
    BEGIN
        cron_db := pg_catalog.current_setting('cron.database_name', true);
    EXCEPTION WHEN insufficient_privilege THEN
        readable := false;
    END;
    IF readable AND cron_db IS NULL THEN
        RAISE EXCEPTION 'anomaly_detect: scheduled checks need the pg_cron extension, which is not loaded'
            USING ERRCODE = '55000',
                  HINT = 'Install pg_cron, add it to shared_preload_libraries, set cron.database_name to '
                         || pg_catalog.quote_literal(pg_catalog.current_database())
                         || ', restart, then CREATE EXTENSION pg_cron. Or run CALL anomaly.run_checks() from any other scheduler.';
    ELSIF readable AND cron_db <> pg_catalog.current_database() THEN
        RAISE EXCEPTION 'anomaly_detect: pg_cron runs in database % (cron.database_name), not in %',
                        pg_catalog.quote_ident(cron_db), pg_catalog.quote_ident(pg_catalog.current_database())
            USING ERRCODE = '55000',
                  HINT = pg_catalog.format('In database %s run: SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                           pg_catalog.quote_ident(cron_db), anomaly.schedule_job_name(), '*/5 * * * *',
                                           'CALL anomaly.run_checks()', pg_catalog.current_database());
    ELSE
        RAISE EXCEPTION 'anomaly_detect: scheduled checks need the pg_cron extension in this database'
            USING ERRCODE = '55000',
                  HINT = 'A superuser runs CREATE EXTENSION pg_cron; in the database named by cron.database_name. Or run CALL anomaly.run_checks() from any other scheduler.';
    END IF;
END $$;

COMMENT ON FUNCTION anomaly.require_pg_cron() IS
'Returns when pg_cron is installed in this database and the current role may use it; otherwise raises 55000 with a hint on how to install it, or 42501 with the GRANT to run (used by anomaly.schedule and anomaly.unschedule)';

CREATE FUNCTION anomaly.schedule(cron pg_catalog.text DEFAULT '*/5 * * * *') RETURNS pg_catalog.int8
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job_id bigint;
    other record;
BEGIN
    IF cron IS NULL THEN
        RAISE EXCEPTION 'anomaly.schedule: cron must not be NULL'
            USING ERRCODE = '22004', HINT = 'Give a cron expression such as ''*/5 * * * *'', or call anomaly.unschedule() to stop the checks.';
    END IF;
    PERFORM anomaly.require_pg_cron();
    -- One job per database: a job of the same name scheduled by another role
    -- (visible to superusers only) is removed first.
    FOR other IN EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1 AND username <> current_user'
                 USING anomaly.schedule_job_name()
    LOOP
        EXECUTE 'SELECT cron.unschedule($1)' USING other.jobid;
    END LOOP;
    -- cron.schedule(name, ...) replaces the schedule of an existing job of
    -- that name and role, keeping its id; pg_cron validates the expression.
    BEGIN
        EXECUTE 'SELECT cron.schedule($1, $2, $3)'
            INTO job_id
            USING anomaly.schedule_job_name(), cron, 'CALL anomaly.run_checks()';
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'anomaly.schedule: % is not a cron schedule pg_cron accepts', pg_catalog.quote_literal(cron)
            USING ERRCODE = '22023',
                  DETAIL = SQLERRM,
                  HINT = 'Five fields: minute hour day-of-month month day-of-week, e.g. ''*/5 * * * *'' (every 5 minutes) or ''0 6 * * *'' (06:00 daily; pg_cron 1.4 reads schedules in GMT); one minute is the finest granularity.';
    END;
    RETURN job_id;
END $$;

COMMENT ON FUNCTION anomaly.schedule(pg_catalog.text) IS
'Runs CALL anomaly.run_checks() on a cron schedule (default every 5 minutes) through one pg_cron job named anomaly_detect.run_checks; calling it again replaces the schedule. Returns the pg_cron job id. Needs pg_cron in this database (55000 with a hint otherwise); pg_cron''s finest granularity is one minute';

CREATE FUNCTION anomaly.unschedule() RETURNS pg_catalog.bool
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job record;
    removed boolean := false;
BEGIN
    PERFORM anomaly.require_pg_cron();
    FOR job IN EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1' USING anomaly.schedule_job_name()
    LOOP
        EXECUTE 'SELECT cron.unschedule($1)' USING job.jobid;
        removed := true;
    END LOOP;
    RETURN removed;
END $$;

COMMENT ON FUNCTION anomaly.unschedule() IS
'Removes the pg_cron job of anomaly.schedule(); true if there was one, false if none was scheduled. A run already under way finishes. Needs pg_cron in this database (55000 with a hint otherwise)';
