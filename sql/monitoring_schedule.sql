-- Scheduled checks: anomaly.schedule() keeps one pg_cron job that runs
-- CALL anomaly.run_checks(); anomaly.unschedule() removes it. pg_cron is
-- optional for the extension. The test cluster preloads pg_cron for this
-- database (cron.database_name = contrib_regression).
\set SHOW_CONTEXT never

-- Without the pg_cron extension both functions say what is missing and how to
-- get it.
SELECT anomaly.schedule();
SELECT anomaly.unschedule();

CREATE EXTENSION pg_cron;

-- The default schedule: every 5 minutes; the job calls the procedure.
SELECT anomaly.schedule() AS job_id \gset
SELECT jobid = :job_id AS returns_the_job_id FROM cron.job;
SELECT jobname, schedule, command, database = current_database() AS this_database, active
FROM cron.job;

-- Scheduling again replaces the schedule of the same job: still one job.
SELECT anomaly.schedule('0 * * * *') = :job_id AS same_job;
SELECT count(*) AS jobs, min(schedule) AS schedule FROM cron.job;

-- Bad schedules are refused and leave the job as it was. pg_cron's finest
-- granularity is one minute.
SELECT anomaly.schedule(NULL);
SELECT anomaly.schedule('5 seconds');
SELECT anomaly.schedule('every day');
SELECT count(*) AS jobs, min(schedule) AS schedule FROM cron.job;

-- Not everyone may change the schedule (EXECUTE is revoked from PUBLIC).
SELECT has_function_privilege('public', 'anomaly.schedule(text)', 'EXECUTE') AS public_may_schedule,
       has_function_privilege('public', 'anomaly.unschedule()', 'EXECUTE') AS public_may_unschedule;

-- The job really fires and writes to the log. A metric with 60 complete days
-- up to yesterday (the job checks as of now(); the times are timestamptz, so
-- the job's time zone does not matter) and one spike 10 days ago.
CREATE TABLE public.sched_daily (day timestamptz PRIMARY KEY, amount float8);
INSERT INTO public.sched_daily
SELECT date_trunc('day', now(), 'UTC') - (60 - i) * interval '1 day',
       CASE WHEN i = 50 THEN 900 ELSE 400 + 10 * (i % 7) + (i % 3) END
FROM generate_series(0, 59) AS i;
SELECT anomaly.add_metric('sched_revenue', 'public.sched_daily', 'day', 'amount', '1 day', 'up') > 0 AS added;
-- Every minute (pg_cron's finest granularity): the first run starts at the
-- next minute boundary. Wait for it, at most 75 s, polling once a second.
SELECT anomaly.schedule('* * * * *') = :job_id AS same_job;
DO $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '75 seconds';
BEGIN
    WHILE NOT EXISTS (SELECT FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                      WHERE j.jobname = anomaly.schedule_job_name() AND d.status IN ('succeeded', 'failed')) LOOP
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'the pg_cron job did not finish a run within 75 s';
        END IF;
        PERFORM pg_sleep(1);
    END LOOP;
END $$;
SELECT d.status, d.command, d.return_message
FROM cron.job_run_details d JOIN cron.job j USING (jobid)
WHERE j.jobname = anomaly.schedule_job_name() AND d.status IN ('succeeded', 'failed')
ORDER BY d.runid LIMIT 1;
-- The run, not this session, checked the metric and logged the spike.
SELECT s.last_run_at IS NOT NULL AS checked_by_the_job, s.watermark = date_trunc('day', now(), 'UTC') - interval '1 day' AS up_to_yesterday
FROM anomaly.metric_state s JOIN anomaly.metrics m ON m.id = s.metric_id WHERE m.name = 'sched_revenue';
SELECT l.value, l.status, l.direction, l.points
FROM anomaly.anomaly_log l JOIN anomaly.metrics m ON m.id = l.metric_id WHERE m.name = 'sched_revenue';

-- unschedule() says whether there was a job to remove.
SELECT anomaly.unschedule() AS removed;
SELECT anomaly.unschedule() AS removed_again;
SELECT count(*) AS jobs FROM cron.job;

-- A role of anomaly_admin that is not a superuser needs USAGE on schema cron
-- (pg_cron's rule); its job then runs with its rights.
CREATE ROLE sched_admin IN ROLE anomaly_admin;
SET ROLE sched_admin;
SELECT anomaly.schedule();
RESET ROLE;
GRANT USAGE ON SCHEMA cron TO sched_admin;
SET ROLE sched_admin;
SELECT anomaly.schedule('0 6 * * *') > 0 AS scheduled;
SELECT jobname, schedule, username FROM cron.job;
SELECT anomaly.unschedule() AS removed;
RESET ROLE;
REVOKE USAGE ON SCHEMA cron FROM sched_admin;

DROP EXTENSION pg_cron;
-- Without the extension a non-superuser gets the same clear error.
SET ROLE sched_admin;
SELECT anomaly.unschedule();
RESET ROLE;
DROP ROLE sched_admin;
DELETE FROM anomaly.metrics WHERE name = 'sched_revenue';
DELETE FROM anomaly.alert_audit a WHERE NOT EXISTS (SELECT FROM anomaly.metrics m WHERE m.id = a.metric_id);
DROP TABLE public.sched_daily;
